import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The buyer's cart, quick order, saved carts and checkout, as pages.
struct CartPagesController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let carts: CartService
    /// The delivery estimate shown at checkout (nil: none shown).
    var delivery: DeliveryQuoter?

    func mount(on routes: Routes) {
        routes.get("/cart", .open, use: cart)
        routes.post("/cart/add", .permission("orders.place"), use: add)
        routes.post("/cart/update", .permission("orders.place"), use: update)
        routes.post("/cart/lines/:line/delete", .permission("orders.place"), use: deleteLine)
        routes.post("/cart/clear", .permission("orders.place"), use: clear)
        routes.post("/cart/counterparty", .permission("orders.place"), use: switchCompany)
        routes.post("/cart/promocode", .permission("orders.place"), use: promocode)
        routes.post("/cart/save", .permission("orders.place"), use: save)
        routes.get("/cart/export.csv", .permission("orders.place"), use: exportCSV)
        routes.get("/cart/export.xlsx", .permission("orders.place"), use: exportXLSX)
        routes.get("/quick-order", .permission("orders.place"), use: quickOrder)
        routes.post("/quick-order", .permission("orders.place"), use: quickOrderText)
        routes.post("/quick-order/upload", .permission("orders.place"), use: quickOrderUpload)
        routes.post("/quick-order/add", .permission("orders.place"), use: quickOrderAdd)
        routes.get("/quick-order/template.csv", .open, use: templateCSV)
        routes.get("/quick-order/template.xlsx", .open, use: templateXLSX)
        routes.get("/account/carts", .permission("orders.place"), use: savedCarts)
        routes.get("/account/carts/:cart", .permission("orders.place"), use: savedCart)
        routes.post("/account/carts/:cart/load", .permission("orders.place"), use: loadSaved)
        routes.post("/account/carts/:cart/delete", .permission("orders.place"), use: deleteSaved)
        routes.get("/checkout", .permission("orders.place"), use: checkout)
        routes.post("/checkout", .permission("orders.place"), use: placeOrder)
        routes.post("/cart/one-click", .permission("orders.place"), use: oneClick)
        routes.post("/lead", .open, use: lead)
    }

    // MARK: The cart page

    @Sendable func cart(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderCart(request, context: context)
    }

    func renderCart(
        _ request: Request, context: WholesailRequestContext, error: String? = nil, lineErrors: [Int64: String] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        guard let principal = context.principal, principal.permissions.contains("orders.place") else {
            return renderer.render(
                "cart-guest",
                ["title": t["cart.title"], "signedIn": context.principal != nil, "leadSent": request.uri.queryParameters["lead"] != nil,
                 "values": context.echoedForm(limit: 2000), "error": error ?? ""],
                request: request, context: context, status: status)
        }
        let view = try await carts.view(for: principal)
        let format = Formatter(language: context.language, localizer: t)
        let currency = view.priced.currency
        let units = try await database.unitChoices(productIds: view.cart.lines.map(\.productId))
        let ownNumbers = try await database.partNumbers(counterpartyId: view.cart.counterpartyId, productIds: view.cart.lines.map(\.productId))
        // "Why this price": the buyer's own agreement only (the cart company's), plain reasons.
        let names = try await database.priceExplanationNames(agreementId: view.context.agreementId, counterpartyId: view.context.counterpartyId)
        let snapshot = carts.pricing.matrix.snapshot
        let lines = zip(view.cart.lines, view.priced.lines).map { line, priced -> [String: Any] in
            let why = format.reasons(
                PriceExplainer.lineReasons(priced, cart: view.priced, context: view.context, snapshot: snapshot, names: names), currency: currency, t: t)
            return [
                "why": why.map { ["text": $0] }, "hasWhy": !why.isEmpty,
                "id": line.id, "productId": line.productId, "sku": line.sku, "customerSku": ownNumbers[line.productId] ?? "", "name": line.name, "image": line.imageSha256 ?? "",
                "qty": Quantity.text(milli: line.qtyMilli), "unit": line.unit,
                "units": (units[line.productId] ?? []).map { ["id": $0.id, "name": $0.name, "selected": $0.id == line.unitId] as [String: Any] },
                "step": Quantity.text(milli: line.rule.stepMilli), "min": Quantity.text(milli: line.rule.minMilli),
                "price": priced.unitPriceMinor.map { format.money($0, currency) } ?? "",
                "amount": format.money(priced.amountMinor, currency),
                "discount": priced.discountMinor > 0 ? format.money(priced.discountMinor, currency) : "",
                "noPrice": priced.unitPriceMinor == nil, "hidden": priced.hidden, "unavailable": !line.available,
                "short": view.shortage(of: line),
                "stock": format.quantity(view.availability[line.productId]?.regionalMilli ?? 0),
                "baseUnit": units[line.productId]?.first?.name ?? line.unit,
                "error": lineErrors[line.id] ?? "",
            ]
        }
        var thresholdText = ""
        if let applied = view.priced.appliedThreshold {
            thresholdText = t.format("cart.threshold_applied", ["amount": format.money(applied.minTotalMinor, currency)])
        }
        var nextText = ""
        if let next = view.priced.nextThreshold {
            nextText = t.format("cart.threshold_next", ["amount": format.money(next.missingMinor, currency)])
        }
        let purchasing = try await ApprovalsController.purchasingNotice(
            database: database, principal: principal, counterpartyId: view.cart.counterpartyId, totalMinor: view.priced.totalMinor, currency: currency,
            productIds: view.cart.lines.map(\.productId), t: t, format: format)
        var promoText = ""
        var promoApplied = false
        switch view.priced.promocode {
        case .applied(let code, let discount)?:
            promoText = t.format("cart.promocode_applied", ["code": code, "amount": format.money(discount, currency)])
            promoApplied = true
        case .notApplied(let code, let reason, let values)?:
            var message = t.message(code: reason, fallback: reason)
            for (name, value) in values { message = message.replacingOccurrences(of: "{\(name)}", with: value) }
            promoText = "\(code): \(message)"
        case nil: break
        }
        let cartWhy = format.reasons(PriceExplainer.cartReasons(view.priced, names: names), currency: currency, t: t)
        return renderer.render(
            "cart",
            [
                "title": t["cart.title"], "lines": lines, "hasLines": !lines.isEmpty,
                "subtotal": format.money(view.priced.subtotalMinor, currency),
                "discount": view.priced.discountMinor > 0 ? format.money(view.priced.discountMinor, currency) : "",
                "total": format.money(view.priced.totalMinor, currency), "vat": format.money(view.priced.vatMinor, currency),
                "threshold": thresholdText, "nextThreshold": nextText, "promocode": view.cart.promocode ?? "", "promoText": promoText,
                "cartWhy": cartWhy.map { ["text": $0] }, "hasCartWhy": !cartWhy.isEmpty,
                "promoApplied": promoApplied, "orderable": view.priced.isOrderable,
                "companies": view.companies.map { ["id": $0.id, "name": $0.name, "selected": $0.id == view.cart.counterpartyId] as [String: Any] },
                "manyCompanies": view.companies.count > 1, "noCompany": view.companies.isEmpty,
                "company": view.companies.first { $0.id == view.cart.counterpartyId }?.name ?? "",
                "version": view.cart.version, "error": error ?? "", "hasError": error != nil,
                "added": request.uri.queryParameters["added"] != nil, "saved": request.uri.queryParameters["saved"] != nil,
                "skipped": request.uri.queryParameters["skipped"].map(String.init) ?? "",
                "key": UUID().uuidString, "purchasing": purchasing,
            ], request: request, context: context, status: status)
    }

    /// The units each product can be ordered in, the base unit first.
    static func backPath(_ raw: String?, fallback: String) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\"), raw.count < 500 else { return fallback }
        return raw
    }

    static func appending(_ path: String, _ query: String) -> String {
        path + (path.contains("?") ? "&" : "?") + query
    }

    @Sendable func add(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let f = context.form
        guard let productId = f["product_id"].flatMap({ Int64($0) }) else {
            throw DomainError(.malformed, code: "cart.product_not_found", message: "The product was not found.")
        }
        var qty: Int64?
        if let raw = f["qty"], !raw.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let parsed = Quantity.milli(parsing: raw) else {
                throw DomainError(.invalid, code: "cart.qty_invalid", message: "Enter a quantity greater than zero.")
            }
            qty = parsed
        }
        try await ensureVisible(productId, principal: principal)
        try await database.addToCart(userId: principal.userId, productId: productId, unitId: f["unit_id"].flatMap { Int64($0) }, qtyMilli: qty)
        return .redirect(to: Self.appending(Self.backPath(f["back"], fallback: "/cart"), "added=1"), type: .normal)
    }

    /// A product hidden from the buyer (another region's catalog, a rule) cannot be put in the cart.
    func ensureVisible(_ productId: Int64, principal: Principal) async throws {
        let view = try await carts.pricing.view(for: principal)
        if view.hides(productId) {
            throw DomainError(.invalid, code: "cart.product_not_in_region", message: "This product is not sold to your region.", values: ["sku": String(productId)])
        }
    }

    @Sendable func update(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let cart = try await database.workingCart(userId: principal.userId)
        var errors: [Int64: String] = [:]
        let t = renderer.localizer(context.language)
        for line in cart.lines {
            guard let raw = context.form["qty_\(line.id)"] else { continue }
            let unit = context.form["unit_\(line.id)"].flatMap { Int64($0) }
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            let qty: Int64? = trimmed == "0" ? 0 : Quantity.milli(parsing: trimmed)
            guard let qty else {
                errors[line.id] = t.message(code: "cart.qty_invalid", fallback: "Enter a quantity greater than zero.")
                continue
            }
            if qty == line.qtyMilli && (unit == nil || unit == line.unitId) { continue }
            do {
                try await database.updateCartLine(userId: principal.userId, lineId: line.id, qtyMilli: qty, unitId: unit)
            } catch let error as DomainError {
                errors[line.id] = t.message(for: error)
            }
        }
        if !errors.isEmpty {
            let html = try await renderCart(request, context: context, error: t["cart.fix_lines"], lineErrors: errors, status: .unprocessableContent)
            return try html.response(from: request, context: context)
        }
        return .redirect(to: "/cart", type: .normal)
    }

    @Sendable func deleteLine(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let line = context.parameters.get("line", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.updateCartLine(userId: principal.userId, lineId: line, qtyMilli: 0)
        return .redirect(to: "/cart", type: .normal)
    }

    @Sendable func clear(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        try await database.clearCart(userId: principal.userId)
        return .redirect(to: "/cart", type: .normal)
    }

    @Sendable func switchCompany(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let id = context.form["counterparty_id"].flatMap({ Int64($0) }) else {
            throw DomainError(.malformed, code: "cart.counterparty_not_yours", message: "You do not order for this company.")
        }
        try await database.setCartCounterparty(userId: principal.userId, counterpartyId: id)
        return .redirect(to: Self.backPath(context.form["back"], fallback: "/cart"), type: .normal)
    }

    @Sendable func promocode(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        do {
            try await database.setCartPromocode(userId: principal.userId, code: context.form["code"])
        } catch let error as DomainError {
            let t = renderer.localizer(context.language)
            return try await renderCart(request, context: context, error: t.message(for: error), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/cart", type: .normal)
    }

    @Sendable func save(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        do {
            try await database.saveCart(userId: principal.userId, name: context.form["name"] ?? "")
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderCart(request, context: context, error: t.fieldMessages(error).values.first ?? "", status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/account/carts?saved=1", type: .normal)
    }

    /// The cart as a CSV file (semicolon-separated, UTF-8 with BOM: opens in Excel as is).
    @Sendable func exportCSV(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let view = try await carts.view(for: principal)
        let t = renderer.localizer(context.language)
        var rows = [[t["cart.col_sku"], t["cart.col_name"], t["cart.col_qty"], t["cart.col_unit"], t["cart.col_price"], t["cart.col_discount"], t["cart.col_amount"]]]
        for (line, priced) in zip(view.cart.lines, view.priced.lines) {
            rows.append([
                line.sku, line.name, Quantity.text(milli: line.qtyMilli), line.unit,
                priced.unitPriceMinor.map { Money(minorUnits: $0, currency: view.priced.currency).decimalString } ?? "",
                Money(minorUnits: priced.discountMinor, currency: view.priced.currency).decimalString,
                Money(minorUnits: priced.totalMinor, currency: view.priced.currency).decimalString,
            ])
        }
        rows.append(["", t["cart.total"], "", "", "", "", Money(minorUnits: view.priced.totalMinor, currency: view.priced.currency).decimalString])
        return CSVFile.response(rows: rows, fileName: "cart.csv")
    }

    /// The cart as an Excel workbook: the company, the date, lines with prices, totals; printable
    /// (A4, fit to width, the header repeated on each page).
    @Sendable func exportXLSX(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let view = try await carts.view(for: principal)
        let t = renderer.localizer(context.language)
        let currency = view.priced.currency
        var sheet = XLSXSheet(name: t["cart.title"])
        sheet.columns = [
            XLSXColumn(width: 16), XLSXColumn(width: 52), XLSXColumn(width: 10, format: .decimal(places: 3)), XLSXColumn(width: 8),
            XLSXColumn(width: 14, format: .money), XLSXColumn(width: 12, format: .money), XLSXColumn(width: 16, format: .money),
        ]
        let company = view.companies.first { $0.id == view.cart.counterpartyId }?.name ?? ""
        sheet.addTitle("\(t["cart.title"]) — \(company)")
        sheet.addTitle("\(principal.fullName.isEmpty ? principal.email : principal.fullName), \(PricingService.today())")
        sheet.addHeader([t["cart.col_sku"], t["cart.col_name"], t["cart.col_qty"], t["cart.col_unit"], t["cart.col_price"], t["cart.col_discount"], t["cart.col_amount"]])
        for (line, priced) in zip(view.cart.lines, view.priced.lines) {
            sheet.addRow([
                .text(line.sku), .text(line.name), .decimal(ExactDecimal(units: line.qtyMilli, scale: 1000), format: .decimal(places: 3)), .text(line.unit),
                priced.unitPriceMinor.map { .money(Money(minorUnits: $0, currency: currency)) } ?? .empty,
                .money(Money(minorUnits: priced.discountMinor, currency: currency)), .money(Money(minorUnits: priced.totalMinor, currency: currency)),
            ])
        }
        sheet.addBlankRow()
        sheet.addRow([.empty, .text(t["cart.vat_included"]), .empty, .empty, .empty, .empty, .money(Money(minorUnits: view.priced.vatMinor, currency: currency))])
        sheet.addRow([.empty, .text(t["cart.total"], bold: true), .empty, .empty, .empty, .empty, .money(Money(minorUnits: view.priced.totalMinor, currency: currency))])
        var workbook = XLSXWriter(title: t["cart.title"])
        workbook.addSheet(sheet)
        return XLSXFile.response(try workbook.data(), fileName: "cart.xlsx")
    }

    // MARK: Quick order

    @Sendable func quickOrder(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        renderQuickOrder(request, context: context, values: [:])
    }

    func renderQuickOrder(
        _ request: Request, context: WholesailRequestContext, values: [String: Any], status: HTTPResponse.Status = .ok
    ) -> HTML {
        let t = renderer.localizer(context.language)
        var page = values
        page["title"] = t["quick.title"]
        return renderer.render("quick-order", page, request: request, context: context, status: status)
    }

    /// Pasted or typed stock numbers: found products go straight to the cart, the rest are listed.
    @Sendable func quickOrderText(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("orders.place")
        let text = String((context.form["skus"] ?? "").prefix(100_000))
        let entries = QuickOrderText.parse(text)
        let t = renderer.localizer(context.language)
        guard !entries.isEmpty else {
            return renderQuickOrder(request, context: context, values: ["error": t["quick.nothing"], "skus": text], status: .unprocessableContent)
        }
        let outcome = try await addEntries(entries.map { ($0.sku, $0.qtyMilli, $0.badQuantity, 0) }, principal: principal, context: context)
        return renderQuickOrder(
            request, context: context,
            values: [
                "skus": outcome.problems.isEmpty ? "" : text, "added": outcome.added, "hasAdded": outcome.added > 0,
                "problems": outcome.problems, "hasProblems": !outcome.problems.isEmpty,
            ])
    }

    /// Adds (sku, qty, bad qty text, row) entries to the cart; returns how many were added and what went wrong.
    func addEntries(
        _ entries: [(sku: String, qty: Int64?, bad: String?, row: Int)], principal: Principal, context: WholesailRequestContext
    ) async throws -> (added: Int, problems: [[String: String]]) {
        let t = renderer.localizer(context.language)
        let outcomes = try await carts.quickAdd(principal: principal, entries: entries.map { ($0.sku, $0.qty, $0.bad) })
        var added = 0
        var problems: [[String: String]] = []
        for (entry, outcome) in zip(entries, outcomes) {
            let message: String
            switch outcome {
            case .added:
                added += 1
                continue
            case .badQuantity(let text): message = t.format("quick.bad_qty", ["qty": String(text.prefix(40))])
            case .unknown: message = t["quick.unknown"]
            case .notInRegion(let sku):
                message = t.message(code: "cart.product_not_in_region", fallback: "Not sold to your region.").replacingOccurrences(of: "{sku}", with: sku)
            case .refused(let error): message = t.message(for: error)
            }
            problems.append(["sku": entry.sku, "row": entry.row > 0 ? String(entry.row) : "", "message": message])
        }
        return (added, problems)
    }

    /// A spreadsheet made from the template: rows are shown for review with editable quantities.
    @Sendable func quickOrderUpload(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("orders.place")
        let t = renderer.localizer(context.language)
        guard let upload = context.uploads["file"], !upload.data.isEmpty else {
            return renderQuickOrder(request, context: context, values: ["uploadError": t["quick.no_file"]], status: .unprocessableContent)
        }
        let rows: [SpreadsheetRow]
        do {
            rows = try QuickOrderSheet.rows(from: upload.data, fileName: upload.fileName ?? "")
        } catch let error as any WholesailError {
            return renderQuickOrder(request, context: context, values: ["uploadError": t.message(for: error)], status: .unprocessableContent)
        }
        let found = try await database.productsByCode(rows.map(\.sku), counterpartyId: try await carts.orderingCompany(for: principal))
        let prices = try await carts.pricing.view(for: principal)
        var review: [[String: Any]] = []
        var problems: [[String: String]] = []
        for row in rows.prefix(QuickOrderText.maxEntries) {
            guard let product = found[row.sku.lowercased()], !prices.hides(product.id) else {
                problems.append(["sku": row.sku, "row": String(row.line), "message": t["quick.unknown"]])
                continue
            }
            guard let qty = row.qty.flatMap(Quantity.milli(parsing:)) else {
                problems.append(["sku": row.sku, "row": String(row.line), "message": t.format("quick.bad_qty", ["qty": String((row.qty ?? "").prefix(40))])])
                continue
            }
            review.append(["index": review.count, "sku": product.sku, "name": product.name, "qty": Quantity.text(milli: qty), "row": row.line])
        }
        return renderQuickOrder(
            request, context: context,
            values: ["review": review, "hasReview": !review.isEmpty, "problems": problems, "hasProblems": !problems.isEmpty, "fileName": upload.fileName ?? ""])
    }

    /// The reviewed rows of an upload go to the cart.
    @Sendable func quickOrderAdd(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("orders.place")
        var entries: [(sku: String, qty: Int64?, bad: String?, row: Int)] = []
        for index in 0..<QuickOrderText.maxEntries {
            guard let sku = context.form["sku_\(index)"] else { break }
            guard context.form["skip_\(index)"] == nil else { continue }
            let raw = context.form["qty_\(index)"] ?? ""
            let qty = Quantity.milli(parsing: raw)
            entries.append((sku, qty, qty == nil ? raw : nil, index + 1))
        }
        let outcome = try await addEntries(entries, principal: principal, context: context)
        return renderQuickOrder(
            request, context: context,
            values: ["added": outcome.added, "hasAdded": outcome.added > 0, "problems": outcome.problems, "hasProblems": !outcome.problems.isEmpty])
    }

    @Sendable func templateXLSX(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let t = renderer.localizer(context.language)
        var sheet = XLSXSheet(name: t["quick.title"])
        sheet.columns = [XLSXColumn(width: 20), XLSXColumn(width: 12)]
        sheet.addHeader([t["quick.col_sku"], t["quick.col_qty"]])
        sheet.addRow([.text("CAB-1"), .integer(10)])
        var workbook = XLSXWriter(title: t["quick.title"])
        workbook.addSheet(sheet)
        return XLSXFile.response(try workbook.data(), fileName: "quick-order.xlsx")
    }

    @Sendable func templateCSV(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let t = renderer.localizer(context.language)
        return CSVFile.response(rows: [[t["quick.col_sku"], t["quick.col_qty"]], ["CAB-1", "10"]], fileName: "quick-order.csv")
    }

    // MARK: Saved carts

    @Sendable func savedCarts(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("orders.place")
        let t = renderer.localizer(context.language)
        let list = try await database.savedCarts(userId: principal.userId)
        return renderer.render(
            "saved-carts",
            [
                "title": t["saved.title"], "carts": list.map { ["id": $0.id, "name": $0.name, "lines": $0.lineCount, "date": String($0.updatedAt.prefix(16))] },
                "hasCarts": !list.isEmpty, "saved": request.uri.queryParameters["saved"] != nil,
            ], request: request, context: context)
    }

    @Sendable func savedCart(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("orders.place")
        guard let id = context.parameters.get("cart", as: Int64.self), let cart = try await database.savedCart(userId: principal.userId, id: id) else {
            throw DomainError(.notFound, code: "cart.saved_not_found", message: "The saved cart was not found.")
        }
        let t = renderer.localizer(context.language)
        return renderer.render(
            "saved-cart",
            [
                "title": cart.name ?? t["saved.title"], "id": id, "name": cart.name ?? "",
                "lines": cart.lines.map { ["sku": $0.sku, "name": $0.name, "qty": Quantity.text(milli: $0.qtyMilli), "unit": $0.unit, "productId": $0.productId, "available": $0.available] as [String: Any] },
            ], request: request, context: context)
    }

    @Sendable func loadSaved(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let id = context.parameters.get("cart", as: Int64.self) else { throw HTTPError(.notFound) }
        let skipped = try await database.loadSavedCart(userId: principal.userId, id: id, replace: context.form["mode"] == "replace")
        let query = skipped.isEmpty ? "" : "?skipped=" + (skipped.joined(separator: ",").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return .redirect(to: "/cart" + query, type: .normal)
    }

    @Sendable func deleteSaved(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let id = context.parameters.get("cart", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.deleteSavedCart(userId: principal.userId, id: id)
        return .redirect(to: "/account/carts", type: .normal)
    }

    // MARK: Checkout

    @Sendable func checkout(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderCheckout(request, context: context, values: [:], errors: [:], error: nil)
    }

    func renderCheckout(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], error: String?,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let principal = try context.require("orders.place")
        let t = renderer.localizer(context.language)
        let view = try await carts.view(for: principal)
        let format = Formatter(language: context.language, localizer: t)
        let companyId = values["counterpartyId"].flatMap { Int64($0) } ?? view.cart.counterpartyId
        let company = view.companies.first { $0.id == companyId } ?? view.companies.first
        let agreements = try await company.asyncMap { try await database.agreements(counterpartyId: $0.id) } ?? []
        let addresses = try await company.asyncMap { try await database.deliveryAddresses(counterpartyId: $0.id) } ?? []
        let warehouses = try await database.pickupWarehouses(regionId: company?.regionId)
        let credit = try await company.asyncMap { try await database.creditState(counterpartyId: $0.id, today: PricingService.today()) }
        let delivery = values["delivery"] ?? "pickup"
        let currency = view.priced.currency
        let purchasing = try await ApprovalsController.purchasingNotice(
            database: database, principal: principal, counterpartyId: company?.id, totalMinor: view.priced.totalMinor, currency: currency,
            productIds: view.cart.lines.map(\.productId), t: t, format: format)
        var creditText = ""
        if let refusal = credit?.refusal(orderMinor: view.priced.totalMinor) { creditText = t.message(for: refusal) }
        // An estimate for delivery to the company's region: the carrier's within its timeout, else the tariff table's.
        var estimate: [String: Any] = [:]
        if let quoter = self.delivery, company?.id == view.cart.counterpartyId,
            let (quote, parcel) = try await quoter.quote(cart: view, userId: principal.userId, addressId: values["deliveryAddressId"].flatMap { Int64($0) })
        {
            estimate = [
                "price": quote.priceMinor == 0 ? t["delivery.free"] : format.money(quote.priceMinor, quote.currency),
                "days": quote.days.map { t.format("delivery.days", ["days": String($0)]) } ?? "",
                "by": quote.source == .carrier ? quote.name : t["delivery.by_tariff"],
                "weight": ExactDecimal(units: parcel.weightGrams, scale: 1000).description, "incomplete": parcel.linesWithoutWeight > 0,
            ]
        }
        return renderer.render(
            "checkout",
            [
                "title": t["checkout.title"], "hasLines": !view.cart.lines.isEmpty, "orderable": view.priced.isOrderable,
                "lines": zip(view.cart.lines, view.priced.lines).map { line, priced in
                    ["sku": line.sku, "name": line.name, "qty": format.quantity(line.qtyMilli), "unit": line.unit,
                     "amount": format.money(priced.totalMinor, currency), "short": view.shortage(of: line)] as [String: Any]
                },
                "total": format.money(view.priced.totalMinor, currency), "vat": format.money(view.priced.vatMinor, currency),
                "discount": view.priced.discountMinor > 0 ? format.money(view.priced.discountMinor, currency) : "",
                "companies": view.companies.map { ["id": $0.id, "name": $0.name, "selected": $0.id == company?.id] as [String: Any] },
                "agreements": agreements.map { agreement in
                    ["id": agreement.id, "title": agreement.title, "selected": values["agreementId"].map { $0 == String(agreement.id) } ?? agreement.isDefault] as [String: Any]
                },
                "addresses": addresses.map { address in
                    ["id": address.id, "address": address.address, "selected": values["deliveryAddressId"].map { $0 == String(address.id) } ?? address.isDefault] as [String: Any]
                },
                "hasAddresses": !addresses.isEmpty,
                "warehouses": warehouses.enumerated().map { index, warehouse in
                    [
                        "id": warehouse.id, "name": warehouse.name, "address": warehouse.address ?? "",
                        "selected": values["warehouseId"].map { $0 == String(warehouse.id) } ?? (index == 0),
                    ] as [String: Any]
                },
                "pickup": delivery == "pickup", "delivery": delivery == "delivery", "carrier": delivery == "carrier",
                "windows": ["09:00–13:00", "13:00–18:00", "18:00–21:00"].map { (window: String) -> [String: Any] in
                    ["value": window, "selected": values["deliveryWindow"] == window]
                },
                "values": values, "errors": errors, "error": error ?? "", "hasError": error != nil || !errors.isEmpty,
                "creditLocked": !creditText.isEmpty, "creditText": creditText,
                "canOverride": try await mayOverrideCredit(principal),
                "version": view.cart.version, "key": values["idempotencyKey"] ?? UUID().uuidString,
                "minDate": PricingService.today() as String,
                "estimate": estimate, "hasEstimate": !estimate.isEmpty, "purchasing": purchasing,
            ], request: request, context: context, status: status)
    }

    /// Managers (acting as the user, or placing for them) may place despite a credit lock.
    func mayOverrideCredit(_ principal: Principal) async throws -> Bool {
        try await Self.mayOverrideCredit(principal, database: database)
    }

    static func mayOverrideCredit(_ principal: Principal, database: WholesailDatabase) async throws -> Bool {
        if principal.permissions.contains("orders.credit_override") { return true }
        guard let staff = principal.impersonatorId, let impersonator = try await database.principal(userId: staff) else { return false }
        return impersonator.permissions.contains("orders.credit_override")
    }

    static func checkoutForm(_ f: [String: String], fallbackCompany: Int64?) -> CheckoutForm? {
        guard let company = f["counterpartyId"].flatMap({ Int64($0) }) ?? fallbackCompany else { return nil }
        let date = (f["deliveryDate"] ?? "").trimmingCharacters(in: .whitespaces)
        return CheckoutForm(
            counterpartyId: company, agreementId: f["agreementId"].flatMap { Int64($0) },
            delivery: CheckoutForm.Delivery(rawValue: f["delivery"] ?? "") ?? .pickup, warehouseId: f["warehouseId"].flatMap { Int64($0) },
            deliveryAddressId: f["deliveryAddressId"].flatMap { Int64($0) }, addressText: f["addressText"] ?? "", consignee: f["consignee"] ?? "",
            contactName: f["contactName"] ?? "", contactPhone: f["contactPhone"] ?? "", deliveryDate: date.isEmpty ? nil : date,
            deliveryWindow: f["deliveryWindow"] ?? "", comment: f["comment"] ?? "", poNumber: f["poNumber"] ?? "")
    }

    @Sendable func placeOrder(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let t = renderer.localizer(context.language)
        let values = context.echoedForm(limit: 5000)
        guard let form = Self.checkoutForm(context.form, fallbackCompany: nil) else {
            return try await renderCheckout(request, context: context, values: values, errors: ["counterpartyId": t["checkout.choose_company"]], error: nil, status: .unprocessableContent)
                .response(from: request, context: context)
        }
        try context.require("orders.place", on: .counterparty(form.counterpartyId))
        var override = false
        if context.form["creditOverride"] == "1" { override = try await mayOverrideCredit(principal) }
        do {
            let placed = try await carts.place(
                principal: principal, form: form, version: context.form["version"], idempotencyKey: context.form["idempotencyKey"].map { String($0.prefix(100)) },
                source: "online", creditOverride: override)
            return .redirect(to: "/orders/\(placed.id)?placed=1" + (placed.pendingApproval ? "&approval=1" : ""), type: .normal)
        } catch let error as ValidationError {
            return try await renderCheckout(request, context: context, values: values, errors: t.fieldMessages(error), error: nil, status: .unprocessableContent)
                .response(from: request, context: context)
        } catch let error as DomainError where error.kind != .notFound {
            var echoed = values
            if error.code == "cart.changed" { echoed["idempotencyKey"] = nil }
            return try await renderCheckout(request, context: context, values: echoed, errors: [:], error: t.message(for: error), status: error.kind == .conflict ? .conflict : .unprocessableContent)
                .response(from: request, context: context)
        }
    }

    /// One click from the cart: the cart's company, its default agreement and address (or the
    /// first pickup warehouse of its region when it has no address).
    @Sendable func oneClick(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let view = try await carts.view(for: principal)
        let t = renderer.localizer(context.language)
        guard let company = view.companies.first(where: { $0.id == view.cart.counterpartyId }) else {
            return try await renderCart(request, context: context, error: t["checkout.choose_company"], status: .unprocessableContent)
                .response(from: request, context: context)
        }
        let addresses = try await database.deliveryAddresses(counterpartyId: company.id)
        var form = CheckoutForm(counterpartyId: company.id)
        if let address = addresses.first(where: \.isDefault) ?? addresses.first {
            form.delivery = .delivery
            form.deliveryAddressId = address.id
        } else {
            form.warehouseId = try await database.pickupWarehouses(regionId: company.regionId).first?.id
        }
        do {
            let placed = try await carts.place(
                principal: principal, form: form, version: context.form["version"], idempotencyKey: context.form["idempotencyKey"].map { String($0.prefix(100)) },
                source: "quick", creditOverride: false)
            return .redirect(to: "/orders/\(placed.id)?placed=1", type: .normal)
        } catch let error as any WholesailError where error.kind != .notFound {
            let message = (error as? ValidationError).map { t.fieldMessages($0).values.sorted().joined(separator: " ") } ?? t.message(for: error)
            return try await renderCart(request, context: context, error: message, status: .unprocessableContent).response(from: request, context: context)
        }
    }

    /// A visitor without an account leaves a phone and an e-mail with what they want to order.
    @Sendable func lead(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let f = context.form
        let t = renderer.localizer(context.language)
        let form = LeadForm(
            name: f["name"] ?? "", phone: f["phone"] ?? "", email: f["email"] ?? "", text: f["skus"] ?? "", consent: f["consent"] == "1")
        do {
            try await database.createLead(form)
        } catch let error as ValidationError {
            let message = t.fieldMessages(error).sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")
            return try await renderCart(request, context: context, error: message, status: .unprocessableContent).response(from: request, context: context)
        }
        return .redirect(to: "/cart?lead=1", type: .normal)
    }
}

/// An Excel file as a download.
enum XLSXFile {
    static func response(_ data: Data, fileName: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                .contentDisposition: ContentDisposition.attachment(fileName: fileName), .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// CSV files the portal offers for download: `;`-separated, UTF-8 with a BOM, formula-looking
/// cells prefixed with an apostrophe so a spreadsheet shows them as text.
enum CSVFile {
    static func cell(_ value: String) -> String {
        var text = value
        // A formula trigger (also the full-width ＝＋－＠ that spreadsheets read as ASCII ones)
        // becomes text behind an apostrophe; plain numbers like -5 stay numbers.
        if XLSXCell.looksLikeFormula(text) || text.first == "\n", Double(text) == nil { text = "'" + text }
        if text.contains(";") || text.contains("\"") || text.contains("\n") || text.contains("\r") {
            text = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    static func response(rows: [[String]], fileName: String) -> Response {
        var text = "\u{FEFF}"
        for row in rows { text += row.map(cell).joined(separator: ";") + "\r\n" }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(fileName)\"", .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
