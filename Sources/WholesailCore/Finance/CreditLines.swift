/// A credit line the ERP keeps for a counterparty (usually under a credit agreement): a limit,
/// what is used of it, the deferment per shipment and the period it runs.
public struct CreditLine: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case open, suspended, closed
    }

    public var id: Int64
    public var name: String
    /// The agreement it belongs to, if any: its number and date.
    public var agreementNumber: String?
    public var agreementDate: String?
    public var limitMinor: Int64
    /// What is used: the ERP's figure, or the balance of the agreement's settlement entries.
    public var usedMinor: Int64?
    /// Whether `usedMinor` is the ERP's own figure (else computed here).
    public var usedReported: Bool
    public var currency: String
    /// Days of deferred payment per shipment.
    public var termDays: Int?
    /// Interest or fee, percent a year, as the ERP sent it.
    public var ratePercent: String?
    public var openedOn: String?
    public var expiresOn: String?
    public var status: Status

    public init(
        id: Int64, name: String, agreementNumber: String? = nil, agreementDate: String? = nil, limitMinor: Int64, usedMinor: Int64?, usedReported: Bool, currency: String,
        termDays: Int? = nil, ratePercent: String? = nil, openedOn: String? = nil, expiresOn: String? = nil, status: Status = .open
    ) {
        self.id = id
        self.name = name
        self.agreementNumber = agreementNumber
        self.agreementDate = agreementDate
        self.limitMinor = limitMinor
        self.usedMinor = usedMinor
        self.usedReported = usedReported
        self.currency = currency
        self.termDays = termDays
        self.ratePercent = ratePercent
        self.openedOn = openedOn
        self.expiresOn = expiresOn
        self.status = status
    }

    /// What is left to use (never below zero); nil when the use is unknown.
    public var availableMinor: Int64? { usedMinor.map { max(0, limitMinor - max(0, $0)) } }

    /// Whether the line can be drawn on today: open and not past its end.
    public func isActive(today: String) -> Bool {
        status == .open && (expiresOn.map { $0 >= today } ?? true) && (openedOn.map { $0 <= today } ?? true)
    }
}

/// One instalment of a payment schedule.
public struct PaymentInstalment: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Paid in full.
        case paid
        /// Its date has passed and something is still owed.
        case overdue
        /// Partly paid, not yet due.
        case partlyPaid = "partly_paid"
        /// Not yet due, nothing paid.
        case upcoming
    }

    public var position: Int
    public var dueDate: String
    public var amountMinor: Int64
    public var paidMinor: Int64
    public var paidOn: String?

    public init(position: Int, dueDate: String, amountMinor: Int64, paidMinor: Int64 = 0, paidOn: String? = nil) {
        self.position = position
        self.dueDate = dueDate
        self.amountMinor = amountMinor
        self.paidMinor = paidMinor
        self.paidOn = paidOn
    }

    public var remainingMinor: Int64 { max(0, amountMinor - paidMinor) }

    public func status(today: String) -> Status {
        if remainingMinor == 0 { return .paid }
        if dueDate < today { return .overdue }
        return paidMinor > 0 ? .partlyPaid : .upcoming
    }
}

/// A payment schedule of a credit agreement, and where it stands on a day.
public struct PaymentSchedule: Sendable, Equatable {
    public var id: Int64
    public var number: String
    public var date: String
    public var agreementNumber: String?
    public var agreementDate: String?
    /// The name of the credit line it repays, if any.
    public var creditLine: String?
    public var currency: String
    public var description: String?
    /// In order of due date.
    public var instalments: [PaymentInstalment]

    public init(
        id: Int64, number: String, date: String, agreementNumber: String? = nil, agreementDate: String? = nil, creditLine: String? = nil,
        currency: String,
        description: String? = nil, instalments: [PaymentInstalment]
    ) {
        self.id = id
        self.number = number
        self.date = date
        self.agreementNumber = agreementNumber
        self.agreementDate = agreementDate
        self.creditLine = creditLine
        self.currency = currency
        self.description = description
        self.instalments = instalments.sorted { ($0.dueDate, $0.position) < ($1.dueDate, $1.position) }
    }

    public var totalMinor: Int64 { instalments.reduce(0) { $0 + $1.amountMinor } }
    public var paidMinor: Int64 { instalments.reduce(0) { $0 + min($1.paidMinor, $1.amountMinor) } }
    public var remainingMinor: Int64 { instalments.reduce(0) { $0 + $1.remainingMinor } }

    /// What was due before `today` and is still unpaid.
    public func overdueMinor(today: String) -> Int64 {
        instalments.filter { $0.status(today: today) == .overdue }.reduce(0) { $0 + $1.remainingMinor }
    }

    /// The first instalment still to pay on or after `today` (overdue ones are counted apart).
    public func next(today: String) -> PaymentInstalment? {
        instalments.first { $0.remainingMinor > 0 && $0.dueDate >= today }
    }
}

/// What a company owes for one order, from the settlement entries tied to it.
public struct OrderReceivable: Sendable, Equatable {
    public var orderId: Int64
    public var orderNumber: String
    public var debtMinor: Int64
    public var overdueMinor: Int64
    /// The earliest due date of what is still owed.
    public var dueDate: String?
    public var currency: String

    public init(orderId: Int64, orderNumber: String, debtMinor: Int64, overdueMinor: Int64, dueDate: String?, currency: String) {
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.debtMinor = debtMinor
        self.overdueMinor = overdueMinor
        self.dueDate = dueDate
        self.currency = currency
    }

    /// Receivables per order from its entries: payments settle the oldest debts first (as in
    /// `CreditState`); orders whose entries balance out are left out.
    public static func make(
        entries: [(orderId: Int64, orderNumber: String, entry: CreditState.Entry)], today: String, currency: String
    ) -> [OrderReceivable] {
        var byOrder: [Int64: (number: String, entries: [CreditState.Entry])] = [:]
        for item in entries { byOrder[item.orderId, default: (item.orderNumber, [])].entries.append(item.entry) }
        var result: [OrderReceivable] = []
        for (orderId, group) in byOrder {
            let state = CreditState(entries: group.entries, today: today, limitMinor: 0, blocked: false, currency: currency)
            guard state.debtMinor != 0 else { continue }
            var paid = group.entries.filter { $0.amountMinor < 0 }.reduce(Int64(0)) { $0 - $1.amountMinor }
            var due: String?
            for debt in group.entries.filter({ $0.amountMinor > 0 }).sorted(by: { ($0.date, $0.dueDate ?? "") < ($1.date, $1.dueDate ?? "") }) {
                let covered = min(paid, debt.amountMinor)
                paid -= covered
                if covered < debt.amountMinor, let date = debt.dueDate, due.map({ date < $0 }) ?? true { due = date }
            }
            result.append(
                OrderReceivable(
                    orderId: orderId, orderNumber: group.number, debtMinor: state.debtMinor, overdueMinor: state.overdueMinor, dueDate: due,
                    currency: currency))
        }
        return result.sorted { ($0.overdueMinor > 0 ? 0 : 1, $0.dueDate ?? "9999", $0.orderNumber) < ($1.overdueMinor > 0 ? 0 : 1, $1.dueDate ?? "9999", $1.orderNumber) }
    }
}
