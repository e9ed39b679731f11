/// Search text normalization, shared by what is indexed and what is asked: lower case, `ё` → `е`
/// (SQLite's unicode61 folds case but not ё), punctuation other than `-`, `.`, `,`, `/` turned into
/// spaces, runs of spaces collapsed.
public enum SearchText {
    public static func normalize(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var lastWasSpace = true
        for scalar in text.lowercased().unicodeScalars {
            var s = scalar
            if s == "ё" { s = "е" }
            let keep = s.properties.isAlphabetic || s.properties.numericType != nil || s == "-" || s == "." || s == "," || s == "/"
            if keep {
                out.unicodeScalars.append(s)
                lastWasSpace = false
            } else if !lastWasSpace {
                out.append(" ")
                lastWasSpace = true
            }
        }
        if out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    /// An FTS5 MATCH expression for what a person typed: each word must match, the last one as a
    /// prefix (type-ahead). Every token is quoted, so FTS syntax in the input is just text.
    /// Returns nil when nothing searchable is left (empty input, only punctuation).
    public static func matchExpression(_ query: String, maxTokens: Int = 8) -> String? {
        // Split where SQLite's unicode61 tokenizer splits: at everything but letters and digits.
        let tokens = normalize(String(query.prefix(500)))
            .split { !($0.isLetter || $0.isNumber) }
            .map(String.init)
            .prefix(maxTokens)
        guard !tokens.isEmpty else { return nil }
        var parts = tokens.map { "\"\($0)\"" }
        parts[parts.count - 1] += "*"
        return parts.joined(separator: " ")
    }
}
