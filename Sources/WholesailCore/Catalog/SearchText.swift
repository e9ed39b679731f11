/// Search text normalization, shared by what is indexed and what is asked: lower case, `ё` → `е`
/// (SQLite's unicode61 folds case but not ё), punctuation other than `-`, `.`, `,`, `/` turned into
/// spaces, runs of spaces collapsed.
public enum SearchText {
    public static func normalize(_ text: String) -> String {
        normalizeCommon(text) ?? normalizeScalars(text)
    }

    /// `normalizeScalars` for text of ASCII and the basic Cyrillic block (U+0400–U+045F), byte by
    /// byte: what catalogs are written in, ten times faster than asking Unicode properties of
    /// every scalar (an import normalizes every product's search text). nil: another script.
    static func normalizeCommon(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var lastWasSpace = true
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                var keep = true
                if byte < 0x80 {
                    switch byte {
                    case UInt8(ascii: "A")...UInt8(ascii: "Z"): out.append(byte + 0x20)
                    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                        UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "/"):
                        out.append(byte)
                    default: keep = false
                    }
                    index += 1
                } else if let width = separatorWidth(bytes, at: index) {
                    keep = false
                    index += width
                } else {
                    guard byte == 0xD0 || byte == 0xD1, index + 1 < bytes.count else { return nil }
                    let scalar = (UInt32(byte & 0x1F) << 6) | UInt32(bytes[index + 1] & 0x3F)
                    guard (0x400...0x45F).contains(scalar) else { return nil }
                    var lower = scalar
                    if scalar < 0x410 {
                        lower = scalar + 0x50
                    } else if scalar < 0x430 {
                        lower = scalar + 0x20
                    }
                    if lower == 0x451 { lower = 0x435 }  // ё → е
                    out.append(UInt8(0xC0 | (lower >> 6)))
                    out.append(UInt8(0x80 | (lower & 0x3F)))
                    index += 2
                }
                if keep {
                    lastWasSpace = false
                } else if !lastWasSpace {
                    out.append(0x20)
                    lastWasSpace = true
                }
            }
            if out.last == 0x20 { out.removeLast() }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The UTF-8 length of the punctuation Russian catalogs use beside Cyrillic at `index` (a
    /// no-break space, «», °, dashes, „“ quotes, №), nil for anything else.
    private static func separatorWidth(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let rest = bytes.count - index
        if rest >= 2 && bytes[index] == 0xC2 {
            switch bytes[index + 1] {
            case 0xA0, 0xAB, 0xB0, 0xBB: return 2
            default: return nil
            }
        }
        if rest >= 3 && bytes[index] == 0xE2 {
            switch (bytes[index + 1], bytes[index + 2]) {
            case (0x80, 0x93), (0x80, 0x94), (0x80, 0x9C), (0x80, 0x9D), (0x80, 0x9E), (0x84, 0x96): return 3
            default: return nil
            }
        }
        return nil
    }

    /// The normalization by Unicode properties, for any script.
    static func normalizeScalars(_ text: String) -> String {
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

    /// What a person typed, cut as the search reads it: words that must occur (a quoted phrase is
    /// one entry of several words that must stand together), words that must not, and whether the
    /// last positive word is matched as a prefix (type-ahead).
    public struct Query: Equatable, Sendable {
        public var positives: [[String]] = []
        public var negatives: [[String]] = []
        public var lastIsPrefix = false

        /// The words when the query is nothing but single words (no phrase, no exclusion): the
        /// case an in-memory word index answers.
        public var plainWords: [String]? {
            guard negatives.isEmpty, !positives.isEmpty, positives.allSatisfy({ $0.count == 1 }) else { return nil }
            return positives.map { $0[0] }
        }
    }

    /// Cuts what a person typed (at most 500 characters, `maxTokens` entries).
    public static func parse(_ query: String, maxTokens: Int = 8) -> Query {
        let text = String(query.prefix(500))
        var parsed = Query()
        // Split into quoted phrases and loose words, keeping a leading minus.
        var index = text.startIndex
        while index < text.endIndex, parsed.positives.count + parsed.negatives.count < maxTokens {
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
                    if negative { parsed.negatives.append(words) } else { parsed.positives.append(words) }
                    parsed.lastIsPrefix = false
                }
                index = close < text.endIndex ? text.index(after: close) : close
                continue
            }
            let end = text[cursor...].firstIndex(where: { $0.isWhitespace }) ?? text.endIndex
            let words = tokens(String(text[cursor..<end]))
            for word in words {
                if negative { parsed.negatives.append([word]) } else { parsed.positives.append([word]) }
            }
            if !words.isEmpty { parsed.lastIsPrefix = !negative }
            index = end
        }
        return parsed
    }

    /// An FTS5 MATCH expression for what a person typed: every word must match, the last one as a
    /// prefix (type-ahead); `"quoted words"` must stand together; `-word` excludes. Every token is
    /// quoted, so FTS syntax in the input is just text. Returns nil when nothing searchable is left
    /// (empty input, only punctuation, only exclusions).
    public static func matchExpression(_ query: String, maxTokens: Int = 8) -> String? {
        matchExpression(parse(query, maxTokens: maxTokens))
    }

    public static func matchExpression(_ parsed: Query) -> String? {
        guard !parsed.positives.isEmpty else { return nil }
        var positives = parsed.positives.map { "\"" + $0.joined(separator: " ") + "\"" }
        if parsed.lastIsPrefix { positives[positives.count - 1] += "*" }
        var expression = positives.joined(separator: " ")
        for negative in parsed.negatives { expression += " NOT \"" + negative.joined(separator: " ") + "\"" }
        return expression
    }

    /// Words as SQLite's unicode61 tokenizer cuts them: at everything but letters and digits.
    static func tokens(_ text: String) -> [String] {
        normalize(text).split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }
}
