import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Cart-level pricing the admin sets: promocodes and price type thresholds by cart total.
struct AdminPromotionsController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.get("/admin/promotions", .permission("pricing.manage"), use: page)
        routes.post("/admin/promotions/codes", .permission("pricing.manage"), use: createCode)
        routes.post("/admin/promotions/codes/:code/active", .permission("pricing.manage"), use: toggleCode)
        routes.post("/admin/promotions/thresholds", .permission("pricing.manage"), use: createThreshold)
        routes.post("/admin/promotions/thresholds/:threshold/delete", .permission("pricing.manage"), use: deleteThreshold)
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, errors: [:], values: [:])
    }

    func render(
        _ request: Request, context: WholesailRequestContext, errors: [String: String], values: [String: String], status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let codes = try await database.promocodes()
        let thresholds = try await database.cartThresholdRows()
        let choices = try await database.pricingChoices()
        return renderer.render(
            "admin-promotions",
            [
                "title": t["promotions.title"],
                "codes": codes.map { code in
                    [
                        "id": code.id, "code": code.code, "active": code.active, "used": code.used,
                        "discount": code.kind == "percent" ? "\(code.percent ?? "")%" : format.money(code.amountMinor ?? 0, "RUB"),
                        "scope": code.category ?? code.productSku ?? t["promotions.whole_cart"],
                        "minTotal": code.minTotalMinor > 0 ? format.money(code.minTotalMinor, "RUB") : "",
                        "validity": [code.validFrom, code.validTo].map { $0.map { String($0.prefix(10)) } ?? "…" }.joined(separator: " — "),
                        "limits": [code.maxUses.map { "\($0)" }, code.maxUsesPerCounterparty.map { t.format("promotions.per_company", ["n": String($0)]) }]
                            .compactMap { $0 }.joined(separator: ", "),
                    ] as [String: Any]
                },
                "hasCodes": !codes.isEmpty,
                "thresholds": thresholds.map { row in
                    ["id": row.id, "from": row.fromPriceType ?? t["promotions.any_type"], "minTotal": format.money(row.minTotalMinor, "RUB"), "to": row.priceType] as [String: Any]
                },
                "hasThresholds": !thresholds.isEmpty,
                "categories": choices.categories.map { ["id": $0.id, "name": String(repeating: "· ", count: $0.depth) + $0.name, "selected": values["categoryId"] == String($0.id)] as [String: Any] },
                "priceTypes": choices.priceTypes.map { ["id": $0.id, "name": $0.name] as [String: Any] },
                "percent": values["kind"] != "fixed",
                "errors": errors, "values": values, "hasErrors": !errors.isEmpty, "saved": request.uri.queryParameters["saved"] != nil,
            ], request: request, context: context, status: status)
    }

    @Sendable func createCode(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("pricing.manage")
        let f = context.form
        let form = PromocodeForm(
            code: f["code"] ?? "", kind: f["kind"] ?? "", value: f["value"] ?? "", categoryId: f["categoryId"].flatMap { Int64($0) },
            productSku: f["productSku"] ?? "", minTotal: f["minTotal"] ?? "", validFrom: f["validFrom"] ?? "", validTo: f["validTo"] ?? "",
            maxUses: f["maxUses"] ?? "", maxUsesPerCounterparty: f["maxUsesPerCounterparty"] ?? "")
        do {
            try await database.createPromocode(form, actor: principal.userId)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await render(request, context: context, errors: t.fieldMessages(error), values: context.echoedForm(limit: 200), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/admin/promotions?saved=1", type: .normal)
    }

    @Sendable func toggleCode(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("pricing.manage")
        guard let id = context.parameters.get("code", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.setPromocodeActive(id: id, active: context.form["active"] == "1", actor: principal.userId)
        return .redirect(to: "/admin/promotions?saved=1", type: .normal)
    }

    @Sendable func createThreshold(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("pricing.manage")
        let f = context.form
        do {
            guard let target = f["priceTypeId"].flatMap({ Int64($0) }) else {
                throw ValidationError(field: "priceTypeId", code: "threshold.price_type_unknown", message: "Choose a price type.")
            }
            try await database.createCartThreshold(
                fromPriceTypeId: f["fromPriceTypeId"].flatMap { Int64($0) }, minTotal: f["minTotal"] ?? "", priceTypeId: target, actor: principal.userId)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await render(request, context: context, errors: t.fieldMessages(error), values: context.echoedForm(limit: 200), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/admin/promotions?saved=1", type: .normal)
    }

    @Sendable func deleteThreshold(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("pricing.manage")
        guard let id = context.parameters.get("threshold", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.deleteCartThreshold(id: id, actor: principal.userId)
        return .redirect(to: "/admin/promotions?saved=1", type: .normal)
    }
}
