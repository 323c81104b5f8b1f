using System.Globalization;
using System.Text;

namespace InferenceOperator.Cli.Local;

/// <summary>
/// BERT uncased tokenization (lower-case, strip accents, split on whitespace and punctuation, greedy longest-match
/// WordPiece with "##" continuations), enough to feed real sentences to all-MiniLM-L6-v2.
/// </summary>
internal sealed class WordPieceTokenizer
{
    private readonly Dictionary<string, long> vocabulary;
    private readonly long unknown;

    public WordPieceTokenizer(IEnumerable<string> vocabularyLines)
    {
        vocabulary = new Dictionary<string, long>(StringComparer.Ordinal);
        long index = 0;
        foreach (var token in vocabularyLines)
        {
            vocabulary.TryAdd(token, index++);
        }

        Classify = vocabulary["[CLS]"];
        Separator = vocabulary["[SEP]"];
        Padding = vocabulary["[PAD]"];
        unknown = vocabulary["[UNK]"];
    }

    public long Classify { get; }

    public long Separator { get; }

    public long Padding { get; }

    /// <summary>[CLS] tokens… [SEP], truncated to <paramref name="maxLength"/>.</summary>
    public IReadOnlyList<long> Encode(string text, int maxLength = 128)
    {
        var ids = new List<long> { Classify };
        foreach (var word in Words(text))
        {
            ids.AddRange(WordPieces(word));
        }

        if (ids.Count > maxLength - 1)
        {
            ids.RemoveRange(maxLength - 1, ids.Count - (maxLength - 1));
        }

        ids.Add(Separator);
        return ids;
    }

    private IEnumerable<long> WordPieces(string word)
    {
        var pieces = new List<long>();
        var start = 0;
        while (start < word.Length)
        {
            var end = word.Length;
            long? found = null;
            while (end > start)
            {
                var piece = (start > 0 ? "##" : "") + word[start..end];
                if (vocabulary.TryGetValue(piece, out var id))
                {
                    found = id;
                    break;
                }

                end--;
            }

            if (found is null)
            {
                return [unknown];
            }

            pieces.Add(found.Value);
            start = end;
        }

        return pieces;
    }

    private const string Accented = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ";
    private const string Plain = "aaaaaaceeeeiiiinooooouuuuyy";

    private static char FoldAccent(char c)
    {
        var index = Accented.IndexOf(c, StringComparison.Ordinal);
        return index < 0 ? c : Plain[index];
    }

    private static IEnumerable<string> Words(string text)
    {
        // Invariant globalization (no ICU) cannot decompose accents, so Latin letters are folded by table.
        var normalized = text.ToLowerInvariant();
        var word = new StringBuilder();
        foreach (var original in normalized)
        {
            var c = FoldAccent(original);
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                if (word.Length > 0)
                {
                    yield return word.ToString();
                    word.Clear();
                }
            }
            else if (char.IsPunctuation(c) || char.IsSymbol(c))
            {
                if (word.Length > 0)
                {
                    yield return word.ToString();
                    word.Clear();
                }

                yield return c.ToString();
            }
            else
            {
                word.Append(c);
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }
}
