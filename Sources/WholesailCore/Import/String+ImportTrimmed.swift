extension String {
    /// Without leading and trailing spaces, tabs, line breaks and no-break spaces; the string
    /// itself (no copy, no Foundation) when there is nothing to trim — the usual case in the hot
    /// paths of an import, where Foundation's trimming costs more than the rest of the row.
    public var importTrimmed: String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return self }
        func space(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        if !space(first) && !space(last) && first != 0xC2 && last != 0xA0 { return self }
        var scalars = Substring(self).unicodeScalars
        while let scalar = scalars.first, scalar.properties.isWhitespace { scalars.removeFirst() }
        while let scalar = scalars.last, scalar.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    /// At most `maxCharacters` characters: the string itself when it is surely shorter (no more
    /// UTF-8 bytes than that), else its first characters. `String(prefix(n))` walks grapheme
    /// clusters even when nothing is cut, which showed at 3 million property values an import.
    public func clipped(_ maxCharacters: Int) -> String {
        utf8.count <= maxCharacters ? self : String(prefix(maxCharacters))
    }
}

extension ExactDecimal {
    /// A decimal from the canonical text `DecimalText` produces ("1234.5", "-3", "0.125"),
    /// read without Foundation; other forms go through `ExactDecimal(parsing:)`.
    public static func importValue(_ text: String) -> ExactDecimal? {
        var units: Int64 = 0
        var scale: Int64 = 1
        var negative = false
        var inFraction = false
        var digits = 0
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                guard digits <= 17 else { return ExactDecimal(parsing: text) }
                units = units * 10 + Int64(byte - UInt8(ascii: "0"))
                if inFraction { scale *= 10 }
            case UInt8(ascii: "-") where index == 0:
                negative = true
            case UInt8(ascii: ".") where !inFraction:
                inFraction = true
            default:
                return ExactDecimal(parsing: text)
            }
        }
        guard digits > 0 else { return nil }
        return ExactDecimal(units: negative ? -units : units, scale: scale)
    }
}
