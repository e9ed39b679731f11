/// Decimal numbers as ERP files write them ("1 234,50", "45000.0", "231.7400", " 7 ") turned into
/// one canonical text form ("1234.5", "45000", "231.74", "7") that `ExactDecimal(parsing:)` and
/// SQLite both read. The value is never passed through a binary floating point number.
public enum DecimalText {
    /// The canonical form of `raw`, or nil when it is not a plain decimal number.
    ///
    /// Accepted: an optional sign; digits; one decimal separator (`.` or `,`); thousands
    /// separators that are spaces (also no-break and thin spaces) or the other punctuation mark,
    /// each followed by exactly three digits. Rejected: empty text, letters, exponents, two decimal
    /// separators, more than 38 digits.
    public static func canonical(_ raw: String) -> String? {
        if isAlreadyCanonical(raw) { return raw }
        var units: [UInt8] = []
        units.reserveCapacity(raw.utf8.count)
        // Map every kind of space to a plain space; keep the rest as is.
        for scalar in raw.unicodeScalars {
            switch scalar.value {
            case 0x20, 0x09, 0x0A, 0x0D, 0xA0, 0x2009, 0x202F, 0x2007: units.append(0x20)
            case 0x30...0x39, 0x2B, 0x2D, 0x2C, 0x2E: units.append(UInt8(scalar.value))
            case 0x2212: units.append(0x2D)  // minus sign
            default: return nil
            }
        }
        while units.last == 0x20 { units.removeLast() }
        var index = 0
        while index < units.count, units[index] == 0x20 { index += 1 }
        var negative = false
        if index < units.count, units[index] == 0x2D || units[index] == 0x2B {
            negative = units[index] == 0x2D
            index += 1
        }
        let body = Array(units[index...])
        guard !body.isEmpty, body.first != 0x20 else { return nil }
        let dots = body.filter { $0 == 0x2E }.count
        let commas = body.filter { $0 == 0x2C }.count
        // Decide which mark (if any) separates the fraction.
        var decimalMark: UInt8?
        if dots > 0 && commas > 0 {
            let lastDot = body.lastIndex(of: 0x2E)!
            let lastComma = body.lastIndex(of: 0x2C)!
            decimalMark = lastDot > lastComma ? 0x2E : 0x2C
            let groupingMark: UInt8 = decimalMark == 0x2E ? 0x2C : 0x2E
            if (decimalMark == 0x2E ? dots : commas) != 1 { return nil }
            if body.lastIndex(of: groupingMark)! > body.lastIndex(of: decimalMark!)! { return nil }
        } else if dots == 1 {
            decimalMark = 0x2E
        } else if commas == 1 {
            decimalMark = 0x2C
        }
        var integerDigits: [UInt8] = []
        var fractionDigits: [UInt8] = []
        var inFraction = false
        var groupLength = 0  // digits since the last thousands separator (-1: none seen yet)
        var sawGroupSeparator = false
        for unit in body {
            switch unit {
            case 0x30...0x39:
                if inFraction { fractionDigits.append(unit) } else { integerDigits.append(unit) }
                groupLength += 1
            case _ where unit == decimalMark:
                if sawGroupSeparator && groupLength != 3 { return nil }
                inFraction = true
                groupLength = 0
            case 0x20, 0x2C, 0x2E:
                // A thousands separator: only in the integer part, after at least one digit, and
                // the previous group (if any) must be complete.
                guard !inFraction, !integerDigits.isEmpty else { return nil }
                if sawGroupSeparator && groupLength != 3 { return nil }
                sawGroupSeparator = true
                groupLength = 0
            default:
                return nil
            }
        }
        if sawGroupSeparator && !inFraction && groupLength != 3 { return nil }
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return nil }
        while integerDigits.count > 1, integerDigits.first == 0x30 { integerDigits.removeFirst() }
        if integerDigits.isEmpty { integerDigits = [0x30] }
        while fractionDigits.last == 0x30 { fractionDigits.removeLast() }
        guard integerDigits.count + fractionDigits.count <= 38 else { return nil }
        var text = String(decoding: integerDigits, as: UTF8.self)
        if !fractionDigits.isEmpty { text += "." + String(decoding: fractionDigits, as: UTF8.self) }
        if negative && text != "0" { text = "-" + text }
        return text
    }

    /// The common case, checked without allocating: `-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?`.
    private static func isAlreadyCanonical(_ raw: String) -> Bool {
        var utf8 = raw.utf8.makeIterator()
        guard var byte = utf8.next() else { return false }
        var negative = false
        if byte == UInt8(ascii: "-") {
            negative = true
            guard let next = utf8.next() else { return false }
            byte = next
        }
        guard byte >= 0x30 && byte <= 0x39 else { return false }
        let leadingZero = byte == 0x30
        var integerDigits = 1
        var fractionDigits = 0
        var lastFractionDigit: UInt8 = 0
        var inFraction = false
        while let next = utf8.next() {
            if next >= 0x30 && next <= 0x39 {
                if inFraction {
                    fractionDigits += 1
                    lastFractionDigit = next
                } else {
                    integerDigits += 1
                }
            } else if next == UInt8(ascii: ".") && !inFraction {
                inFraction = true
            } else {
                return false
            }
        }
        if leadingZero && integerDigits > 1 { return false }
        if inFraction && (fractionDigits == 0 || lastFractionDigit == 0x30) { return false }
        if negative && leadingZero && !inFraction { return false }  // "-0"
        return integerDigits + fractionDigits <= 38
    }
}
