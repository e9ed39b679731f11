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

    /// An FTS5 MATCH expression for what a person typed: every word must match, the last one as a
    /// prefix (type-ahead); `"quoted words"` must stand together; `-word` excludes. Every token is
    /// quoted, so FTS syntax in the input is just text. Returns nil when nothing searchable is left
    /// (empty input, only punctuation, only exclusions).
    public static func matchExpression(_ query: String, maxTokens: Int = 8) -> String? {
        let text = String(query.prefix(500))
        var positives: [String] = []
        var negatives: [String] = []
        var lastIsPrefixable = false
        // Split into quoted phrases and loose words, keeping a leading minus.
        var index = text.startIndex
        while index < text.endIndex, positives.count + negatives.count < maxTokens {
            let character = text[index]
            if character.isWhitespace {
                index = text.index(after: index)
                continue
            }
            var negative = false
            var cursor = index
            if character == "-", text.index(after: index) < text.endIndex, !text[text.index(after: index)].isWhitespace {
                negative = true
                cursor = text.index(after: index)
            }
            if text[cursor] == "\"" {
                let open = text.index(after: cursor)
                let close = text[open...].firstIndex(of: "\"") ?? text.endIndex
                let words = tokens(String(text[open..<close]))
                if !words.isEmpty {
                    let phrase = "\"" + words.joined(separator: " ") + "\""
                    if negative { negatives.append(phrase) } else { positives.append(phrase) }
                    lastIsPrefixable = false
                }
                index = close < text.endIndex ? text.index(after: close) : close
                continue
            }
            let end = text[cursor...].firstIndex(where: { $0.isWhitespace }) ?? text.endIndex
            let words = tokens(String(text[cursor..<end]))
            for word in words {
                if negative { negatives.append("\"\(word)\"") } else { positives.append("\"\(word)\"") }
            }
            if !words.isEmpty { lastIsPrefixable = !negative }
            index = end
        }
        guard !positives.isEmpty else { return nil }
        if lastIsPrefixable { positives[positives.count - 1] += "*" }
        var expression = positives.joined(separator: " ")
        for negative in negatives { expression += " NOT " + negative }
        return expression
    }

    /// Words as SQLite's unicode61 tokenizer cuts them: at everything but letters and digits.
    static func tokens(_ text: String) -> [String] {
        normalize(text).split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }
}
