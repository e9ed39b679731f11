import Testing
import WholesailCore

@Suite struct ApprovalRulesTests {
    let rules = [
        ApprovalRule(id: 1, userId: 7, condition: .amountAbove, amountMinor: 100_000, approverUserId: 50),
        ApprovalRule(id: 2, roleCode: "buyer", condition: .category, categoryId: 3, approverUserId: 51),
        ApprovalRule(id: 3, condition: .any, approverUserId: 7),
        ApprovalRule(id: 4, userId: 8, condition: .any, approverUserId: 50),
    ]

    @Test("rules match by employee, role or everyone; grouped by approver; nobody approves their own order")
    func matching() {
        let small = ApprovalCheck.Order(userId: 7, roles: ["buyer"], totalMinor: 100_000, categories: [1, 2])
        // Rule 3 names user 7 as approver of everyone's orders: not of their own.
        #expect(ApprovalCheck.approvers(for: small, rules: rules).isEmpty)
        let large = ApprovalCheck.Order(userId: 7, roles: ["buyer"], totalMinor: 100_001, categories: [1, 3])
        let found = ApprovalCheck.approvers(for: large, rules: rules)
        #expect(found.map(\.approverUserId) == [50, 51])
        #expect(found.map { $0.rules.map(\.id) } == [[1], [2]])
        let other = ApprovalCheck.Order(userId: 9, roles: ["buyer_admin"], totalMinor: 1, categories: [3])
        #expect(ApprovalCheck.approvers(for: other, rules: rules).map(\.approverUserId) == [7])
    }

    @Test("an order is declined by one decline, approved when all approved")
    func outcome() {
        #expect(ApprovalCheck.outcome(["approved", "pending"]) == "pending")
        #expect(ApprovalCheck.outcome(["approved", "approved"]) == "approved")
        #expect(ApprovalCheck.outcome(["approved", "declined", "pending"]) == "declined")
        #expect(ApprovalCheck.outcome([]) == "pending")
    }

    @Test("budget periods are calendar months and quarters", arguments: [
        (BudgetPeriod.month, "2026-11-29", "2026-11-01", "2026-12-01"), (.month, "2026-12-31", "2026-12-01", "2027-01-01"),
        (.quarter, "2026-11-29", "2026-10-01", "2027-01-01"), (.quarter, "2026-02-28", "2026-01-01", "2026-04-01"),
        (.quarter, "2026-06-30", "2026-04-01", "2026-07-01"),
    ])
    func periods(period: BudgetPeriod, day: String, from: String, to: String) {
        #expect(period.bounds(containing: day) == (from, to))
    }

    @Test("a budget allows up to its limit exactly and reports what is left")
    func budget() {
        let state = BudgetState(
            budgetId: 1, userId: nil, costCentre: "Склад", period: .month, from: "2026-11-01", to: "2026-12-01", limitMinor: 100_000, spentMinor: 90_000,
            currency: "RUB")
        #expect(state.allows(10_000))
        #expect(!state.allows(10_001))
        #expect(state.remainingMinor == 10_000)
        #expect(state.refusal(orderMinor: 45_000).values["remaining"] == "100.00 RUB")
    }

    @Test("day numbers round-trip across months, leap years and centuries")
    func days() {
        for text in ["1970-01-01", "2000-02-29", "2024-02-29", "2026-11-29", "2100-03-01"] {
            #expect(DayNumber.ordinal(text).map(DayNumber.text) == text)
        }
        #expect(DayNumber.ordinal("2026-03-01")! - DayNumber.ordinal("2026-02-28")! == 1)
        #expect(DayNumber.ordinal("2024-03-01")! - DayNumber.ordinal("2024-02-28")! == 2)
        #expect(DayNumber.ordinal("not a day") == nil)
    }

    @Test("the usual order: median quantity and interval, regular products only, dropped after three missed intervals")
    func usualOrder() {
        let history: [UsualOrder.Purchase] = [
            .init(productId: 1, day: "2026-08-01", baseMilli: 10_000), .init(productId: 1, day: "2026-09-01", baseMilli: 12_000),
            .init(productId: 1, day: "2026-09-01", baseMilli: 3_000), .init(productId: 1, day: "2026-10-01", baseMilli: 10_000),
            .init(productId: 1, day: "2026-11-01", baseMilli: 9_000),
            .init(productId: 2, day: "2026-10-01", baseMilli: 1_000), .init(productId: 2, day: "2026-11-01", baseMilli: 1_000),
            .init(productId: 3, day: "2025-12-01", baseMilli: 1_000), .init(productId: 3, day: "2025-12-11", baseMilli: 1_000),
            .init(productId: 3, day: "2025-12-21", baseMilli: 1_000),
        ]
        let suggestions = UsualOrder.suggestions(history, today: "2026-11-20")
        #expect(suggestions.map(\.productId) == [1])
        let cable = suggestions[0]
        // Same-day purchases add up (15 on 09-01); quantities 9, 10, 10, 15 → lower median 10.
        #expect(cable.typicalMilli == 10_000)
        #expect(cable.purchases == 4)
        // Gaps 31, 30, 31 → 31 days; due on 12-02, in 12 days.
        #expect(cable.intervalDays == 31)
        #expect(cable.nextDay == "2026-12-02")
        #expect(cable.dueInDays == 12)
        #expect(UsualOrder.rounded(10_000, minMilli: 5_000, stepMilli: 5_000) == 10_000)
        #expect(UsualOrder.rounded(11_000, minMilli: 5_000, stepMilli: 5_000) == 15_000)
        #expect(UsualOrder.rounded(1_000, minMilli: 5_000, stepMilli: 5_000) == 5_000)
    }
}
