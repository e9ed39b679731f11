import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Shared shopping lists (requisition lists) of a company: for everyone in it or for chosen
/// colleagues; whoever may use a list adds to it and turns it into their cart.
struct ShoppingListsController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let carts: CartService

    func mount(on routes: Routes) {
        routes.get("/lists", .permission("orders.place"), use: index)
        routes.post("/lists", .permission("orders.place"), use: create)
        routes.post("/lists/add", .permission("orders.place"), use: addFromCard)
        routes.get("/lists/:list", .owned(.shoppingList, parameter: "list", permission: "orders.place"), use: show)
        routes.post("/lists/:list/items", .owned(.shoppingList, parameter: "list", permission: "orders.place"), use: addBySKU)
        routes.post("/lists/:list/lines", .owned(.shoppingList, parameter: "list", permission: "orders.place"), use: updateLines)
        routes.post("/lists/:list/to-cart", .owned(.shoppingList, parameter: "list", permission: "orders.place"), use: toCart)
        routes.post("/lists/:list/settings", .owned(.shoppingList, parameter: "list", permission: "orders.place"), use: settings)
        routes.post("/lists/:list/delete", .owned(.shoppingList, parameter: "list", permission: "orders.place"), use: delete)
    }

    /// The company the lists page is about: the session's current one.
    static func currentCompany(_ context: WholesailRequestContext) throws -> Int64 {
        let principal = try context.requireSignedIn()
        guard let id = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil), principal.memberOf.contains(id)
        else { throw DomainError(.conflict, code: "company.none_selected", message: "Choose the company you work for in your account first.") }
        try context.require("orders.place", on: .counterparty(id))
        return id
    }

    /// A buyer admin of the list's company may change any of its lists.
    static func manages(_ principal: Principal, company: Int64) -> Bool {
        AccessPolicy.decide(principal, "users.manage_company", on: .counterparty(company)) == .allow
    }

    func listId(_ context: WholesailRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("list", as: Int64.self) else { throw HTTPError(.notFound) }
        return id
    }

    func members(_ form: [String: String]) -> Set<Int64> {
        Set(form.compactMap { key, value in key.hasPrefix("member_") && value == "1" ? Int64(key.dropFirst("member_".count)) : nil })
    }

    @Sendable func index(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderIndex(request, context: context, values: [:], errors: [:])
    }

    func renderIndex(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let principal = try context.require("orders.place")
        let company = try Self.currentCompany(context)
        let t = renderer.localizer(context.language)
        let lists = try await database.shoppingLists(userId: principal.userId, counterpartyId: company)
        let colleagues = try await database.companyUsers(counterpartyId: company).filter { $0.id != principal.userId && $0.status == "active" }
        let card = try await database.counterpartyCard(id: company)
        return renderer.render(
            "lists",
            [
                "title": t["list.title"], "company": card?.name ?? "",
                "lists": lists.map { list in
                    [
                        "id": list.id, "name": list.name, "owner": list.ownerUserId == principal.userId ? t["list.owner_you"] : list.owner,
                        "sharing": t["list.sharing_" + list.sharing], "lines": list.lineCount, "date": String(list.updatedAt.prefix(16)),
                    ] as [String: Any]
                },
                "hasLists": !lists.isEmpty,
                "colleagues": colleagues.map { ["id": $0.id, "name": $0.fullName.isEmpty ? $0.email : $0.fullName, "email": $0.email] as [String: Any] },
                "hasColleagues": !colleagues.isEmpty, "values": values, "errors": errors, "hasError": !errors.isEmpty,
                "members": values["sharing"] == "members",
            ], request: request, context: context, status: status)
    }

    @Sendable func create(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let f = context.form
        let fromCart = f["from_cart"] == "1"
        // From the cart, the list belongs to the cart's company; otherwise to the current one.
        var company: Int64
        if fromCart, let cartCompany = try await carts.view(for: principal).cart.counterpartyId {
            company = cartCompany
            try context.require("orders.place", on: .counterparty(company))
        } else {
            company = try Self.currentCompany(context)
        }
        do {
            let id = try await database.createShoppingList(
                principal: principal, counterpartyId: company, name: f["name"] ?? "", sharing: f["sharing"] ?? "company", members: members(f),
                fromCart: fromCart)
            return .redirect(to: "/lists/\(id)", type: .normal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderIndex(request, context: context, values: context.echoedForm(limit: 500), errors: t.fieldMessages(error), status: .unprocessableContent)
                .response(from: request, context: context)
        }
    }

    @Sendable func show(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderList(request, context: context, id: try listId(context))
    }

    func renderList(
        _ request: Request, context: WholesailRequestContext, id: Int64, error: String? = nil, problems: [[String: String]] = [],
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let principal = try context.require("orders.place")
        guard let list = try await database.shoppingList(id: id, userId: principal.userId) else {
            throw DomainError(.notFound, code: "list.not_found", message: "The shopping list was not found.")
        }
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let mayChange = list.summary.ownerUserId == principal.userId || Self.manages(principal, company: list.counterpartyId)
        let colleagues = mayChange ? try await database.companyUsers(counterpartyId: list.counterpartyId).filter { $0.id != list.summary.ownerUserId } : []
        let numbers = try await database.partNumbers(counterpartyId: list.counterpartyId, productIds: list.lines.map(\.productId))
        return renderer.render(
            "list",
            [
                "title": list.summary.name, "id": id, "name": list.summary.name, "owner": list.summary.owner,
                "sharing": t["list.sharing_" + list.summary.sharing], "companyWide": list.summary.sharing == "company",
                "lines": list.lines.map { line in
                    [
                        "id": line.id, "productId": line.productId, "sku": line.sku, "name": line.name, "unit": line.unit, "qty": format.quantity(line.qtyMilli),
                        "addedBy": line.addedBy, "unavailable": !line.available, "customerSku": numbers[line.productId] ?? "",
                    ] as [String: Any]
                },
                "hasLines": !list.lines.isEmpty, "mayChange": mayChange,
                "colleagues": colleagues.map {
                    ["id": $0.id, "name": $0.fullName.isEmpty ? $0.email : $0.fullName, "checked": list.memberIds.contains($0.id)] as [String: Any]
                },
                "hasColleagues": !colleagues.isEmpty, "error": error ?? "", "hasError": error != nil,
                "problems": problems, "hasProblems": !problems.isEmpty, "added": request.uri.queryParameters["added"] != nil,
                "skipped": request.uri.queryParameters["skipped"].map(String.init) ?? "",
            ], request: request, context: context, status: status)
    }

    /// From a product card: the list is chosen in the form (`list_id`); a list the user may not use answers 404.
    @Sendable func addFromCard(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let f = context.form
        guard let list = f["list_id"].flatMap({ Int64($0) }), let productId = f["product_id"].flatMap({ Int64($0) }) else {
            throw DomainError(.malformed, code: "list.not_found", message: "The shopping list was not found.")
        }
        let qty = try Self.quantity(f["qty"])
        try await ensureVisible(productId, principal: principal)
        try await database.addToShoppingList(id: list, userId: principal.userId, productId: productId, unitId: f["unit_id"].flatMap { Int64($0) }, qtyMilli: qty)
        return .redirect(to: CartPagesController.appending(CartPagesController.backPath(f["back"], fallback: "/lists/\(list)"), "listed=1"), type: .normal)
    }

    static func quantity(_ raw: String?) throws -> Int64? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let parsed = Quantity.milli(parsing: raw) else {
            throw DomainError(.invalid, code: "cart.qty_invalid", message: "Enter a quantity greater than zero.")
        }
        return parsed
    }

    func ensureVisible(_ productId: Int64, principal: Principal) async throws {
        if try await carts.pricing.view(for: principal).hides(productId) {
            throw DomainError(.invalid, code: "cart.product_not_in_region", message: "This product is not sold to your region.", values: ["sku": String(productId)])
        }
    }

    /// On the list page: codes and quantities, one per line as in quick order (our stock numbers,
    /// articles, barcodes or the company's own numbers).
    @Sendable func addBySKU(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let id = try listId(context)
        guard let list = try await database.shoppingList(id: id, userId: principal.userId) else {
            throw DomainError(.notFound, code: "list.not_found", message: "The shopping list was not found.")
        }
        let t = renderer.localizer(context.language)
        let entries = QuickOrderText.parse(String((context.form["skus"] ?? "").prefix(100_000)))
        guard !entries.isEmpty else {
            return try await renderList(request, context: context, id: id, error: t["quick.nothing"], status: .unprocessableContent)
                .response(from: request, context: context)
        }
        let found = try await database.productsByCode(entries.map(\.sku), counterpartyId: list.counterpartyId)
        let prices = try await carts.pricing.view(for: principal)
        var problems: [[String: String]] = []
        for entry in entries {
            if let bad = entry.badQuantity {
                problems.append(["sku": entry.sku, "message": t.format("quick.bad_qty", ["qty": String(bad.prefix(40))])])
                continue
            }
            guard let product = found[entry.sku.lowercased()], !prices.hides(product.id) else {
                problems.append(["sku": entry.sku, "message": t["quick.unknown"]])
                continue
            }
            do {
                try await database.addToShoppingList(id: id, userId: principal.userId, productId: product.id, unitId: nil, qtyMilli: entry.qtyMilli)
            } catch let error as DomainError where error.kind != .notFound {
                problems.append(["sku": entry.sku, "message": t.message(for: error)])
            }
        }
        if !problems.isEmpty {
            return try await renderList(request, context: context, id: id, problems: problems, status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/lists/\(id)?added=1", type: .normal)
    }

    @Sendable func updateLines(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let id = try listId(context)
        guard let list = try await database.shoppingList(id: id, userId: principal.userId) else {
            throw DomainError(.notFound, code: "list.not_found", message: "The shopping list was not found.")
        }
        let t = renderer.localizer(context.language)
        for line in list.lines {
            guard let raw = context.form["qty_\(line.id)"] else { continue }
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            guard let qty: Int64 = trimmed == "0" ? 0 : Quantity.milli(parsing: trimmed) else {
                return try await renderList(request, context: context, id: id, error: "\(line.sku): \(t.message(code: "cart.qty_invalid", fallback: "Enter a quantity."))", status: .unprocessableContent)
                    .response(from: request, context: context)
            }
            if qty == line.qtyMilli { continue }
            do {
                try await database.updateShoppingListLine(id: id, userId: principal.userId, lineId: line.id, qtyMilli: qty)
            } catch let error as DomainError where error.kind != .notFound {
                return try await renderList(request, context: context, id: id, error: "\(line.sku): \(t.message(for: error))", status: .unprocessableContent)
                    .response(from: request, context: context)
            }
        }
        return .redirect(to: "/lists/\(id)", type: .normal)
    }

    @Sendable func toCart(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let skipped = try await database.shoppingListToCart(id: try listId(context), userId: principal.userId)
        let query = skipped.isEmpty ? "" : "?skipped=" + (skipped.joined(separator: ",").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return .redirect(to: "/cart" + query, type: .normal)
    }

    @Sendable func settings(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let id = try listId(context)
        guard let list = try await database.shoppingList(id: id, userId: principal.userId) else {
            throw DomainError(.notFound, code: "list.not_found", message: "The shopping list was not found.")
        }
        let f = context.form
        do {
            try await database.updateShoppingList(
                id: id, principal: principal, manager: Self.manages(principal, company: list.counterpartyId), name: f["name"] ?? list.summary.name,
                sharing: f["sharing"] ?? list.summary.sharing, members: members(f))
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderList(request, context: context, id: id, error: t.fieldMessages(error).values.sorted().joined(separator: " "), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/lists/\(id)", type: .normal)
    }

    @Sendable func delete(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let id = try listId(context)
        guard let list = try await database.shoppingList(id: id, userId: principal.userId) else {
            throw DomainError(.notFound, code: "list.not_found", message: "The shopping list was not found.")
        }
        try await database.deleteShoppingList(id: id, principal: principal, manager: Self.manages(principal, company: list.counterpartyId))
        return .redirect(to: "/lists", type: .normal)
    }
}
