import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Purchase approvals and budgets of a buyer company (the approver's queue, the company admin's
/// rules, budgets and cost centres) and the company's usual order, as pages and JSON.
struct ApprovalsController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let carts: CartService

    func mount(on routes: Routes) {
        routes.get("/approvals", .permission("orders.approve"), use: queue)
        routes.post("/approvals/:approval/decide", .owned(.orderApproval, parameter: "approval", permission: "orders.approve"), use: decide)
        routes.get("/company/approvals", .permission("approvals.manage"), use: settings)
        routes.post("/company/approvals/rules", .permission("approvals.manage"), use: addRule)
        routes.post("/company/approvals/rules/:rule/delete", .owned(.approvalRule, parameter: "rule", permission: "approvals.manage"), use: deleteRule)
        routes.post("/company/approvals/budgets", .permission("approvals.manage"), use: addBudget)
        routes.post(
            "/company/approvals/budgets/:budget/delete", .owned(.spendingBudget, parameter: "budget", permission: "approvals.manage"), use: deleteBudget)
        routes.post("/company/approvals/cost-centres", .permission("approvals.manage"), use: setCostCentre)
        routes.get("/usual-order", .permission("orders.place"), use: usualOrder)
        routes.post("/usual-order/add", .permission("orders.place"), use: addUsual)
        routes.get("/api/v1/approvals", .permission("orders.approve"), use: apiQueue)
        routes.post("/api/v1/approvals/:approval/decide", .owned(.orderApproval, parameter: "approval", permission: "orders.approve"), use: apiDecide)
        routes.get("/api/v1/usual-order", .permission("orders.place"), use: apiUsualOrder)
    }

    // MARK: Shared pieces

    /// An approval as a row of the queue or of the order page.
    static func row(_ item: ApprovalItem, t: Localizer, format: Formatter) -> [String: Any] {
        [
            "id": item.id, "orderId": item.orderId, "number": item.orderNumber, "poNumber": item.poNumber ?? "", "company": item.company,
            "orderer": item.ordererName ?? "", "approver": item.approverName, "total": format.money(item.totalMinor, item.currency),
            "placedAt": String(item.placedAt.prefix(16)), "reasons": reasons(item, t: t, format: format), "status": item.status,
            "statusText": t["approvals.status_" + item.status], "decidedAt": item.decidedAt.map { String($0.prefix(16)) } ?? "",
            "comment": item.comment ?? "", "decidedBy": item.decidedByName ?? "",
        ]
    }

    static func reasons(_ item: ApprovalItem, t: Localizer, format: Formatter) -> String {
        item.reasons.map { reason in
            switch reason.condition {
            case "amount_above":
                t.format(
                    "approvals.reason_amount",
                    ["amount": reason.amount.flatMap { Money(decimal: $0, currency: item.currency) }.map { format.money($0.minorUnits, item.currency) } ?? ""])
            case "category": t.format("approvals.reason_category", ["category": reason.category ?? ""])
            default: t["approvals.reason_any"]
            }
        }.joined(separator: "; ")
    }

    static func budgetLabel(_ budget: BudgetState, t: Localizer) -> String {
        if let centre = budget.costCentre { return t.format("approvals.budget_of_centre", ["centre": centre]) }
        return t.format("approvals.budget_of_user", ["name": budget.userName ?? ""])
    }

    static func periodText(_ budget: BudgetState, t: Localizer) -> String {
        t.format("approvals.period_" + budget.period.rawValue + "_range", ["from": budget.from, "to": DayNumber.ordinal(budget.to).map { DayNumber.text($0 - 1) } ?? budget.to])
    }

    /// What the cart and checkout show about the buyer company's own rules: remaining budgets
    /// and who would have to approve this order.
    static func purchasingNotice(
        database: WholesailDatabase, principal: Principal, counterpartyId: Int64?, totalMinor: Int64, currency: String, productIds: [Int64], t: Localizer,
        format: Formatter
    ) async throws -> [String: Any] {
        guard let counterpartyId, !productIds.isEmpty else { return [:] }
        let preview = try await database.checkoutPreview(
            userId: principal.userId, counterpartyId: counterpartyId, totalMinor: totalMinor, productIds: productIds, today: PricingService.today())
        let budgets = preview.budgets.filter { $0.currency == currency }
        guard !budgets.isEmpty || !preview.approvers.isEmpty else { return [:] }
        return [
            "show": true,
            "budgets": budgets.map { budget in
                [
                    "label": budgetLabel(budget, t: t), "remaining": format.money(budget.remainingMinor, budget.currency),
                    "limit": format.money(budget.limitMinor, budget.currency), "period": periodText(budget, t: t), "over": !budget.allows(totalMinor),
                ] as [String: Any]
            },
            "approval": preview.approvers.isEmpty ? "" : t.format("approvals.cart_needs_approval", ["names": preview.approvers.joined(separator: ", ")]),
        ]
    }

    /// The company a company-admin page is about: the session's current one, checked again
    /// through the access policy.
    static func currentCompany(_ context: WholesailRequestContext, permission: String) throws -> Int64 {
        let principal = try context.requireSignedIn()
        guard let id = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil) else {
            throw DomainError(.conflict, code: "company.none_selected", message: "Choose the company you work for in your account first.")
        }
        try context.require(permission, on: .counterparty(id))
        return id
    }

    /// Only the approver named on it may decide (the route already hid other companies' approvals).
    func authorizedApproval(_ context: WholesailRequestContext) async throws -> ApprovalItem {
        guard let id = context.parameters.get("approval", as: Int64.self), let item = try await database.approval(id: id) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        try context.require("orders.approve", on: .assigned(counterparty: item.counterpartyId, to: [item.approverUserId]))
        return item
    }

    // MARK: The approver's queue

    @Sendable func queue(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderQueue(request, context: context, error: nil, status: .ok)
    }

    func renderQueue(_ request: Request, context: WholesailRequestContext, error: String?, status: HTTPResponse.Status) async throws -> HTML {
        let principal = try context.require("orders.approve")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let (pending, decided) = try await database.approvalQueue(approverUserId: principal.userId)
        var decidedText = ""
        if let outcome = request.uri.queryParameters["decided"].map(String.init), ["approved", "declined", "pending"].contains(outcome) {
            decidedText = t["approvals.decided_" + outcome]
        }
        return renderer.render(
            "approvals",
            [
                "title": t["approvals.title"],
                "pending": pending.map { item -> [String: Any] in
                    var row = Self.row(item, t: t, format: format)
                    row["back"] = "/approvals"
                    return row
                },
                "pendingCount": pending.count, "hasPending": !pending.isEmpty,
                "decidedItems": decided.map { Self.row($0, t: t, format: format) }, "hasDecided": !decided.isEmpty,
                "decided": decidedText, "error": error ?? "",
            ], request: request, context: context, status: status)
    }

    @Sendable func decide(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let item = try await authorizedApproval(context)
        let principal = try context.requireSignedIn()
        let t = renderer.localizer(context.language)
        let decision = context.form["decision"] ?? ""
        guard decision == "approve" || decision == "decline" else {
            return try await renderQueue(request, context: context, error: t["approvals.choose_decision"], status: .unprocessableContent)
                .response(from: request, context: context)
        }
        do {
            let result = try await database.decideApproval(id: item.id, by: principal, approve: decision == "approve", comment: context.form["comment"] ?? "")
            if result.outcome == "approved" { _ = try? await carts.bills.ensureBill(orderId: result.orderId) }
            let back = CartPagesController.backPath(context.form["back"], fallback: "/approvals")
            return .redirect(to: CartPagesController.appending(back, "decided=\(result.outcome)"), type: .normal)
        } catch let error as ValidationError {
            let message = t.fieldMessages(error).values.sorted().joined(separator: " ")
            return try await renderQueue(request, context: context, error: message, status: .unprocessableContent).response(from: request, context: context)
        } catch let error as DomainError where error.kind == .conflict {
            return try await renderQueue(request, context: context, error: t.message(for: error), status: .conflict).response(from: request, context: context)
        }
    }

    // MARK: The company admin's rules, budgets and cost centres

    @Sendable func settings(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderSettings(request, context: context, values: [:], errors: [:], status: .ok)
    }

    func renderSettings(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status
    ) async throws -> HTML {
        let company = try Self.currentCompany(context, permission: "approvals.manage")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let data = try await database.approvalSettings(counterpartyId: company, today: PricingService.today())
        let card = try await database.counterpartyCard(id: company)
        let centres = Array(Set(data.members.compactMap(\.costCentre) + data.budgets.compactMap(\.costCentre))).sorted()
        return renderer.render(
            "company-approvals",
            [
                "title": t["approvals.settings_title"], "company": card?.name ?? "", "currency": data.currency,
                "rules": data.rules.map { row -> [String: Any] in
                    let rule = row.rule
                    let whose = row.userName ?? rule.roleCode.map { t["approvals.role_" + $0] } ?? t["approvals.everyone"]
                    let when: String
                    switch rule.condition {
                    case .amountAbove: when = t.format("approvals.reason_amount", ["amount": format.money(rule.amountMinor ?? 0, row.currency)])
                    case .category: when = t.format("approvals.reason_category", ["category": row.categoryName ?? ""])
                    case .any: when = t["approvals.reason_any"]
                    }
                    return ["id": rule.id, "whose": whose, "when": when, "approver": row.approverName, "approverGone": !row.approverCanApprove]
                },
                "hasRules": !data.rules.isEmpty,
                "budgets": data.budgets.map { budget in
                    [
                        "id": budget.budgetId, "label": Self.budgetLabel(budget, t: t), "period": Self.periodText(budget, t: t),
                        "limit": format.money(budget.limitMinor, budget.currency), "spent": format.money(budget.spentMinor, budget.currency),
                        "remaining": format.money(budget.remainingMinor, budget.currency),
                    ] as [String: Any]
                },
                "hasBudgets": !data.budgets.isEmpty,
                "members": data.members.map { member in
                    [
                        "id": member.userId, "name": member.name, "email": member.email, "costCentre": member.costCentre ?? "",
                        "roles": member.roles.map { t["role." + $0] }.joined(separator: ", "),
                    ] as [String: Any]
                },
                "approvers": data.members.filter(\.mayApprove).map { ["id": $0.userId, "name": $0.name] as [String: Any] },
                "categories": data.categories.map { ["id": $0.id, "name": $0.name] as [String: Any] },
                "centres": centres,
                "values": values, "errors": errors, "hasErrors": !errors.isEmpty, "saved": request.uri.queryParameters["saved"] != nil,
            ], request: request, context: context, status: status)
    }

    func invalid(_ request: Request, context: WholesailRequestContext, _ error: ValidationError, rename: [String: String] = [:]) async throws -> Response {
        let t = renderer.localizer(context.language)
        var errors: [String: String] = [:]
        for (field, message) in t.fieldMessages(error) { errors[rename[field] ?? field] = message }
        return try await renderSettings(request, context: context, values: context.echoedForm(limit: 200), errors: errors, status: .unprocessableContent)
            .response(from: request, context: context)
    }

    @Sendable func addRule(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let company = try Self.currentCompany(context, permission: "approvals.manage")
        let f = context.form
        let form = ApprovalRuleForm(
            subject: f["subject"] ?? "", condition: f["condition"] ?? "", amount: f["amount"] ?? "", categoryId: f["categoryId"].flatMap { Int64($0) },
            approverUserId: f["approverUserId"].flatMap { Int64($0) })
        do {
            try await database.addApprovalRule(counterpartyId: company, form, actor: try context.requireSignedIn())
        } catch let error as ValidationError {
            return try await invalid(request, context: context, error)
        }
        return .redirect(to: "/company/approvals?saved=1", type: .normal)
    }

    @Sendable func deleteRule(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("rule", as: Int64.self), let owner = try await database.owners(of: .approvalRule, id: id)?.first else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        try await database.deleteApprovalRule(id: id, counterpartyId: owner, actor: try context.requireSignedIn())
        return .redirect(to: "/company/approvals?saved=1", type: .normal)
    }

    @Sendable func addBudget(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let company = try Self.currentCompany(context, permission: "approvals.manage")
        let f = context.form
        var subject = f["subject"] ?? ""
        if subject == "centre" { subject = "centre:" + (f["costCentre"] ?? "") }
        do {
            try await database.addBudget(
                counterpartyId: company, BudgetForm(subject: subject, period: f["period"] ?? "", limit: f["limit"] ?? ""), actor: try context.requireSignedIn())
        } catch let error as ValidationError {
            return try await invalid(request, context: context, error, rename: ["subject": "budgetSubject"])
        }
        return .redirect(to: "/company/approvals?saved=1", type: .normal)
    }

    @Sendable func deleteBudget(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("budget", as: Int64.self), let owner = try await database.owners(of: .spendingBudget, id: id)?.first else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        try await database.deleteBudget(id: id, counterpartyId: owner, actor: try context.requireSignedIn())
        return .redirect(to: "/company/approvals?saved=1", type: .normal)
    }

    @Sendable func setCostCentre(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let company = try Self.currentCompany(context, permission: "approvals.manage")
        guard let userId = context.form["userId"].flatMap({ Int64($0) }) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        do {
            try await database.setCostCentre(counterpartyId: company, userId: userId, costCentre: context.form["costCentre"] ?? "", actor: try context.requireSignedIn())
        } catch let error as ValidationError {
            return try await invalid(request, context: context, error)
        }
        return .redirect(to: "/company/approvals?saved=1", type: .normal)
    }

    // MARK: The usual order

    /// The company the usual order is about: the cart's (the one the buyer orders for now).
    func usualCompany(_ principal: Principal) async throws -> (id: Int64, name: String)? {
        let view = try await carts.view(for: principal)
        return view.companies.first { $0.id == view.cart.counterpartyId }.map { ($0.id, $0.name) }
    }

    @Sendable func usualOrder(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderUsual(request, context: context, error: nil, status: .ok)
    }

    func renderUsual(_ request: Request, context: WholesailRequestContext, error: String?, status: HTTPResponse.Status) async throws -> HTML {
        let principal = try context.require("orders.place")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let company = try await usualCompany(principal)
        let items = try await company.asyncMap { try await database.usualOrder(counterpartyId: $0.id, today: PricingService.today()) } ?? []
        var added = ""
        if let count = request.uri.queryParameters["added"].flatMap({ Int(String($0)) }) { added = t.format("usual.added", ["count": String(count)]) }
        return renderer.render(
            "usual-order",
            [
                "title": t["usual.title"], "company": company?.name ?? "", "hasItems": !items.isEmpty, "added": added, "error": error ?? "",
                "items": items.map { item in
                    [
                        "productId": item.productId, "sku": item.sku, "name": item.name, "unit": item.unit, "purchases": item.purchases,
                        "typical": format.quantity(item.typicalMilli), "suggested": Quantity.text(milli: item.suggestedMilli),
                        "interval": t.format("usual.every_days", ["days": String(item.intervalDays)]), "last": item.lastDay, "next": item.nextDay,
                        "due": item.dueInDays <= 7,
                        "dueText": item.dueInDays < 0 ? t.format("usual.overdue", ["days": String(-item.dueInDays)]) : t["usual.due"],
                    ] as [String: Any]
                },
            ], request: request, context: context, status: status)
    }

    @Sendable func addUsual(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let t = renderer.localizer(context.language)
        guard let company = try await usualCompany(principal) else {
            return try await renderUsual(request, context: context, error: t["checkout.choose_company"], status: .unprocessableContent)
                .response(from: request, context: context)
        }
        let items = try await database.usualOrder(counterpartyId: company.id, today: PricingService.today())
        let all = context.form["mode"] == "all"
        var entries: [(productId: Int64, unitId: Int64?, qtyMilli: Int64?)] = []
        for item in items where all || context.form["pick.\(item.productId)"] == "1" {
            let typed = context.form["qty.\(item.productId)"].map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let qty = typed.isEmpty ? item.suggestedMilli : Quantity.milli(parsing: typed), qty > 0 else {
                return try await renderUsual(request, context: context, error: t.format("usual.bad_qty", ["sku": item.sku]), status: .unprocessableContent)
                    .response(from: request, context: context)
            }
            entries.append((item.productId, nil, qty))
        }
        guard !entries.isEmpty else {
            return try await renderUsual(request, context: context, error: t["usual.nothing_selected"], status: .unprocessableContent)
                .response(from: request, context: context)
        }
        let prices = try await carts.pricing.view(for: principal)
        let visible = entries.filter { !prices.hides($0.productId) }
        let results = try await database.addManyToCart(userId: principal.userId, items: visible)
        if let refused = results.compactMap({ $0 }).first {
            return try await renderUsual(request, context: context, error: t.message(for: refused), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/usual-order?added=\(visible.count)", type: .normal)
    }

    // MARK: JSON

    struct ApprovalDTO: Encodable {
        struct Reason: Encodable {
            var condition: String
            var amount: String?
            var category: String?
        }

        var id: Int64
        var orderId: Int64
        var orderNumber: String
        var poNumber: String?
        var counterpartyId: Int64
        var company: String
        var orderedBy: String?
        var total: CatalogAPIController.PriceDTO
        var placedAt: String
        var reasons: [Reason]
        var status: String
        var decidedAt: String?
        var comment: String?

        enum CodingKeys: String, CodingKey {
            case id, company, total, reasons, status, comment
            case orderId = "order_id"
            case orderNumber = "order_number"
            case poNumber = "po_number"
            case counterpartyId = "counterparty_id"
            case orderedBy = "ordered_by"
            case placedAt = "placed_at"
            case decidedAt = "decided_at"
        }

        init(_ item: ApprovalItem) {
            id = item.id
            orderId = item.orderId
            orderNumber = item.orderNumber
            poNumber = item.poNumber
            counterpartyId = item.counterpartyId
            company = item.company
            orderedBy = item.ordererName
            total = OrderingAPIController.price(item.totalMinor, item.currency)
            placedAt = item.placedAt
            reasons = item.reasons.map { Reason(condition: $0.condition, amount: $0.amount, category: $0.category) }
            status = item.status
            decidedAt = item.decidedAt
            comment = item.comment
        }
    }

    struct QueueDTO: Encodable {
        var pending: [ApprovalDTO]
        var decided: [ApprovalDTO]
    }

    @Sendable func apiQueue(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.approve")
        let (pending, decided) = try await database.approvalQueue(approverUserId: principal.userId)
        return try JSONResponse.make(QueueDTO(pending: pending.map(ApprovalDTO.init), decided: decided.map(ApprovalDTO.init)))
    }

    struct DecideBody: Decodable {
        var decision: String
        var comment: String?
    }

    struct DecisionDTO: Encodable {
        var orderId: Int64
        var orderNumber: String
        var outcome: String

        enum CodingKeys: String, CodingKey {
            case outcome
            case orderId = "order_id"
            case orderNumber = "order_number"
        }
    }

    @Sendable func apiDecide(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let item = try await authorizedApproval(context)
        let principal = try context.requireSignedIn()
        let body = try await OrderingAPIController.decode(DecideBody.self, request, context: context)
        guard body.decision == "approve" || body.decision == "decline" else {
            throw ValidationError(field: "decision", code: "approval.decision_unknown", message: "The decision is approve or decline.")
        }
        let result = try await database.decideApproval(id: item.id, by: principal, approve: body.decision == "approve", comment: body.comment ?? "")
        if result.outcome == "approved" { _ = try? await carts.bills.ensureBill(orderId: result.orderId) }
        return try JSONResponse.make(DecisionDTO(orderId: result.orderId, orderNumber: result.orderNumber, outcome: result.outcome))
    }

    struct UsualItemDTO: Encodable {
        var productId: Int64
        var sku: String
        var name: String
        var unit: String
        var purchases: Int
        var typicalQty: String
        var suggestedQty: String
        var intervalDays: Int
        var lastPurchase: String
        var nextPurchase: String

        enum CodingKeys: String, CodingKey {
            case sku, name, unit, purchases
            case productId = "product_id"
            case typicalQty = "typical_qty"
            case suggestedQty = "suggested_qty"
            case intervalDays = "interval_days"
            case lastPurchase = "last_purchase"
            case nextPurchase = "next_purchase"
        }
    }

    struct UsualDTO: Encodable {
        var counterpartyId: Int64?
        var items: [UsualItemDTO]

        enum CodingKeys: String, CodingKey {
            case items
            case counterpartyId = "counterparty_id"
        }
    }

    @Sendable func apiUsualOrder(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let company = try await usualCompany(principal)
        let items = try await company.asyncMap { try await database.usualOrder(counterpartyId: $0.id, today: PricingService.today()) } ?? []
        return try JSONResponse.make(
            UsualDTO(
                counterpartyId: company?.id,
                items: items.map {
                    UsualItemDTO(
                        productId: $0.productId, sku: $0.sku, name: $0.name, unit: $0.unit, purchases: $0.purchases,
                        typicalQty: Quantity.text(milli: $0.typicalMilli), suggestedQty: Quantity.text(milli: $0.suggestedMilli),
                        intervalDays: $0.intervalDays, lastPurchase: $0.lastDay, nextPurchase: $0.nextDay)
                }))
    }
}
