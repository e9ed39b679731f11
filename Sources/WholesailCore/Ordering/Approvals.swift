import Foundation

/// A buyer company's rule: orders of an employee (or of everyone holding a role, or of
/// everyone) matching the condition wait for the named approver.
public struct ApprovalRule: Sendable, Equatable {
    public enum Condition: String, Sendable, CaseIterable {
        /// The order's total is above `amountMinor`.
        case amountAbove = "amount_above"
        /// The order holds a product of `categoryId` or of one of its sub-categories.
        case category
        /// Every order.
        case any
    }

    public var id: Int64
    public var userId: Int64?
    public var roleCode: String?
    public var condition: Condition
    public var amountMinor: Int64?
    public var categoryId: Int64?
    public var approverUserId: Int64

    public init(
        id: Int64, userId: Int64? = nil, roleCode: String? = nil, condition: Condition, amountMinor: Int64? = nil, categoryId: Int64? = nil,
        approverUserId: Int64
    ) {
        self.id = id
        self.userId = userId
        self.roleCode = roleCode
        self.condition = condition
        self.amountMinor = amountMinor
        self.categoryId = categoryId
        self.approverUserId = approverUserId
    }

    /// Whether the rule is about this employee.
    public func concerns(userId orderer: Int64, roles: Set<String>) -> Bool {
        if let userId { return userId == orderer }
        if let roleCode { return roles.contains(roleCode) }
        return true
    }
}

/// What an order needs before it goes to the distributor.
public enum ApprovalCheck {
    /// The order being placed, as the rules see it.
    public struct Order: Sendable, Equatable {
        public var userId: Int64
        public var roles: Set<String>
        public var totalMinor: Int64
        /// The categories of the order's products, with all their ancestors.
        public var categories: Set<Int64>

        public init(userId: Int64, roles: Set<String>, totalMinor: Int64, categories: Set<Int64>) {
            self.userId = userId
            self.roles = roles
            self.totalMinor = totalMinor
            self.categories = categories
        }
    }

    /// The rules an order matches, grouped by approver (ascending ids). A rule naming the
    /// orderer as approver is skipped: nobody approves their own order.
    public static func approvers(for order: Order, rules: [ApprovalRule]) -> [(approverUserId: Int64, rules: [ApprovalRule])] {
        var byApprover: [Int64: [ApprovalRule]] = [:]
        for rule in rules where rule.approverUserId != order.userId && rule.concerns(userId: order.userId, roles: order.roles) {
            let matches: Bool
            switch rule.condition {
            case .amountAbove: matches = order.totalMinor > (rule.amountMinor ?? .max)
            case .category: matches = rule.categoryId.map { order.categories.contains($0) } ?? false
            case .any: matches = true
            }
            if matches { byApprover[rule.approverUserId, default: []].append(rule) }
        }
        return byApprover.keys.sorted().map { ($0, byApprover[$0]!) }
    }

    /// The state of an order's approvals taken together: declined as soon as one approver
    /// declines, approved when every approver approved, else still pending.
    public static func outcome(_ statuses: [String]) -> String {
        if statuses.contains("declined") { return "declined" }
        if !statuses.isEmpty, statuses.allSatisfy({ $0 == "approved" }) { return "approved" }
        return "pending"
    }
}

/// Calendar days as `YYYY-MM-DD`, counted as integers (days since 1970-01-01), with no time zone.
public enum DayNumber {
    /// Days since 1970-01-01 of a `YYYY-MM-DD` (nil when it is not one).
    public static func ordinal(_ text: some StringProtocol) -> Int? {
        let parts = text.prefix(10).split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), (1...31).contains(d) else {
            return nil
        }
        // Howard Hinnant's days_from_civil.
        let year = m <= 2 ? y - 1 : y
        let era = (year >= 0 ? year : year - 399) / 400
        let yoe = year - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The `YYYY-MM-DD` of a day number.
    public static func text(_ ordinal: Int) -> String {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }
}

/// The calendar period of a spending budget.
public enum BudgetPeriod: String, Sendable, CaseIterable {
    case month, quarter

    /// The period containing `day` (`YYYY-MM-DD`): its first day and the first day after it.
    public func bounds(containing day: String) -> (from: String, to: String) {
        let parts = day.prefix(10).split(separator: "-")
        let year = parts.count > 0 ? Int(parts[0]) ?? 2000 : 2000
        let month = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
        let first = self == .month ? month : (month - 1) / 3 * 3 + 1
        let length = self == .month ? 1 : 3
        var nextMonth = first + length
        var nextYear = year
        if nextMonth > 12 {
            nextMonth -= 12
            nextYear += 1
        }
        return (String(format: "%04d-%02d-01", year, first), String(format: "%04d-%02d-01", nextYear, nextMonth))
    }
}

/// A budget with what was spent of it in the current period.
public struct BudgetState: Sendable, Equatable {
    public var budgetId: Int64
    /// The employee the budget is for, or nil for a cost centre's.
    public var userId: Int64?
    public var userName: String?
    public var costCentre: String?
    public var period: BudgetPeriod
    public var from: String
    public var to: String
    public var limitMinor: Int64
    public var spentMinor: Int64
    public var currency: String

    public init(
        budgetId: Int64, userId: Int64?, userName: String? = nil, costCentre: String?, period: BudgetPeriod, from: String, to: String, limitMinor: Int64,
        spentMinor: Int64, currency: String
    ) {
        self.budgetId = budgetId
        self.userId = userId
        self.userName = userName
        self.costCentre = costCentre
        self.period = period
        self.from = from
        self.to = to
        self.limitMinor = limitMinor
        self.spentMinor = spentMinor
        self.currency = currency
    }

    /// What is left (never below zero).
    public var remainingMinor: Int64 { max(0, limitMinor - spentMinor) }

    /// Whether an order of `amountMinor` more stays within the limit.
    public func allows(_ amountMinor: Int64) -> Bool { spentMinor + amountMinor <= limitMinor }

    /// The refusal for an order that does not fit.
    public func refusal(orderMinor: Int64) -> DomainError {
        let money = { (minor: Int64) in Money(minorUnits: minor, currency: currency).decimalString + " " + currency }
        let whose = costCentre.map { "cost centre \($0)" } ?? "your"
        return DomainError(
            .invalid, code: "budget.exceeded",
            message: "The order (\(money(orderMinor))) exceeds the \(whose) \(period.rawValue) budget: \(money(remainingMinor)) of \(money(limitMinor)) left.",
            values: ["order": money(orderMinor), "remaining": money(remainingMinor), "limit": money(limitMinor), "scope": costCentre ?? "", "period": period.rawValue])
    }
}

/// The "usual order" of a company: products it buys regularly, with a suggested quantity and
/// when the next purchase is due, computed from its order history.
///
/// For each product: its purchases are summed per day (two orders on one day are one purchase);
/// a product bought on at least `minPurchases` different days is regular. The typical quantity
/// is the median of the purchase quantities, the interval the median of the gaps between
/// consecutive purchases (in days). The next purchase is due `interval` days after the last one.
/// A product not bought for more than three intervals (and at least 60 days) has dropped out of
/// the usual order.
public enum UsualOrder {
    public struct Purchase: Sendable, Equatable {
        public var productId: Int64
        /// `YYYY-MM-DD`.
        public var day: String
        /// Quantity in the product's base unit, thousandths.
        public var baseMilli: Int64

        public init(productId: Int64, day: String, baseMilli: Int64) {
            self.productId = productId
            self.day = day
            self.baseMilli = baseMilli
        }
    }

    public struct Suggestion: Sendable, Equatable {
        public var productId: Int64
        /// Different days the product was bought on.
        public var purchases: Int
        public var typicalMilli: Int64
        public var intervalDays: Int
        public var lastDay: String
        public var nextDay: String
        /// Days until the next purchase is due (negative: overdue).
        public var dueInDays: Int
    }

    public static func suggestions(_ history: [Purchase], today: String, minPurchases: Int = 3) -> [Suggestion] {
        guard let now = DayNumber.ordinal(today) else { return [] }
        var perProduct: [Int64: [Int: Int64]] = [:]
        for purchase in history where purchase.baseMilli > 0 {
            guard let day = DayNumber.ordinal(purchase.day), day <= now else { continue }
            perProduct[purchase.productId, default: [:]][day, default: 0] += purchase.baseMilli
        }
        var result: [Suggestion] = []
        for (productId, byDay) in perProduct where byDay.count >= max(2, minPurchases) {
            let days = byDay.keys.sorted()
            let gaps = zip(days.dropFirst(), days).map { $0 - $1 }
            let interval = max(1, median(gaps.map(Int64.init)).map(Int.init) ?? 1)
            let last = days.last!
            guard now - last <= max(3 * interval, 60) else { continue }
            let typical = median(days.map { byDay[$0]! }) ?? 0
            result.append(
                Suggestion(
                    productId: productId, purchases: days.count, typicalMilli: typical, intervalDays: interval, lastDay: DayNumber.text(last),
                    nextDay: DayNumber.text(last + interval), dueInDays: last + interval - now))
        }
        return result.sorted { ($0.dueInDays, $0.productId) < ($1.dueInDays, $1.productId) }
    }

    /// The median, the lower middle for an even count (so it is always an observed value).
    static func median(_ values: [Int64]) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[(sorted.count - 1) / 2]
    }

    /// A quantity rounded up to a unit's step, and at least its minimum.
    public static func rounded(_ milli: Int64, minMilli: Int64, stepMilli: Int64) -> Int64 {
        let step = max(1, stepMilli)
        let up = (milli + step - 1) / step * step
        return max(up, minMilli, step)
    }
}
