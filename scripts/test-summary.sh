#!/usr/bin/env bash
# Sums the Counters of every TRX file under a folder and prints one line: "N passed, N failed, N skipped".
# Failed tests are listed above that line with the first lines of their message, so a CI log that keeps only its
# tail still names what failed.
# A test project whose host crashed leaves no TRX; `dotnet test`'s exit code (checked by the caller) catches that.
set -euo pipefail
dir=${1:-TestResults}
passed=0; failed=0; skipped=0
shopt -s nullglob globstar
for trx in "$dir"/**/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  total=$(get total); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + p))
  bad=$((f + e + t + a))
  failed=$((failed + bad))
  skipped=$((skipped + total - p - bad))
  if [ "$bad" -gt 0 ] && ! command -v python3 >/dev/null; then
    grep -o '<UnitTestResult [^>]*>' "$trx" | grep -v 'outcome="Passed"\|outcome="NotExecuted"' |
      sed -n 's/.* testName="\([^"]*\)".*/FAILED \1/p' || true
  elif [ "$bad" -gt 0 ]; then
    python3 - "$trx" <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") in ("Passed", "NotExecuted"):
        continue
    msg = r.findtext(".//t:ErrorInfo/t:Message", default="", namespaces=ns).strip().splitlines()
    print(f"FAILED {r.get('testName')} ({r.get('duration')}): " + " | ".join(msg[:3])[:600])
PY
  fi
done
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
