import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The admin's price rules: list, create, enable or disable, and "what does company X pay for
/// product Y, and which rules made that price" (also in JSON for staff).
struct AdminPricingController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let pricing: PricingService

    func mount(on routes: Routes) {
        routes.get("/admin/pricing", .permission("pricing.manage"), use: page)
        routes.post("/admin/pricing/rules", .permission("pricing.manage"), use: create)
        routes.post("/admin/pricing/rules/:rule/active", .permission("pricing.manage"), use: toggle)
        routes.get("/admin/pricing/rules/:rule", .permission("pricing.manage"), use: editPage)
        routes.post("/admin/pricing/rules/:rule", .permission("pricing.manage"), use: update)
        routes.post("/admin/pricing/rates", .permission("pricing.manage"), use: setRate)
        routes.post("/admin/pricing/erp-hook", .permission("pricing.manage"), use: setHook)
        routes.get("/api/v1/pricing/explain", .permission("customers.serve"), use: explainAPI)
        mountAssignments(on: routes)
    }

    /// What a query value may carry unescaped (ASCII only: `.alphanumerics` lets Cyrillic through).
    static let queryAllowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    struct Explanation {
        var quote: PriceQuote
        var reference: PriceQuote
        var priceTypeName: String?
        var rules: [(id: Int64, name: String)]
        var productName: String
        var companyName: String
        /// Active rules whose product and buyer sides both select this price (winners or not).
        var matchingRuleIds: Set<Int64>
    }

    func explain(counterpartyId: Int64?, sku: String, context: WholesailRequestContext) async throws -> Explanation? {
        guard let productId = try await database.productId(sku: sku) else { return nil }
        if let counterpartyId { try context.require("customers.serve", on: .counterparty(counterpartyId)) }
        let pricingContext = try await database.pricingContext(userId: nil, counterpartyId: counterpartyId, day: PricingService.today())
        let matrix = pricing.matrix
        guard let index = matrix.index(of: productId) else { return nil }
        let quote = matrix.view(for: pricingContext).quote(productIndex: index)
        let reference = PricingReference.quote(matrix.snapshot, context: pricingContext, productIndex: index)
        let rules = try await database.priceRules()
        let choices = try await database.pricingChoices()
        let card = try await database.productCard(id: productId)
        return Explanation(
            quote: quote, reference: reference, priceTypeName: choices.priceTypes.first { $0.id == quote.priceTypeId }?.name,
            rules: quote.ruleIds.map { id in (id, rules.first { $0.id == id }?.name ?? "#\(id)") },
            productName: card?.summary.name ?? sku,
            companyName: counterpartyId.flatMap { id in choices.counterparties.first { $0.id == id }?.name } ?? "",
            matchingRuleIds: Set(
                matrix.snapshot.rules.filter { $0.matches(pricingContext) && $0.selects(matrix.snapshot.products[index]) }.map(\.id)))
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, errors: [:], values: [:], status: .ok)
    }

    func render(
        _ request: Request, context: WholesailRequestContext, errors: [String: String], values: [String: String], status: HTTPResponse.Status
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language)
        let rules = try await database.priceRules()
        let choices = try await database.pricingChoices()
        let query = request.uri.queryParameters
        let explanation = try await explained(request, context: context)
        func options(_ list: [(id: Int64, name: String)], selected: String?) -> [[String: Any]] {
            list.map { ["id": $0.id, "name": $0.name, "selected": String($0.id) == selected] }
        }
        return renderer.render(
            "admin-pricing",
            [
                "title": t["pricing.title"],
                "rules": rules.map { rule in
                    var action = t["pricing.action_" + rule.action]
                    if let percent = rule.percent { action += " \(percent)%" }
                    if let amount = rule.amountMinor { action += " " + format.money(amount, "RUB") }
                    if let target = rule.targetPriceType { action += " → \(target)" }
                    if let availability = rule.availability { action += " → " + t["pricing.availability_" + availability] }
                    return [
                        "id": rule.id, "name": rule.name, "priority": rule.priority, "active": rule.active,
                        "period": [rule.validFrom.map { String($0.prefix(10)) } ?? "…", rule.validTo.map { String($0.prefix(10)) } ?? "…"].joined(separator: " – "),
                        "products": rule.productSide.isEmpty ? t["pricing.all_products"] : rule.productSide.joined(separator: ", "),
                        "buyers": rule.contextSide.isEmpty ? t["pricing.all_buyers"] : rule.contextSide.joined(separator: ", "),
                        "action": action,
                    ] as [String: Any]
                },
                "hasRules": !rules.isEmpty,
                "counterparties": options(choices.counterparties, selected: query["counterparty"].map(String.init)),
                "rule": ruleChoices(choices, values: values, t: t),
                "values": values, "errors": errors, "hasErrors": !errors.isEmpty,
                "explained": explanation, "sku": query["sku"].map(String.init) ?? "",
                "saved": query["saved"] != nil,
                "rates": try await database.exchangeRates().map { ["currency": $0.currency, "day": $0.day, "rate": $0.rate] },
                "currencies": try await database.currencies().map { ["code": $0, "selected": $0 == values["currency"]] },
                "today": PricingService.today(),
                "hook": try await hookValues(values),
            ], request: request, context: context, status: status)
    }

    /// The explanation asked for in the query (`counterparty`, `sku`), for the pricing page and
    /// a rule's page: always from the current matrix, so it shows a rule edit at once.
    func explained(_ request: Request, context: WholesailRequestContext, ruleId: Int64? = nil) async throws -> [String: Any] {
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language)
        let query = request.uri.queryParameters
        guard let sku = query["sku"].map(String.init), !sku.isEmpty else { return [:] }
        let company = query["counterparty"].flatMap { Int64($0) }
        guard let result = try await explain(counterpartyId: company, sku: String(sku.prefix(100)), context: context) else { return ["notFound": true] }
        var explained: [String: Any] = [
            "found": true, "product": result.productName, "company": result.companyName.isEmpty ? t["pricing.guest"] : result.companyName,
            "priceType": result.priceTypeName ?? "—",
            "price": result.quote.hidden ? t["pricing.hidden"] : result.quote.amountMinor.map { format.money($0, result.quote.currency) } ?? "—",
            "source": t["pricing.source_" + result.quote.source.rawValue],
            "rules": result.rules.map { ["id": $0.id, "name": $0.name] },
            "agrees": result.quote == result.reference,
        ]
        if let ruleId {
            // Made the price; or selects it but a better-ranked rule won (or it hides / sets availability); or not at all.
            if result.quote.ruleIds.contains(ruleId) {
                explained["ruleMade"] = true
            } else if result.matchingRuleIds.contains(ruleId) {
                explained["ruleMatches"] = true
            } else {
                explained["ruleOutside"] = true
            }
        }
        return explained
    }

    /// The option lists of the rule form, with the submitted or stored choice selected.
    func ruleChoices(_ choices: PricingChoices, values: [String: String], t: Localizer) -> [String: Any] {
        func options(_ list: [(id: Int64, name: String)], _ field: String) -> [[String: Any]] {
            list.map { ["id": $0.id, "name": $0.name, "selected": String($0.id) == values[field]] }
        }
        return [
            "categories": choices.categories.map {
                ["id": $0.id, "name": String(repeating: "— ", count: $0.depth) + $0.name, "selected": String($0.id) == values["categoryId"]] as [String: Any]
            },
            "brands": options(choices.brands, "brandId"),
            "regions": options(choices.regions, "regionId"),
            "counterparties": options(choices.counterparties, "counterpartyId"),
            "holdings": options(choices.holdings, "holdingId"),
            "agreements": options(choices.agreements, "agreementId"),
            "userGroups": options(choices.userGroups, "userGroupId"),
            "priceTypes": choices.priceTypes.map {
                ["id": $0.id, "name": "\($0.name) (\($0.currency))", "selected": String($0.id) == values["targetPriceTypeId"]] as [String: Any]
            },
            "actions": ["markup", "discount", "fixed", "price_type", "hide", "availability"].map {
                ["code": $0, "name": t["pricing.action_" + $0], "selected": values["action"] == $0] as [String: Any]
            },
            "availabilities": ["in_stock", "on_order", "unavailable"].map {
                ["code": $0, "name": t["pricing.availability_" + $0], "selected": values["availability"] == $0] as [String: Any]
            },
        ]
    }

    /// A rule form from the submitted fields (create and edit share it).
    static func ruleForm(_ f: [String: String]) -> PriceRuleForm {
        var form = PriceRuleForm()
        form.name = f["name"] ?? ""
        form.priority = f["priority"] ?? "0"
        form.validFrom = f["validFrom"] ?? ""
        form.validTo = f["validTo"] ?? ""
        form.categoryId = f["categoryId"].flatMap { Int64($0) }
        form.brandId = f["brandId"].flatMap { Int64($0) }
        form.productLine = f["productLine"] ?? ""
        form.propertyValue = f["propertyValue"] ?? ""
        form.skus = f["skus"] ?? ""
        form.regionId = f["regionId"].flatMap { Int64($0) }
        form.counterpartyId = f["counterpartyId"].flatMap { Int64($0) }
        form.holdingId = f["holdingId"].flatMap { Int64($0) }
        form.agreementId = f["agreementId"].flatMap { Int64($0) }
        form.userGroupId = f["userGroupId"].flatMap { Int64($0) }
        form.action = f["action"] ?? ""
        form.percent = f["percent"] ?? ""
        form.amount = f["amount"] ?? ""
        form.targetPriceTypeId = f["targetPriceTypeId"].flatMap { Int64($0) }
        form.availability = f["availability"] ?? ""
        return form
    }

    /// A stored rule's form as the page's field values.
    static func values(of form: PriceRuleForm) -> [String: String] {
        var values: [String: String] = [
            "name": form.name, "priority": form.priority, "validFrom": form.validFrom, "validTo": form.validTo, "productLine": form.productLine,
            "propertyValue": form.propertyValue, "skus": form.skus, "action": form.action, "percent": form.percent, "amount": form.amount,
            "availability": form.availability,
        ]
        let ids: [(String, Int64?)] = [
            ("categoryId", form.categoryId), ("brandId", form.brandId), ("regionId", form.regionId), ("counterpartyId", form.counterpartyId),
            ("holdingId", form.holdingId), ("agreementId", form.agreementId), ("userGroupId", form.userGroupId),
            ("targetPriceTypeId", form.targetPriceTypeId),
        ]
        for (key, id) in ids { if let id { values[key] = String(id) } }
        return values
    }

    @Sendable func editPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard let id = context.parameters.get("rule", as: Int64.self) else { throw DomainError.notFound("rule") }
        return try await renderEdit(id: id, request, context: context, errors: [:], values: nil, status: .ok)
    }

    /// A rule's page: its form filled with the stored rule (or the refused submission) and the
    /// preview "what does company X pay for product Y" that names this rule when it applies.
    func renderEdit(
        id: Int64, _ request: Request, context: WholesailRequestContext, errors: [String: String], values submitted: [String: String]?,
        status: HTTPResponse.Status
    ) async throws -> HTML {
        guard let stored = try await database.priceRuleForm(id: id) else { throw DomainError.notFound("rule") }
        let t = renderer.localizer(context.language)
        let values = submitted ?? Self.values(of: stored.form)
        let choices = try await database.pricingChoices()
        let query = request.uri.queryParameters
        return renderer.render(
            "admin-pricing-rule",
            [
                "title": t.format("pricing.edit_title", ["id": String(id)]),
                "id": id, "name": stored.form.name, "active": stored.active,
                "rule": ruleChoices(choices, values: values, t: t),
                "counterparties": choices.counterparties.map {
                    ["id": $0.id, "name": $0.name, "selected": String($0.id) == query["counterparty"].map(String.init)] as [String: Any]
                },
                "values": values, "errors": errors, "hasErrors": !errors.isEmpty,
                "explained": try await explained(request, context: context, ruleId: id), "sku": query["sku"].map(String.init) ?? "",
                "saved": query["saved"] != nil, "previewCounterparty": query["counterparty"].map(String.init) ?? "",
            ], request: request, context: context, status: status)
    }

    @Sendable func update(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("rule", as: Int64.self) else { throw DomainError.notFound("rule") }
        do {
            try await database.updatePriceRule(id: id, Self.ruleForm(context.form), actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderEdit(
                id: id, request, context: context, errors: t.fieldMessages(error), values: context.echoedForm(limit: 200_000), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        try await pricing.rebuild()
        // Back to the rule with the preview the admin last asked for, now showing the edited rule.
        var target = "/admin/pricing/rules/\(id)?saved=1"
        if let sku = context.form["previewSku"], !sku.isEmpty, let encoded = sku.addingPercentEncoding(withAllowedCharacters: Self.queryAllowed) {
            target += "&sku=\(encoded)"
            if let company = context.form["previewCounterparty"].flatMap({ Int64($0) }) { target += "&counterparty=\(company)" }
        }
        return .redirect(to: target)
    }

    @Sendable func create(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let form = Self.ruleForm(context.form)
        do {
            try await database.createPriceRule(form, actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await render(request, context: context, errors: t.fieldMessages(error), values: context.echoedForm(limit: 20_000), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        try await pricing.rebuild()
        return .redirect(to: "/admin/pricing?saved=1")
    }

    @Sendable func toggle(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("rule", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.setPriceRuleActive(id: id, active: context.form["active"] == "1", actor: principal)
        try await pricing.rebuild()
        return .redirect(to: "/admin/pricing?saved=1")
    }

    /// The price hook's form: the submitted values after a refusal, else the stored settings.
    func hookValues(_ values: [String: String]) async throws -> [String: Any] {
        let stored = try await database.erpPriceHookSettings()
        if values["hookTimeout"] != nil {
            return ["enabled": values["hookEnabled"] == "1", "url": values["hookUrl"] ?? "", "timeout": values["hookTimeout"] ?? ""]
        }
        return ["enabled": stored.enabled, "url": stored.url, "timeout": String(stored.timeoutMs)]
    }

    @Sendable func setHook(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        do {
            try await database.setERPPriceHookSettings(
                enabled: context.form["hookEnabled"] == "1", url: context.form["hookUrl"] ?? "", timeoutMs: context.form["hookTimeout"] ?? "",
                actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await render(request, context: context, errors: t.fieldMessages(error), values: context.echoedForm(limit: 600), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/admin/pricing?saved=1")
    }

    @Sendable func setRate(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        do {
            try await database.setExchangeRate(
                currency: context.form["currency"] ?? "", day: context.form["day"] ?? "", rate: context.form["rate"] ?? "", actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await render(request, context: context, errors: t.fieldMessages(error), values: context.echoedForm(limit: 100), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        try await pricing.rebuild()
        return .redirect(to: "/admin/pricing?saved=1")
    }

    struct ExplainDTO: Encodable {
        var product: String
        var price: CatalogAPIController.PriceDTO?
        var hidden: Bool
        var priceTypeId: Int64?
        var source: String
        var rules: [Int64]

        enum CodingKeys: String, CodingKey {
            case product, price, hidden, source, rules
            case priceTypeId = "price_type_id"
        }
    }

    @Sendable func explainAPI(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let sku = query["sku"].map(String.init), !sku.isEmpty else {
            throw DomainError(.malformed, code: "pricing.sku_required", message: "Give the product's sku.")
        }
        var company: Int64?
        if let raw = query["counterparty"] {
            guard let id = Int64(raw) else { throw DomainError(.malformed, code: "request.malformed", message: "counterparty must be an id.") }
            guard try await database.owners(of: .counterparty, id: id) != nil else { throw DomainError.notFound("counterparty") }
            company = id
        }
        guard let result = try await explain(counterpartyId: company, sku: String(sku.prefix(100)), context: context) else {
            throw DomainError(.notFound, code: "catalog.product_not_found", message: "The product was not found.")
        }
        return try JSONResponse.make(
            ExplainDTO(
                product: result.productName,
                price: result.quote.amountMinor.map { .init(amount: Money(minorUnits: $0, currency: result.quote.currency).decimalString, currency: result.quote.currency) },
                hidden: result.quote.hidden, priceTypeId: result.quote.priceTypeId, source: result.quote.source.rawValue,
                rules: result.quote.ruleIds))
    }
}
