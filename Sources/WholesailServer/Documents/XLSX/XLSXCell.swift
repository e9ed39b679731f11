import Foundation
import WholesailCore

/// How a number cell is shown. Money and quantities are exact decimals underneath; the format
/// only decides the display.
public enum XLSXNumberFormat: Sendable, Hashable {
    /// Excel's General.
    case general
    /// `0`: whole numbers without grouping (codes, counts).
    case integer
    /// `#,##0`: whole numbers with grouping.
    case groupedInteger
    /// `#,##0.00` (with as many zeros as `places`): money and fixed-point amounts.
    case decimal(places: Int)
    /// `yyyy-mm-dd`.
    case date
    /// `yyyy-mm-dd hh:mm`.
    case dateTime
    /// Any Excel format code, e.g. `dd.mm.yyyy` or `0.0%`.
    case custom(String)

    /// `#,##0.00`.
    public static let money = XLSXNumberFormat.decimal(places: 2)

    /// The built-in format id when Excel has one, else the code to declare in styles.xml.
    var builtIn: Int? {
        switch self {
        case .general: 0
        case .integer: 1
        case .groupedInteger: 3
        case .decimal(places: 2): 4
        default: nil
        }
    }

    var code: String {
        switch self {
        case .general: "General"
        case .integer: "0"
        case .groupedInteger: "#,##0"
        case .decimal(let places): places <= 0 ? "#,##0" : "#,##0." + String(repeating: "0", count: min(places, 15))
        case .date: "yyyy-mm-dd"
        case .dateTime: "yyyy-mm-dd hh:mm"
        case .custom(let code): code
        }
    }
}

/// A calendar date with a time of day, without a time zone (what a spreadsheet stores).
public struct XLSXDateTime: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The wall-clock time of an instant in a time zone (the customer's, not the server's).
    public init(_ date: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        self.init(
            year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0,
            minute: parts.minute ?? 0, second: parts.second ?? 0)
    }

    /// Excel's serial number (1900 system) as exact decimal text: whole days since 1899-12-30 plus
    /// the time as a fraction of a day to 10 places (about 9 µs). Nil before 1900-03-01, where the
    /// serials of the 1900 system stop matching the calendar.
    var serial: String? {
        guard CivilDate.isValid(year: year, month: month, day: day),
            (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second)
        else { return nil }
        let days = CivilDate.days(year: year, month: month, day: day) - CivilDate.excel1900Epoch
        guard days >= 61 else { return nil }
        let seconds = hour * 3600 + minute * 60 + second
        guard seconds > 0 else { return String(days) }
        // seconds / 86400 to 10 places, rounded half up, in integers.
        let scaled = (Int64(seconds) * 10_000_000_000 * 2 + 86_400) / (86_400 * 2)
        var fraction = String(scaled)
        fraction = String(repeating: "0", count: 10 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(days).\(fraction)"
    }

    var iso: String {
        let date = CivilDate.iso((year, month, day))
        return date + "T" + CivilDate.pad(hour, 2) + ":" + CivilDate.pad(minute, 2) + ":" + CivilDate.pad(second, 2)
    }
}

/// One cell to write: a value, an optional display format and bold.
///
/// There is deliberately no formula case: text is always stored as text, and text that a
/// spreadsheet would take for a formula when typed (`=`, `+`, `-`, `@`, tab, CR at the start)
/// is additionally marked with Excel's quote prefix, so editing the cell keeps it literal.
public struct XLSXCell: Sendable, Hashable, ExpressibleByStringInterpolation {
    public enum Value: Sendable, Hashable {
        case empty
        case text(String)
        case integer(Int64)
        /// An exact decimal (`ExactDecimal` is units ÷ a power of ten): never a binary float.
        case decimal(ExactDecimal)
        case bool(Bool)
        case date(year: Int, month: Int, day: Int)
        case dateTime(XLSXDateTime)
    }

    public var value: Value
    /// Overrides the column's and the value's default format.
    public var format: XLSXNumberFormat?
    public var bold: Bool

    public init(_ value: Value, format: XLSXNumberFormat? = nil, bold: Bool = false) {
        self.value = value
        self.format = format
        self.bold = bold
    }

    public init(stringLiteral text: String) { self.init(.text(text)) }

    public static let empty = XLSXCell(.empty)

    public static func text(_ text: String, bold: Bool = false) -> XLSXCell { XLSXCell(.text(text), bold: bold) }

    public static func integer(_ value: Int64, format: XLSXNumberFormat? = nil) -> XLSXCell {
        XLSXCell(.integer(value), format: format)
    }

    public static func decimal(_ value: ExactDecimal, format: XLSXNumberFormat? = nil) -> XLSXCell {
        XLSXCell(.decimal(value), format: format)
    }

    /// A decimal written as text (`"1234.50"`, `"1234,5"`); text that is not an exact decimal is
    /// kept as a text cell rather than lost.
    public static func decimal(_ text: String, format: XLSXNumberFormat? = nil) -> XLSXCell {
        guard let value = ExactDecimal(parsing: text) else { return XLSXCell(.text(text)) }
        return XLSXCell(.decimal(value), format: format)
    }

    /// An amount in integer minor units with `scale` fraction digits (`123450, scale: 2` is 1234.50),
    /// shown as `#,##0.00`.
    public static func money(minorUnits: Int64, scale: Int = 2) -> XLSXCell {
        var factor: Int64 = 1
        for _ in 0..<max(0, min(scale, 18)) { factor *= 10 }
        return XLSXCell(.decimal(ExactDecimal(units: minorUnits, scale: factor)), format: .decimal(places: scale))
    }

    /// A `Money` amount shown with its currency's number of fraction digits.
    public static func money(_ money: Money) -> XLSXCell {
        let scale = Money.scale(of: money.currency)
        return .money(minorUnits: money.minorUnits, scale: String(scale).count - 1)
    }

    public static func bool(_ value: Bool) -> XLSXCell { XLSXCell(.bool(value)) }

    public static func date(year: Int, month: Int, day: Int, format: XLSXNumberFormat? = nil) -> XLSXCell {
        XLSXCell(.date(year: year, month: month, day: day), format: format)
    }

    public static func dateTime(_ value: XLSXDateTime, format: XLSXNumberFormat? = nil) -> XLSXCell {
        XLSXCell(.dateTime(value), format: format)
    }

    /// The format used when neither the cell nor its column chooses one.
    var defaultFormat: XLSXNumberFormat {
        switch value {
        case .integer: .integer
        case .date: .date
        case .dateTime: .dateTime
        default: .general
        }
    }

    /// Whether a spreadsheet would read this text as a formula (or a DDE call) if typed in.
    static func looksLikeFormula(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        return ["=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}"].contains(first)
    }
}
