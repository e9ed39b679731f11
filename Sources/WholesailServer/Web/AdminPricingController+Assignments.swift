import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Which price type each context gets (company, agreement, holding, region, user group) and the
/// agreements' individual prices: list with search, add, change, remove. Every change rebuilds
/// the matrix at once and is audited.
extension AdminPricingController {
    func mountAssignments(on routes: Routes) {
        routes.get("/admin/pricing/assignments", .permission("pricing.manage"), use: assignmentsPage)
        routes.post("/admin/pricing/assignments", .permission("pricing.manage"), use: createAssignment)
        routes.post("/admin/pricing/assignments/:assignment", .permission("pricing.manage"), use: updateAssignment)
        routes.post("/admin/pricing/assignments/:assignment/delete", .permission("pricing.manage"), use: deleteAssignment)
        routes.post("/admin/pricing/agreement-prices", .permission("pricing.manage"), use: setAgreementPrice)
        routes.post("/admin/pricing/agreement-prices/delete", .permission("pricing.manage"), use: deleteAgreementPrice)
    }

    @Sendable func assignmentsPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderAssignments(request, context: context, errors: [:], values: [:], status: .ok)
    }

    func renderAssignments(
        _ request: Request, context: WholesailRequestContext, errors: [String: String], values: [String: String], status: HTTPResponse.Status
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language)
        let query = request.uri.queryParameters
        let search = String((query["q"].map(String.init) ?? "").prefix(200))
        let sku = String((query["sku"].map(String.init) ?? "").prefix(100))
        let choices = try await database.pricingChoices()
        let assignments = try await database.priceAssignments(search: search)
        let prices = try await database.agreementPriceRows(search: search, sku: sku)
        let fromErp = try await database.erpPriceTypes(search: search)
        func options(_ list: [(id: Int64, name: String)], _ field: String) -> [[String: Any]] {
            list.map { ["id": $0.id, "name": $0.name, "selected": String($0.id) == values[field]] }
        }
        func typeOptions(selected: Int64?) -> [[String: Any]] {
            choices.priceTypes.map { ["id": $0.id, "name": "\($0.name) (\($0.currency))", "selected": $0.id == selected] }
        }
        return renderer.render(
            "admin-pricing-assignments",
            [
                "title": t["pricing.assignments_title"],
                "q": search, "skuQuery": sku,
                "assignments": assignments.map { row in
                    var whom: [String] = []
                    if let value = row.agreement { whom.append(t["pricing.agreement"] + " " + value) }
                    if let value = row.counterparty { whom.append(value) }
                    if let value = row.holding { whom.append(t["pricing.holding"] + " " + value) }
                    if let value = row.userGroup { whom.append(t["pricing.group"] + " " + value) }
                    if let value = row.region { whom.append(t["pricing.region"] + " " + value) }
                    return [
                        "id": row.id, "whom": whom.joined(separator: ", "), "priority": String(row.priority),
                        "priceTypes": typeOptions(selected: row.priceTypeId),
                    ] as [String: Any]
                },
                "hasAssignments": !assignments.isEmpty,
                "erp": fromErp.map { ["kind": t["pricing.erp_" + $0.kind], "whom": $0.whom, "priceType": $0.priceType] },
                "hasErp": !fromErp.isEmpty,
                "prices": prices.map { row in
                    [
                        "agreementId": row.agreementId, "agreement": row.agreement, "company": row.company, "productId": row.productId, "sku": row.sku,
                        "product": row.product, "unit": row.unit, "price": format.money(row.amountMinor, "RUB"),
                        "amount": Money(minorUnits: row.amountMinor, currency: "RUB").decimalString,
                    ] as [String: Any]
                },
                "hasPrices": !prices.isEmpty,
                "counterparties": options(choices.counterparties, "counterpartyId"),
                "agreements": options(choices.agreements, "agreementId"),
                "priceAgreements": options(choices.agreements, "priceAgreementId"),
                "holdings": options(choices.holdings, "holdingId"),
                "regions": options(choices.regions, "regionId"),
                "userGroups": options(choices.userGroups, "userGroupId"),
                "priceTypes": typeOptions(selected: values["priceTypeId"].flatMap { Int64($0) }),
                "values": values, "errors": errors, "hasErrors": !errors.isEmpty,
                "saved": query["saved"] != nil,
            ], request: request, context: context, status: status)
    }

    /// Re-renders the page with the refused form's messages (422), or rebuilds and redirects.
    func afterChange(_ request: Request, context: WholesailRequestContext, _ change: () async throws -> Void) async throws -> Response {
        do {
            try await change()
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderAssignments(
                request, context: context, errors: t.fieldMessages(error), values: context.echoedForm(limit: 200), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        try await pricing.rebuild()
        var target = "/admin/pricing/assignments?saved=1"
        for key in ["q", "sku"] {
            if let value = context.form["return_" + key], !value.isEmpty,
                let encoded = value.addingPercentEncoding(withAllowedCharacters: Self.queryAllowed)
            {
                target += "&\(key)=\(encoded)"
            }
        }
        return .redirect(to: target)
    }

    @Sendable func createAssignment(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let f = context.form
        var form = PriceAssignmentForm()
        form.counterpartyId = f["counterpartyId"].flatMap { Int64($0) }
        form.agreementId = f["agreementId"].flatMap { Int64($0) }
        form.holdingId = f["holdingId"].flatMap { Int64($0) }
        form.regionId = f["regionId"].flatMap { Int64($0) }
        form.userGroupId = f["userGroupId"].flatMap { Int64($0) }
        form.priceTypeId = f["priceTypeId"].flatMap { Int64($0) }
        form.priority = f["priority"] ?? "0"
        return try await afterChange(request, context: context) { _ = try await database.createPriceAssignment(form, actor: principal) }
    }

    @Sendable func updateAssignment(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("assignment", as: Int64.self) else { throw DomainError.notFound("assignment") }
        return try await afterChange(request, context: context) {
            try await database.updatePriceAssignment(
                id: id, priceTypeId: context.form["priceTypeId"].flatMap { Int64($0) }, priority: context.form["priority"] ?? "0", actor: principal)
        }
    }

    @Sendable func deleteAssignment(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("assignment", as: Int64.self) else { throw DomainError.notFound("assignment") }
        return try await afterChange(request, context: context) { try await database.deletePriceAssignment(id: id, actor: principal) }
    }

    @Sendable func setAgreementPrice(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let f = context.form
        return try await afterChange(request, context: context) {
            try await database.setAgreementPrice(
                agreementId: f["priceAgreementId"].flatMap { Int64($0) }, sku: f["priceSku"] ?? "", amount: f["amount"] ?? "", actor: principal)
        }
    }

    @Sendable func deleteAgreementPrice(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let agreement = context.form["agreementId"].flatMap({ Int64($0) }), let product = context.form["productId"].flatMap({ Int64($0) }) else {
            throw DomainError.notFound("agreement_price")
        }
        return try await afterChange(request, context: context) { try await database.deleteAgreementPrice(agreementId: agreement, productId: product, actor: principal) }
    }
}
