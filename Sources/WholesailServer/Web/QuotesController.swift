import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Requests for quote: the buyer turns the cart into a request with target prices, the
/// company's manager answers with prices and a validity date, the buyer accepts (an order at
/// the quoted prices, placed like any other), answers with new targets, or declines.
struct QuotesController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let carts: CartService

    func mount(on routes: Routes) {
        routes.get("/quotes", .permission("quotes.request"), use: list)
        routes.get("/quotes/new", .permission("quotes.request"), use: newForm)
        routes.post("/quotes", .permission("quotes.request"), use: create)
        routes.get("/quotes/:quote", .owned(.quote, parameter: "quote", permission: "quotes.request"), use: show)
        routes.post("/quotes/:quote/accept", .owned(.quote, parameter: "quote", permission: "quotes.request"), use: accept)
        routes.post("/quotes/:quote/counter", .owned(.quote, parameter: "quote", permission: "quotes.request"), use: counter)
        routes.post("/quotes/:quote/decline", .owned(.quote, parameter: "quote", permission: "quotes.request"), use: decline)
        routes.get("/staff/quotes", .permission("quotes.answer"), use: queue)
        routes.get("/staff/quotes/:quote", .owned(.quote, parameter: "quote", permission: "quotes.answer"), use: staffShow)
        routes.post("/staff/quotes/:quote/offer", .owned(.quote, parameter: "quote", permission: "quotes.answer"), use: offer)
    }

    static func today() -> String { PricingService.today() }

    /// Prices typed per line (`price_<line id>`): nil for an empty field; `bad` lists the lines whose text is not an amount.
    static func prices(_ form: [String: String], lineIds: [Int64], currency: String) -> (prices: [Int64: Int64], bad: [Int64]) {
        var prices: [Int64: Int64] = [:]
        var bad: [Int64] = []
        for id in lineIds {
            let raw = (form["price_\(id)"] ?? "").trimmingCharacters(in: .whitespaces)
            if raw.isEmpty { continue }
            if let money = Money(decimal: raw, currency: currency), money.minorUnits >= 0, money.minorUnits < 1_000_000_000_000 {
                prices[id] = money.minorUnits
            } else {
                bad.append(id)
            }
        }
        return (prices, bad)
    }

    static func priceText(_ minor: Int64?, _ currency: String) -> String {
        minor.map { Money(minorUnits: $0, currency: currency).decimalString } ?? ""
    }

    func statusText(_ status: QuoteStatus, _ t: Localizer) -> String { t["quote.status_" + status.rawValue] }

    func summaryRow(_ quote: QuoteSummary, format: Formatter, t: Localizer, staff: Bool) -> [String: Any] {
        [
            "id": quote.id, "number": quote.number, "company": quote.company, "buyer": quote.buyer, "status": statusText(quote.status, t),
            "statusCode": quote.status.rawValue, "lines": quote.lineCount, "total": quote.totalMinor.map { format.money($0, quote.currency) } ?? "",
            "validUntil": quote.validUntil ?? "", "date": String(quote.updatedAt.prefix(16)),
            "link": staff ? "/staff/quotes/\(quote.id)" : "/quotes/\(quote.id)",
        ]
    }

    // MARK: Buyer

    @Sendable func list(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("quotes.request")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let quotes = principal.memberOf.isEmpty ? [] : try await database.quotes(counterparties: principal.memberOf, today: Self.today())
        return renderer.render(
            "quotes",
            [
                "title": t["quote.list_title"], "quotes": quotes.map { summaryRow($0, format: format, t: t, staff: false) }, "hasQuotes": !quotes.isEmpty,
                "sent": request.uri.queryParameters["sent"] != nil,
            ], request: request, context: context)
    }

    @Sendable func newForm(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderNew(request, context: context, values: [:], errors: [:], error: nil)
    }

    func renderNew(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], error: String?,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let principal = try context.require("quotes.request")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let view = try await carts.view(for: principal)
        let currency = view.priced.currency
        let company = view.companies.first { $0.id == view.cart.counterpartyId }
        return renderer.render(
            "quote-new",
            [
                "title": t["quote.new_title"], "hasLines": !view.cart.lines.isEmpty, "company": company?.name ?? "",
                "lines": zip(view.cart.lines, view.priced.lines).map { line, priced -> [String: Any] in
                    [
                        "id": line.id, "sku": line.sku, "name": line.name, "qty": format.quantity(line.qtyMilli), "unit": line.unit,
                        "price": priced.unitPriceMinor.map { format.money($0, currency) } ?? "—",
                        "target": values["price_\(line.id)"] ?? "", "error": errors["price_\(line.id)"] ?? "",
                    ]
                },
                "comment": values["comment"] ?? "", "version": view.cart.version, "error": error ?? "", "hasError": error != nil || !errors.isEmpty,
                "currency": currency,
            ], request: request, context: context, status: status)
    }

    @Sendable func create(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("quotes.request")
        let t = renderer.localizer(context.language)
        let view = try await carts.view(for: principal)
        let values = context.echoedForm(limit: 5000)
        guard let company = view.cart.counterpartyId, view.companies.contains(where: { $0.id == company }) else {
            return try await renderNew(request, context: context, values: values, errors: [:], error: t["checkout.choose_company"], status: .unprocessableContent)
                .response(from: request, context: context)
        }
        try context.require("quotes.request", on: .counterparty(company))
        // A product not sold to the company's region cannot be quoted either.
        if let hidden = zip(view.cart.lines, view.priced.lines).first(where: { $0.1.hidden })?.0 {
            let error = DomainError(
                .invalid, code: "cart.product_not_in_region", message: "Product \(hidden.sku) is not sold to your region.", values: ["sku": hidden.sku])
            return try await renderNew(request, context: context, values: values, errors: [:], error: t.message(for: error), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        let (targets, bad) = Self.prices(context.form, lineIds: view.cart.lines.map(\.id), currency: view.priced.currency)
        if !bad.isEmpty {
            let errors = Dictionary(uniqueKeysWithValues: bad.map { ("price_\($0)", t.message(code: "quote.bad_price", fallback: "Enter an amount.")) })
            return try await renderNew(request, context: context, values: values, errors: errors, error: nil, status: .unprocessableContent)
                .response(from: request, context: context)
        }
        var listPrices: [Int64: Int64] = [:]
        for priced in view.priced.lines where !priced.hidden { listPrices[priced.productId] = priced.unitPriceMinor }
        do {
            let id = try await database.requestQuote(
                principal: principal, counterpartyId: company, cartVersion: context.form["version"], currency: view.priced.currency, listPrices: listPrices,
                targets: QuoteTargets(prices: targets, comment: context.form["comment"] ?? ""))
            return .redirect(to: "/quotes/\(id)?sent=1", type: .normal)
        } catch let error as ValidationError {
            return try await renderNew(request, context: context, values: values, errors: t.fieldMessages(error), error: nil, status: .unprocessableContent)
                .response(from: request, context: context)
        } catch let error as DomainError where error.kind != .notFound {
            return try await renderNew(
                request, context: context, values: values, errors: [:], error: t.message(for: error),
                status: error.kind == .conflict ? .conflict : .unprocessableContent
            ).response(from: request, context: context)
        }
    }

    func loadQuote(_ context: WholesailRequestContext) async throws -> QuoteDetail {
        guard let id = context.parameters.get("quote", as: Int64.self), let quote = try await database.quote(id: id, today: Self.today()) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        return quote
    }

    /// The page both sides see, with the forms of the side looking.
    func renderQuote(
        _ request: Request, context: WholesailRequestContext, quote: QuoteDetail, staff: Bool, values: [String: String] = [:],
        errors: [String: String] = [:], error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let currency = quote.summary.currency
        let shown = quote.summary.status
        let numbers = try await database.partNumbers(counterpartyId: quote.summary.counterpartyId, productIds: quote.lines.map(\.productId))
        func amount(_ price: Int64?, _ qty: Int64) -> String {
            price.map { format.money(Money(minorUnits: $0, currency: currency).multiplied(by: ExactDecimal(units: qty, scale: 1000)).minorUnits, currency) } ?? ""
        }
        let lines = quote.lines.enumerated().map { index, line -> [String: Any] in
            [
                "no": index + 1, "id": line.id, "productId": line.productId, "sku": line.sku, "name": line.name, "customerSku": numbers[line.productId] ?? "",
                "qty": format.quantity(line.qtyMilli), "unit": line.unit,
                "list": line.listPriceMinor.map { format.money($0, currency) } ?? "",
                "target": line.targetPriceMinor.map { format.money($0, currency) } ?? "",
                "quoted": line.quotedPriceMinor.map { format.money($0, currency) } ?? "",
                "amount": amount(line.quotedPriceMinor, line.qtyMilli),
                "input": values["price_\(line.id)"] ?? Self.priceText(staff ? (line.quotedPriceMinor ?? line.targetPriceMinor) : line.targetPriceMinor, currency),
                "error": errors["price_\(line.id)"] ?? "",
            ]
        }
        let rounds = quote.rounds.map { round -> [String: Any] in
            let prices = quote.lines.compactMap { line in round.prices[line.id].map { ["sku": line.sku, "price": format.money($0, currency)] } }
            return [
                "who": round.side == "manager" ? t["quote.side_manager"] : t["quote.side_buyer"], "author": round.author,
                "action": t["quote.action_" + round.action], "comment": round.comment, "at": String(round.at.prefix(16)),
                "validUntil": round.validUntil ?? "", "manager": round.side == "manager",
                "prices": prices, "hasPrices": !prices.isEmpty,
            ]
        }
        var page: [String: Any] = [
            "title": "\(t["quote.title"]) \(quote.summary.number)", "number": quote.summary.number, "id": quote.summary.id,
            "company": quote.summary.company, "buyer": quote.summary.buyer, "manager": quote.manager ?? "",
            "status": statusText(shown, t), "statusCode": shown.rawValue, "expired": shown == .expired,
            "validUntil": quote.summary.validUntil ?? "", "total": quote.summary.totalMinor.map { format.money($0, currency) } ?? "",
            "lines": lines, "rounds": rounds, "staff": staff, "orderId": quote.summary.orderId ?? 0, "orderNumber": quote.orderNumber ?? "",
            "hasOrder": quote.summary.orderId != nil, "currency": currency,
            "canAccept": !staff && shown.acceptable, "canAnswer": !staff && shown.buyerMayAnswer,
            "canOffer": staff && shown.managerMayOffer, "minDate": Self.today(),
            "validInput": values["validUntil"] ?? Self.defaultValidity(), "comment": values["comment"] ?? "",
            "errors": errors, "error": error ?? "", "hasError": error != nil || !errors.isEmpty,
            "sent": request.uri.queryParameters["sent"] != nil, "offered": request.uri.queryParameters["offered"] != nil,
            "key": UUID().uuidString,
        ]
        if !staff && shown.acceptable {
            let addresses = try await database.deliveryAddresses(counterpartyId: quote.summary.counterpartyId)
            let regionId = try await database.orderingCompanies(userId: context.requireSignedIn().userId)
                .first { $0.id == quote.summary.counterpartyId }?.regionId
            let warehouses = try await database.pickupWarehouses(regionId: regionId)
            page["addresses"] = addresses.map { ["id": $0.id, "address": $0.address, "selected": $0.isDefault] as [String: Any] }
            page["hasAddresses"] = !addresses.isEmpty
            page["warehouses"] = warehouses.map { ["id": $0.id, "name": $0.name] as [String: Any] }
            page["pickupDefault"] = addresses.isEmpty
        }
        return renderer.render("quote", page, request: request, context: context, status: status)
    }

    /// Offers are valid for a week unless the manager says otherwise.
    static func defaultValidity() -> String {
        let date = Calendar.current.date(byAdding: .day, value: 7, to: Date()) ?? Date()
        let c = Calendar.current.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    @Sendable func show(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderQuote(request, context: context, quote: try await loadQuote(context), staff: false)
    }

    @Sendable func accept(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("quotes.request")
        let quote = try await loadQuote(context)
        let t = renderer.localizer(context.language)
        guard var form = CartPagesController.checkoutForm(context.form, fallbackCompany: quote.summary.counterpartyId) else { throw HTTPError(.badRequest) }
        form.counterpartyId = quote.summary.counterpartyId
        var override = false
        if context.form["creditOverride"] == "1" { override = try await CartPagesController.mayOverrideCredit(principal, database: database) }
        do {
            let placed = try await carts.placeQuote(
                principal: principal, form: form, quoteId: quote.summary.id,
                idempotencyKey: context.form["idempotencyKey"].map { String($0.prefix(100)) }, creditOverride: override)
            return .redirect(to: "/orders/\(placed.id)?placed=1", type: .normal)
        } catch let error as ValidationError {
            let messages = t.fieldMessages(error).sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")
            return try await renderQuote(request, context: context, quote: quote, staff: false, error: messages, status: .unprocessableContent)
                .response(from: request, context: context)
        } catch let error as DomainError where error.kind != .notFound {
            return try await renderQuote(
                request, context: context, quote: try await loadQuote(context), staff: false, error: t.message(for: error),
                status: error.kind == .conflict ? .conflict : .unprocessableContent
            ).response(from: request, context: context)
        }
    }

    @Sendable func counter(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("quotes.request")
        let quote = try await loadQuote(context)
        let t = renderer.localizer(context.language)
        let values = context.echoedForm(limit: 5000)
        let (targets, bad) = Self.prices(context.form, lineIds: quote.lines.map(\.id), currency: quote.summary.currency)
        if !bad.isEmpty {
            let errors = Dictionary(uniqueKeysWithValues: bad.map { ("price_\($0)", t.message(code: "quote.bad_price", fallback: "Enter an amount.")) })
            return try await renderQuote(request, context: context, quote: quote, staff: false, values: values, errors: errors, status: .unprocessableContent)
                .response(from: request, context: context)
        }
        // Only the targets that changed make the new round.
        let changed = targets.filter { id, price in quote.lines.first { $0.id == id }?.targetPriceMinor != price }
        do {
            try await database.counterQuote(
                id: quote.summary.id, principal: principal, targets: QuoteTargets(prices: changed, comment: context.form["comment"] ?? ""), today: Self.today())
        } catch let error as ValidationError {
            return try await renderQuote(
                request, context: context, quote: quote, staff: false, values: values, errors: t.fieldMessages(error), status: .unprocessableContent
            ).response(from: request, context: context)
        } catch let error as DomainError where error.kind == .conflict {
            return try await renderQuote(request, context: context, quote: quote, staff: false, error: t.message(for: error), status: .conflict)
                .response(from: request, context: context)
        }
        return .redirect(to: "/quotes/\(quote.summary.id)?sent=1", type: .normal)
    }

    @Sendable func decline(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("quotes.request")
        let quote = try await loadQuote(context)
        do {
            try await database.declineQuote(id: quote.summary.id, principal: principal, comment: context.form["comment"] ?? "", today: Self.today())
        } catch let error as DomainError where error.kind == .conflict {
            let t = renderer.localizer(context.language)
            return try await renderQuote(request, context: context, quote: quote, staff: false, error: t.message(for: error), status: .conflict)
                .response(from: request, context: context)
        }
        return .redirect(to: "/quotes/\(quote.summary.id)", type: .normal)
    }

    // MARK: Manager

    @Sendable func queue(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("quotes.answer")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let all = request.uri.queryParameters["all"] != nil
        let companies: Set<Int64>? = principal.seesAllCustomers ? nil : principal.serves
        let quotes = companies?.isEmpty == true ? [] : try await database.quotes(
            counterparties: companies, statuses: all ? nil : ["requested"], today: Self.today())
        return renderer.render(
            "staff-quotes",
            [
                "title": t["quote.queue_title"], "quotes": quotes.map { summaryRow($0, format: format, t: t, staff: true) }, "hasQuotes": !quotes.isEmpty,
                "all": all,
            ], request: request, context: context)
    }

    @Sendable func staffShow(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderQuote(request, context: context, quote: try await loadQuote(context), staff: true)
    }

    @Sendable func offer(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("quotes.answer")
        let quote = try await loadQuote(context)
        let t = renderer.localizer(context.language)
        let values = context.echoedForm(limit: 5000)
        let (prices, bad) = Self.prices(context.form, lineIds: quote.lines.map(\.id), currency: quote.summary.currency)
        var errors = Dictionary(uniqueKeysWithValues: bad.map { ("price_\($0)", t.message(code: "quote.bad_price", fallback: "Enter an amount.")) })
        if errors.isEmpty {
            do {
                try await database.offerQuote(
                    id: quote.summary.id, principal: principal, prices: prices, validUntil: (context.form["validUntil"] ?? "").trimmingCharacters(in: .whitespaces),
                    comment: context.form["comment"] ?? "", today: Self.today())
                return .redirect(to: "/staff/quotes/\(quote.summary.id)?offered=1", type: .normal)
            } catch let error as ValidationError {
                errors = t.fieldMessages(error)
            } catch let error as DomainError where error.kind == .conflict {
                return try await renderQuote(request, context: context, quote: quote, staff: true, error: t.message(for: error), status: .conflict)
                    .response(from: request, context: context)
            }
        }
        return try await renderQuote(request, context: context, quote: quote, staff: true, values: values, errors: errors, status: .unprocessableContent)
            .response(from: request, context: context)
    }
}
