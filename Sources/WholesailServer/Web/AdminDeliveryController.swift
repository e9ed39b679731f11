import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Delivery settings (`/admin/delivery`, right `admin.settings`): the built-in tariff table
/// (region, weight and volume brackets, price, per-kilogram surcharge, free-from amount, days),
/// the delivery company's API (quote and tracking templates, answer paths, a write-only key,
/// a timeout) and "try a quote" to see what a buyer would be shown and from where.
struct AdminDeliveryController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let quoter: DeliveryQuoter

    func mount(on routes: Routes) {
        routes.get("/admin/delivery", .permission("admin.settings"), use: page)
        routes.post("/admin/delivery/tariffs", .permission("admin.settings"), use: addTariff)
        routes.post("/admin/delivery/tariffs/:id/delete", .permission("admin.settings"), use: deleteTariff)
        routes.post("/admin/delivery/carrier", .permission("admin.settings"), use: saveCarrier)
        routes.post("/admin/delivery/quote", .permission("admin.settings"), use: tryQuote)
    }

    struct PageState {
        var tariff: [String: String] = [:]
        var tariffErrors: [String: String] = [:]
        var carrier: [String: String]?
        var carrierErrors: [String: String] = [:]
        var quoteValues: [String: String] = [:]
        var quote: [String: Any]?
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, state: PageState(), status: .ok)
    }

    func render(_ request: Request, context: WholesailRequestContext, state: PageState, status: HTTPResponse.Status) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let regions = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name FROM region ORDER BY sortOrder, name").map { (id: $0["id"] as Int64, name: $0["name"] as String) }
        }
        let names = Dictionary(regions.map { ($0.id, $0.name) }, uniquingKeysWith: { $1 })
        let tariffs = try await database.deliveryTariffs()
        let carrier = try await database.carrierSettings()
        func kilograms(_ grams: Int64?) -> String { grams.map { ExactDecimal(units: $0, scale: 1000).description } ?? "" }
        let carrierValues = state.carrier ?? [
            "name": carrier.name, "quoteURL": carrier.quoteURL, "quoteBody": carrier.quoteBody, "contentType": carrier.contentType,
            "header": carrier.header, "pricePath": carrier.pricePath, "daysPath": carrier.daysPath, "trackingURL": carrier.trackingURL,
            "statusPath": carrier.statusPath, "delivered": carrier.deliveredValues, "timeout": String(carrier.timeoutSeconds),
        ]
        let method = state.carrier?["quoteMethod"] ?? carrier.quoteMethod
        var values: [String: Any] = [
            "title": t["delivery.title"],
            "saved": request.uri.queryParameters["saved"] != nil,
            "tariffs": tariffs.map { tariff -> [String: Any] in
                [
                    "id": tariff.id, "region": tariff.regionId.flatMap { names[$0] } ?? t["delivery.every_region"], "name": tariff.name,
                    "maxWeight": kilograms(tariff.maxWeightGrams), "maxVolume": tariff.maxVolumeMl.map { ExactDecimal(units: $0, scale: 1000).description } ?? "",
                    "price": format.money(tariff.priceMinor, tariff.currency),
                    "perKg": tariff.perKgMinor > 0 ? format.money(tariff.perKgMinor, tariff.currency) + " / " + t["delivery.kg"] : "",
                    "baseWeight": tariff.baseWeightGrams > 0 ? kilograms(tariff.baseWeightGrams) : "",
                    "freeFrom": tariff.freeFromMinor.map { format.money($0, tariff.currency) } ?? "", "days": tariff.days.map(String.init) ?? "",
                ]
            },
            "regions": regions.map { region in
                ["id": region.id, "name": region.name, "on": state.tariff["region"] == String(region.id)] as [String: Any]
            },
            "quoteRegions": regions.map { region in
                ["id": region.id, "name": region.name, "on": state.quoteValues["region"] == String(region.id)] as [String: Any]
            },
            "tariffValues": state.tariff, "tariffErrors": state.tariffErrors,
            "carrierOn": state.carrier.map { $0["enabled"] == "1" } ?? carrier.enabled,
            "minorOn": state.carrier.map { $0["minorUnits"] == "1" } ?? carrier.priceInMinorUnits,
            "carrierValues": carrierValues, "carrierErrors": state.carrierErrors,
            "methods": [("", t["channels.method_auto"]), ("GET", "GET"), ("POST", "POST")].map { code, name in
                ["code": code, "name": name, "on": code == method]
            },
            "secretSet": !carrier.secret.isEmpty, "secretMask": ChannelSettings.masked(carrier.secret),
            "quoteValues": state.quoteValues,
        ]
        if let quote = state.quote { values["quote"] = quote }
        return renderer.render("admin-delivery", values, request: request, context: context, status: status)
    }

    /// Kilograms or litres typed with a point or a comma, as thousandths (grams, millilitres).
    static func thousandths(_ text: String?) -> Int64?? {
        let text = (text ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        if text.isEmpty { return .some(nil) }
        guard let value = ExactDecimal(parsing: text)?.scaled(to: 1000, rounding: true) else { return nil }
        return .some(value)
    }

    static func minor(_ text: String?) -> Int64?? {
        let text = (text ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".").replacingOccurrences(of: " ", with: "")
        if text.isEmpty { return .some(nil) }
        guard let money = Money(decimal: text, currency: "RUB") else { return nil }
        return .some(money.minorUnits)
    }

    @Sendable func addTariff(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let form = context.form
        let t = renderer.localizer(context.language)
        var errors: [String: String] = [:]
        func number<T>(_ parsed: T??, _ field: String, _ code: String) -> T? {
            guard let parsed else {
                errors[field] = t.message(code: "delivery.\(code)", fallback: "")
                return nil
            }
            return parsed
        }
        let maxWeight = number(Self.thousandths(form["maxWeight"]), "maxWeight", "bad_weight")
        let maxVolume = number(Self.thousandths(form["maxVolume"]), "maxVolume", "bad_volume")
        let baseWeight = number(Self.thousandths(form["baseWeight"]), "baseWeight", "bad_weight")
        let price = number(Self.minor(form["price"]), "price", "bad_price")
        let perKg = number(Self.minor(form["perKg"]), "perKg", "bad_price")
        let freeFrom = number(Self.minor(form["freeFrom"]), "freeFrom", "bad_price")
        let daysText = (form["days"] ?? "").trimmingCharacters(in: .whitespaces)
        let days = daysText.isEmpty ? nil : Int(daysText) ?? -1
        if price == nil && errors["price"] == nil { errors["price"] = t.message(code: "delivery.bad_price", fallback: "") }
        if errors.isEmpty {
            let tariff = DeliveryTariff(
                regionId: form["region"].flatMap { Int64($0) }, name: (form["name"] ?? "").trimmingCharacters(in: .whitespaces),
                maxWeightGrams: maxWeight ?? nil, maxVolumeMl: maxVolume ?? nil, priceMinor: (price ?? nil) ?? 0, perKgMinor: (perKg ?? nil) ?? 0,
                baseWeightGrams: (baseWeight ?? nil) ?? 0, freeFromMinor: freeFrom ?? nil, days: days)
            do {
                try await database.addDeliveryTariff(tariff, actor: principal.userId)
                return .redirect(to: "/admin/delivery?saved=1#tariffs")
            } catch let error as ValidationError {
                errors = t.fieldMessages(error)
            }
        }
        var state = PageState()
        state.tariff = context.echoedForm(limit: 200)
        state.tariffErrors = errors
        return try await render(request, context: context, state: state, status: .unprocessableContent).response(from: request, context: context)
    }

    @Sendable func deleteTariff(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw DomainError.notFound("tariff") }
        try await database.deleteDeliveryTariff(id: id, actor: principal.userId)
        return .redirect(to: "/admin/delivery?saved=1#tariffs")
    }

    @Sendable func saveCarrier(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let form = context.form
        func field(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        var settings = CarrierSettings()
        settings.enabled = form["enabled"] == "1"
        settings.name = field("name")
        settings.quoteURL = field("quoteURL")
        settings.quoteMethod = field("quoteMethod").uppercased()
        settings.quoteBody = field("quoteBody")
        settings.contentType = field("contentType")
        settings.header = field("header")
        settings.pricePath = field("pricePath")
        settings.daysPath = field("daysPath")
        settings.priceInMinorUnits = form["minorUnits"] == "1"
        settings.trackingURL = field("trackingURL")
        settings.statusPath = field("statusPath")
        settings.deliveredValues = field("delivered")
        settings.timeoutSeconds = Int(field("timeout")) ?? (field("timeout").isEmpty ? 5 : 0)
        let typed = field("secret")
        let secret: String? = form["clearSecret"] == "1" ? "" : (typed.isEmpty ? nil : typed)
        do {
            try await database.saveCarrierSettings(settings, secret: secret, actor: principal.userId)
        } catch let error as ValidationError {
            var state = PageState()
            state.carrier = context.echoedForm(limit: 4000, dropping: ["secret"])
            state.carrierErrors = renderer.localizer(context.language).fieldMessages(error)
            return try await render(request, context: context, state: state, status: .unprocessableContent).response(from: request, context: context)
        }
        return .redirect(to: "/admin/delivery?saved=1#carrier")
    }

    /// What a buyer in a region with a parcel of this weight and value would be shown.
    @Sendable func tryQuote(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        _ = try context.requireSignedIn()
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let form = context.form
        var state = PageState()
        state.quoteValues = context.echoedForm(limit: 200)
        let regionId = form["region"].flatMap { Int64($0) }
        let regionName = try await regionId.asyncMap { id in
            try await database.read { try String.fetchOne($0, sql: "SELECT name FROM region WHERE id = ?", arguments: [id]) }
        } ?? nil
        guard let weight = Self.thousandths(form["weight"]) ?? nil, weight >= 0, let volume = Self.thousandths(form["volume"]),
            let value = Self.minor(form["value"])
        else {
            state.quote = ["failed": true, "text": t["delivery.quote_bad_input"]]
            return try await render(request, context: context, state: state, status: .unprocessableContent).response(from: request, context: context)
        }
        let parcel = DeliveryParcel(
            regionId: regionId, regionName: regionName ?? "", address: (form["address"] ?? "").trimmingCharacters(in: .whitespaces),
            weightGrams: weight, volumeMl: volume ?? 0, valueMinor: value ?? 0)
        if let quote = try await quoter.quote(parcel) {
            state.quote = [
                "ok": true, "price": quote.priceMinor == 0 ? t["delivery.free"] : format.money(quote.priceMinor, quote.currency),
                "days": quote.days.map { t.format("delivery.days", ["days": String($0)]) } ?? "",
                "by": quote.source == .carrier ? quote.name : t["delivery.by_tariff"] + (quote.name.isEmpty ? "" : " «\(quote.name)»"),
                "reason": quote.fallbackReason ?? "",
            ]
        } else {
            state.quote = ["failed": true, "text": t["delivery.no_quote"]]
        }
        return try await render(request, context: context, state: state, status: .ok).response(from: request, context: context)
    }
}
