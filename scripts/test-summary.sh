#!/usr/bin/env bash
# Sums the Counters of every TRX file under a folder and prints one line: "N passed, N failed, N skipped".
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
done
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
