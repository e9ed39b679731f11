import Foundation

/// The period a reconciliation act (акт сверки взаимных расчётов) covers: a month, a quarter, a
/// year or any span of days, as `YYYY-MM-DD` bounds, both included.
public struct ReconciliationPeriod: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case month, quarter, year, custom
    }

    public var kind: Kind
    public var from: String
    public var to: String

    /// A short, language-neutral name used as the act's number: `2026-03`, `2026-Q1`, `2026`,
    /// `2026-01-10…2026-02-15`.
    public var label: String {
        switch kind {
        case .month: String(from.prefix(7))
        case .quarter: "\(from.prefix(4))-Q\(((Int(from.dropFirst(5).prefix(2)) ?? 1) - 1) / 3 + 1)"
        case .year: String(from.prefix(4))
        case .custom: "\(from)…\(to)"
        }
    }

    /// `01.01.2026 — 31.03.2026`.
    public var russianRange: String { "\(CalendarDay.russianShort(from)) — \(CalendarDay.russianShort(to))" }

    public static func month(year: Int, month: Int) -> ReconciliationPeriod? {
        guard CalendarDay.supportedYears.contains(year), (1...12).contains(month) else { return nil }
        return ReconciliationPeriod(
            kind: .month, from: CalendarDay.text(year, month, 1), to: CalendarDay.text(year, month, CalendarDay.days(in: month, of: year)))
    }

    public static func quarter(year: Int, quarter: Int) -> ReconciliationPeriod? {
        guard CalendarDay.supportedYears.contains(year), (1...4).contains(quarter) else { return nil }
        let last = quarter * 3
        return ReconciliationPeriod(
            kind: .quarter, from: CalendarDay.text(year, last - 2, 1), to: CalendarDay.text(year, last, CalendarDay.days(in: last, of: year)))
    }

    public static func year(_ year: Int) -> ReconciliationPeriod? {
        guard CalendarDay.supportedYears.contains(year) else { return nil }
        return ReconciliationPeriod(kind: .year, from: CalendarDay.text(year, 1, 1), to: CalendarDay.text(year, 12, 31))
    }

    public static func custom(from: String, to: String) -> ReconciliationPeriod? {
        guard let start = CalendarDay.parse(from), let end = CalendarDay.parse(to), start <= end else { return nil }
        return ReconciliationPeriod(kind: .custom, from: CalendarDay.text(start), to: CalendarDay.text(end))
    }

    /// The period a form asks for (`kind` with `year` and `month`/`quarter`, or `from`/`to`),
    /// or field messages. A period may not start after `today`.
    public static func parse(
        kind: String?, year: String?, month: String?, quarter: String?, from: String?, to: String?, today: String
    ) throws(ValidationError) -> ReconciliationPeriod {
        let kind = Kind(rawValue: kind ?? "") ?? .month
        let year = year.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let period: ReconciliationPeriod?
        switch kind {
        case .month: period = year.flatMap { y in month.flatMap { Int($0) }.flatMap { Self.month(year: y, month: $0) } }
        case .quarter: period = year.flatMap { y in quarter.flatMap { Int($0) }.flatMap { Self.quarter(year: y, quarter: $0) } }
        case .year: period = year.flatMap { Self.year($0) }
        case .custom:
            guard let from = from.flatMap(CalendarDay.parse), CalendarDay.supportedYears.contains(from.year) else {
                throw ValidationError(field: "from", code: "reconciliation.bad_date", message: "Enter a date as YYYY-MM-DD.")
            }
            guard let to = to.flatMap(CalendarDay.parse), CalendarDay.supportedYears.contains(to.year) else {
                throw ValidationError(field: "to", code: "reconciliation.bad_date", message: "Enter a date as YYYY-MM-DD.")
            }
            guard from <= to else {
                throw ValidationError(field: "to", code: "reconciliation.bad_period", message: "The end of the period comes before its start.")
            }
            period = ReconciliationPeriod(kind: .custom, from: CalendarDay.text(from), to: CalendarDay.text(to))
        }
        guard let period else {
            throw ValidationError(field: "period", code: "reconciliation.bad_period", message: "Choose a month, a quarter, a year or two dates.")
        }
        guard period.from <= today else {
            throw ValidationError(field: "period", code: "reconciliation.future_period", message: "The period has not begun yet.")
        }
        return period
    }
}

/// One settlement entry (a shipment, a payment, a return) as the ERP booked it: a positive
/// amount is a debit (the buyer owes more), a negative one a credit (the buyer paid).
public struct SettlementEntry: Sendable, Hashable {
    public var date: String
    public var document: String
    public var amountMinor: Int64

    public init(date: String, document: String, amountMinor: Int64) {
        self.date = date
        self.document = document
        self.amountMinor = amountMinor
    }
}

/// A company's requisites as a document prints them.
public struct OrganizationDetails: Sendable, Hashable {
    public var name: String
    public var inn: String?
    public var kpp: String?
    public var address: String?
    public var director: String?
    public var accountant: String?

    public init(name: String, inn: String? = nil, kpp: String? = nil, address: String? = nil, director: String? = nil, accountant: String? = nil) {
        self.name = name
        self.inn = inn
        self.kpp = kpp
        self.address = address
        self.director = director
        self.accountant = accountant
    }

    /// `ООО «Альфа», ИНН 7701234567, КПП 770101001, Москва, …`.
    public var requisites: String {
        var parts = [name]
        if let inn, !inn.isEmpty { parts.append("ИНН \(inn)") }
        if let kpp, !kpp.isEmpty { parts.append("КПП \(kpp)") }
        if let address, !address.isEmpty { parts.append(address) }
        return parts.joined(separator: ", ")
    }
}

/// The reconciliation act's figures, from the seller's books: the balance at the start, the
/// period's entries, turnovers and the balance at the end. Balances are signed like entries: a
/// positive balance is the buyer's debt to the seller, a negative one the seller's to the buyer
/// (an advance payment).
public struct ReconciliationAct: Sendable, Hashable {
    public var seller: OrganizationDetails
    public var buyer: OrganizationDetails
    public var agreement: String?
    public var currency: String
    public var period: ReconciliationPeriod
    public var openingMinor: Int64
    public var entries: [SettlementEntry]
    public var debitMinor: Int64
    public var creditMinor: Int64
    public var closingMinor: Int64

    /// Builds the act from every entry up to the period's end (earlier ones make the opening
    /// balance; later ones are ignored). Entries are listed by date, then in the order given.
    public init(
        seller: OrganizationDetails, buyer: OrganizationDetails, agreement: String? = nil, currency: String, period: ReconciliationPeriod,
        entries all: [SettlementEntry]
    ) {
        self.seller = seller
        self.buyer = buyer
        self.agreement = agreement
        self.currency = currency
        self.period = period
        var opening: Int64 = 0
        var inPeriod: [(offset: Int, entry: SettlementEntry)] = []
        for (offset, entry) in all.enumerated() {
            let day = String(entry.date.prefix(10))
            if day < period.from {
                opening += entry.amountMinor
            } else if day <= period.to {
                inPeriod.append((offset, entry))
            }
        }
        entries = inPeriod.sorted { ($0.entry.date.prefix(10), $0.offset) < ($1.entry.date.prefix(10), $1.offset) }.map(\.entry)
        openingMinor = opening
        debitMinor = entries.reduce(0) { $0 + max($1.amountMinor, 0) }
        creditMinor = entries.reduce(0) { $0 + max(-$1.amountMinor, 0) }
        closingMinor = opening + debitMinor - creditMinor
    }
}

/// Calendar days as `YYYY-MM-DD` text (the form dates take in the database), without time zones.
public struct CalendarDay: Sendable, Hashable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int

    public static let supportedYears = 2000...2099

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `2026-02-28` → the day; nil for anything else (`2026-02-30`, `2026-2-1`, `26-02-01`).
    public static func parse(_ text: String) -> CalendarDay? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month),
            (1...days(in: month, of: year)).contains(day)
        else { return nil }
        return CalendarDay(year: year, month: month, day: day)
    }

    public static func text(_ year: Int, _ month: Int, _ day: Int) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func text(_ day: CalendarDay) -> String { text(day.year, day.month, day.day) }

    /// `31.03.2026` for `2026-03-31` (and for a timestamp starting with it); other text as it is.
    public static func russianShort(_ text: String) -> String {
        guard let day = parse(String(text.prefix(10))) else { return text }
        let full = Self.text(day)
        return "\(full.dropFirst(8)).\(full.dropFirst(5).prefix(2)).\(full.prefix(4))"
    }
}
