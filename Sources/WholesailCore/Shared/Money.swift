import Foundation

/// An exact amount of money: integer minor units (kopecks, cents) and an ISO 4217 code.
///
/// Amounts are never floats. Arithmetic that can produce fractions of a minor unit
/// (percentages, currency conversion, unit factors) goes through `Money.rounded(_:)`,
/// the one rounding rule of the portal: half away from zero, to the minor unit.
public struct Money: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var minorUnits: Int64
    public var currency: String

    public init(minorUnits: Int64, currency: String) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// The largest order total the portal accepts (10¹⁵ minor units: ten trillion roubles).
    public static let maxOrderMinor: Int64 = 1_000_000_000_000_000

    public static func zero(_ currency: String) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Minor units per major unit for a currency (all currencies the portal handles have 2).
    public static func scale(of currency: String) -> Int64 {
        switch currency {
        case "JPY", "KRW": 1
        default: 100
        }
    }

    /// The decimal string of the amount, `"1234.50"`: the form used in JSON and CSV.
    public var decimalString: String {
        let scale = Money.scale(of: currency)
        let digits = scale == 1 ? 0 : String(scale).count - 1
        let negative = minorUnits < 0
        let magnitude = minorUnits.magnitude
        let whole = magnitude / UInt64(scale)
        let fraction = magnitude % UInt64(scale)
        var text = String(whole)
        if digits > 0 {
            let fractionText = String(fraction)
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return negative ? "-" + text : text
    }

    public var description: String { "\(decimalString) \(currency)" }

    /// Parses `"1234.5"`, `"1234,50"`, `"1 234.50"`: the forms ERPs and people write.
    /// Returns nil for anything that is not an exact amount in this currency's minor units.
    public init?(decimal text: String, currency: String) {
        let scale = Money.scale(of: currency)
        guard let value = ExactDecimal(parsing: text), let minor = value.scaled(to: scale, rounding: false) else {
            return nil
        }
        self.init(minorUnits: minor, currency: currency)
    }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "comparing \(lhs.currency) with \(rhs.currency)")
        return lhs.minorUnits < rhs.minorUnits
    }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency)
    }

    /// Multiplies by an exact decimal (a quantity, a rate, `1.03` for +3%) and rounds once.
    public func multiplied(by factor: ExactDecimal) -> Money {
        Money(minorUnits: Money.rounded(numerator: Int128(minorUnits) * Int128(factor.units), denominator: Int128(factor.scale)), currency: currency)
    }

    /// The portal's one rounding rule: half away from zero. A result beyond what an amount can
    /// hold saturates at the largest one instead of trapping: hostile input (a quantity of
    /// 10¹⁶ at a price of 10¹⁵) must give an absurd total, never a crashed server.
    public static func rounded(numerator: Int128, denominator: Int128) -> Int64 {
        Int64(clamping: roundedWide(numerator: numerator, denominator: denominator))
    }

    static func roundedWide(numerator: Int128, denominator: Int128) -> Int128 {
        precondition(denominator > 0)
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        var result = quotient
        if remainder.magnitude * 2 >= denominator.magnitude {
            result += numerator < 0 ? -1 : 1
        }
        return result
    }

    /// The sum of amounts, saturating like `rounded` instead of trapping on overflow.
    public static func sum<S: Sequence>(_ amounts: S) -> Int64 where S.Element == Int64 {
        Int64(clamping: amounts.reduce(Int128(0)) { $0 + Int128($1) })
    }
}

/// An exact decimal number `units / scale` (scale a power of ten): quantities, rates, factors.
public struct ExactDecimal: Hashable, Sendable, CustomStringConvertible {
    public var units: Int64
    public var scale: Int64

    public init(units: Int64, scale: Int64 = 1) {
        precondition(scale > 0)
        self.units = units
        self.scale = scale
    }

    public init(_ integer: Int) { self.init(units: Int64(integer), scale: 1) }

    /// Parses a decimal written with `.` or `,`, with optional spaces as thousands separators,
    /// optional sign, up to 12 fraction digits. No exponents, no NaN.
    public init?(parsing raw: String) {
        var text = raw.trimmingCharacters(in: .whitespaces)
        text = String(text.filter { $0 != " " && $0 != "\u{00A0}" && $0 != "\u{202F}" })
        guard !text.isEmpty, text.count <= 40 else { return nil }
        var negative = false
        if text.hasPrefix("-") {
            negative = true
            text.removeFirst()
        } else if text.hasPrefix("+") {
            text.removeFirst()
        }
        let parts = text.split(separator: text.contains(",") ? "," : ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let wholePart = parts.first else { return nil }
        let fractionPart = parts.count == 2 ? parts[1] : ""
        guard !(wholePart.isEmpty && fractionPart.isEmpty),
            wholePart.allSatisfy({ $0.isASCII && $0.isNumber }),
            fractionPart.allSatisfy({ $0.isASCII && $0.isNumber }),
            fractionPart.count <= 12
        else { return nil }
        var scale: Int64 = 1
        for _ in 0..<fractionPart.count { scale *= 10 }
        guard let whole = wholePart.isEmpty ? 0 : Int64(wholePart), let fraction = fractionPart.isEmpty ? 0 : Int64(fractionPart)
        else { return nil }
        let (product, overflow1) = whole.multipliedReportingOverflow(by: scale)
        let (sum, overflow2) = product.addingReportingOverflow(fraction)
        guard !overflow1, !overflow2 else { return nil }
        self.init(units: negative ? -sum : sum, scale: scale)
    }

    /// The value in units of `1/target` (e.g. minor units for target 100). Without rounding,
    /// returns nil when the value has more precision than the target holds; nil as well when it
    /// does not fit in 64 bits (a quantity of 10¹⁷ pieces is an error, not a crash).
    public func scaled(to target: Int64, rounding: Bool) -> Int64? {
        let numerator = Int128(units) * Int128(target)
        let denominator = Int128(scale)
        if !rounding && numerator % denominator != 0 { return nil }
        return Int64(exactly: Money.roundedWide(numerator: numerator, denominator: denominator))
    }

    public var description: String {
        if scale == 1 { return String(units) }
        let digits = String(scale).count - 1
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(scale)
        var fraction = String(magnitude % UInt64(scale))
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let sign = units < 0 ? "-" : ""
        return fraction.isEmpty ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }
}
