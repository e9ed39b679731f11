/// A counterparty's position with the seller, from the settlement entries the ERP sends:
/// positive entries are debts (a shipment, a bill), negative ones payments.
public struct CreditState: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var date: String
        public var dueDate: String?
        public var amountMinor: Int64

        public init(date: String, dueDate: String? = nil, amountMinor: Int64) {
            self.date = date
            self.dueDate = dueDate
            self.amountMinor = amountMinor
        }
    }

    /// 0: no limit.
    public var limitMinor: Int64
    public var debtMinor: Int64
    /// The part of the debt whose due date has passed, paying the oldest debts first.
    public var overdueMinor: Int64
    public var blocked: Bool
    public var currency: String
    /// What locks ordering besides a block by the ERP (the admin's setting).
    public var policy: CreditPolicy = .limitAndOverdue

    public init(limitMinor: Int64, debtMinor: Int64, overdueMinor: Int64, blocked: Bool, currency: String) {
        self.limitMinor = limitMinor
        self.debtMinor = debtMinor
        self.overdueMinor = overdueMinor
        self.blocked = blocked
        self.currency = currency
    }

    public init(entries: [Entry], today: String, limitMinor: Int64, blocked: Bool, currency: String) {
        var paid = entries.filter { $0.amountMinor < 0 }.reduce(Int64(0)) { $0 - $1.amountMinor }
        var overdue: Int64 = 0
        for debt in entries.filter({ $0.amountMinor > 0 }).sorted(by: { ($0.date, $0.dueDate ?? "") < ($1.date, $1.dueDate ?? "") }) {
            let covered = min(paid, debt.amountMinor)
            paid -= covered
            if let due = debt.dueDate, due < today { overdue += debt.amountMinor - covered }
        }
        self.init(
            limitMinor: limitMinor, debtMinor: entries.reduce(0) { $0 + $1.amountMinor }, overdueMinor: overdue, blocked: blocked,
            currency: currency)
    }

    /// Why an order of `orderMinor` may not be placed now, or nil.
    public func refusal(orderMinor: Int64) -> DomainError? {
        func money(_ minor: Int64) -> String { Money(minorUnits: minor, currency: currency).decimalString }
        if blocked {
            return DomainError(
                .conflict, code: "order.counterparty_blocked",
                message: "Ordering is stopped for this company. Please contact your manager.")
        }
        if policy == .off { return nil }
        if overdueMinor > 0, policy == .limitAndOverdue {
            return DomainError(
                .conflict, code: "order.credit_overdue",
                message: "Payment of \(money(overdueMinor)) \(currency) is overdue. New orders can be placed once it is settled.",
                values: ["amount": money(overdueMinor), "currency": currency])
        }
        if limitMinor > 0, debtMinor + orderMinor > limitMinor {
            return DomainError(
                .conflict, code: "order.credit_limit",
                message: "The credit limit of \(money(limitMinor)) \(currency) would be exceeded: the debt is \(money(debtMinor)) \(currency).",
                values: ["limit": money(limitMinor), "debt": money(debtMinor), "currency": currency])
        }
        return nil
    }
}

/// The admin's credit lock policy: what stops a company from placing orders. A company blocked
/// by the ERP is stopped whatever the policy.
public enum CreditPolicy: String, Sendable, CaseIterable {
    /// An overdue payment or a limit the order would exceed locks ordering (the default).
    case limitAndOverdue = "limit_and_overdue"
    /// Only the credit limit locks; overdue payments are shown but do not stop orders.
    case limitOnly = "limit_only"
    /// Nothing locks (debt and limit are shown only); managers follow up by hand.
    case off
}
