import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// The cart and orders in JSON (API.md). Amounts are decimal strings; quantities too.
struct OrderingAPIController {
    let database: WholesailDatabase
    let carts: CartService

    func mount(on routes: Routes) {
        routes.get("/api/v1/cart", .permission("orders.place"), use: cart)
        routes.delete("/api/v1/cart", .permission("orders.place"), use: clear)
        routes.post("/api/v1/cart/items", .permission("orders.place"), use: addItem)
        routes.post("/api/v1/cart/items/:line", .permission("orders.place"), use: updateItem)
        routes.delete("/api/v1/cart/items/:line", .permission("orders.place"), use: deleteItem)
        routes.post("/api/v1/cart/quick", .permission("orders.place"), use: quick)
        routes.post("/api/v1/cart/settings", .permission("orders.place"), use: settings)
        routes.post("/api/v1/orders", .permission("orders.place"), use: place)
        routes.get("/api/v1/orders", .permission("orders.view"), use: list)
        routes.get("/api/v1/orders/:order", .owned(.customerOrder, parameter: "order", permission: "orders.view"), use: show)
        routes.post("/api/v1/orders/:order/repeat", .owned(.customerOrder, parameter: "order", permission: "orders.place"), use: repeatOrder)
        routes.post("/api/v1/orders/:order/cancel", .owned(.customerOrder, parameter: "order", permission: "orders.place"), use: cancel)
    }

    typealias PriceDTO = CatalogAPIController.PriceDTO

    static func price(_ minor: Int64, _ currency: String) -> PriceDTO {
        PriceDTO(amount: Money(minorUnits: minor, currency: currency).decimalString, currency: currency)
    }

    struct CartDTO: Encodable {
        struct Line: Encodable {
            var id: Int64
            var productId: Int64
            var sku: String
            var name: String
            var unit: String
            var unitId: Int64
            var qty: String
            var price: PriceDTO?
            var amount: PriceDTO
            var discount: PriceDTO
            var total: PriceDTO
            var available: Bool
            var inStock: Bool

            enum CodingKeys: String, CodingKey {
                case id, sku, name, unit, qty, price, amount, discount, total, available
                case productId = "product_id"
                case unitId = "unit_id"
                case inStock = "in_stock"
            }
        }

        struct Promocode: Encodable {
            var code: String
            var applied: Bool
            var reason: String?
        }

        var counterpartyId: Int64?
        var version: String
        var lines: [Line]
        var subtotal: PriceDTO
        var discount: PriceDTO
        var vat: PriceDTO
        var total: PriceDTO
        var orderable: Bool
        var promocode: Promocode?
        var threshold: PriceDTO?
        var nextThresholdMissing: PriceDTO?
        /// The buyer company's budgets and approvers (GET /api/v1/cart only; omitted elsewhere).
        var budgets: [BudgetDTO]?
        var approvers: [String]?

        struct BudgetDTO: Encodable {
            var costCentre: String?
            var period: String
            var from: String
            var to: String
            var limit: PriceDTO
            var remaining: PriceDTO
            var exceededByCart: Bool

            enum CodingKeys: String, CodingKey {
                case period, from, to, limit, remaining
                case costCentre = "cost_centre"
                case exceededByCart = "exceeded_by_cart"
            }
        }

        enum CodingKeys: String, CodingKey {
            case version, lines, subtotal, discount, vat, total, orderable, promocode, threshold, budgets, approvers
            case counterpartyId = "counterparty_id"
            case nextThresholdMissing = "next_threshold_missing"
        }

        init(_ view: CartService.View) {
            let currency = view.priced.currency
            counterpartyId = view.cart.counterpartyId
            version = view.cart.version
            lines = zip(view.cart.lines, view.priced.lines).map { line, priced in
                Line(
                    id: line.id, productId: line.productId, sku: line.sku, name: line.name, unit: line.unit, unitId: line.unitId,
                    qty: Quantity.text(milli: line.qtyMilli), price: priced.unitPriceMinor.map { OrderingAPIController.price($0, currency) },
                    amount: OrderingAPIController.price(priced.amountMinor, currency), discount: OrderingAPIController.price(priced.discountMinor, currency),
                    total: OrderingAPIController.price(priced.totalMinor, currency), available: line.available && !priced.hidden,
                    inStock: !view.shortage(of: line))
            }
            subtotal = OrderingAPIController.price(view.priced.subtotalMinor, currency)
            discount = OrderingAPIController.price(view.priced.discountMinor, currency)
            vat = OrderingAPIController.price(view.priced.vatMinor, currency)
            total = OrderingAPIController.price(view.priced.totalMinor, currency)
            orderable = view.priced.isOrderable
            switch view.priced.promocode {
            case .applied(let code, _)?: promocode = Promocode(code: code, applied: true, reason: nil)
            case .notApplied(let code, let reason, _)?: promocode = Promocode(code: code, applied: false, reason: reason)
            case nil: promocode = nil
            }
            threshold = view.priced.appliedThreshold.map { OrderingAPIController.price($0.minTotalMinor, currency) }
            nextThresholdMissing = view.priced.nextThreshold.map { OrderingAPIController.price($0.missingMinor, currency) }
        }
    }

    @Sendable func cart(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let view = try await carts.view(for: principal)
        var dto = CartDTO(view)
        if let company = view.cart.counterpartyId, !view.cart.lines.isEmpty {
            let preview = try await database.checkoutPreview(
                userId: principal.userId, counterpartyId: company, totalMinor: view.priced.totalMinor, productIds: view.cart.lines.map(\.productId),
                today: PricingService.today())
            dto.budgets = preview.budgets.filter { $0.currency == view.priced.currency }.map {
                CartDTO.BudgetDTO(
                    costCentre: $0.costCentre, period: $0.period.rawValue, from: $0.from, to: $0.to, limit: Self.price($0.limitMinor, $0.currency),
                    remaining: Self.price($0.remainingMinor, $0.currency), exceededByCart: !$0.allows(view.priced.totalMinor))
            }
            dto.approvers = preview.approvers
        }
        return try JSONResponse.make(dto)
    }

    @Sendable func clear(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        try await database.clearCart(userId: principal.userId)
        return try JSONResponse.make(CartDTO(try await carts.view(for: principal)))
    }

    struct ItemBody: Decodable {
        var sku: String?
        var productId: Int64?
        var qty: FlexibleNumber?
        var unit: String?
        var unitId: Int64?

        enum CodingKeys: String, CodingKey {
            case sku, qty, unit
            case productId = "product_id"
            case unitId = "unit_id"
        }
    }

    /// A quantity sent as a JSON string ("2.5") or number (2.5 is read from its decimal text,
    /// never through a float).
    struct FlexibleNumber: Decodable {
        var text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) {
                text = string
            } else if let decimal = try? container.decode(Decimal.self) {
                text = "\(decimal)"
            } else {
                throw DomainError(.malformed, code: "cart.qty_invalid", message: "Enter a quantity greater than zero.")
            }
        }

        func milli() throws -> Int64 {
            guard let value = Quantity.milli(parsing: text) else {
                throw DomainError(.invalid, code: "cart.qty_invalid", message: "Enter a quantity greater than zero.")
            }
            return value
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, context: WholesailRequestContext) async throws -> T {
        do {
            return try await request.decode(as: type, context: context)
        } catch let error as any WholesailError {
            throw error
        } catch {
            throw DomainError(.malformed, code: "request.malformed", message: "The request body is not the JSON this endpoint expects.")
        }
    }

    @Sendable func addItem(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let body = try await Self.decode(ItemBody.self, request, context: context)
        var productId = body.productId
        if productId == nil, let sku = body.sku {
            let company = try await carts.orderingCompany(for: principal)
            productId = try await database.productsByCode([sku], counterpartyId: company)[sku.lowercased()]?.id
            guard productId != nil else {
                throw DomainError(.notFound, code: "cart.sku_unknown", message: "There is no product with stock number \(sku.prefix(100)).", values: ["sku": String(sku.prefix(100))])
            }
        }
        guard let productId else {
            throw DomainError(.malformed, code: "request.malformed", message: "Send \"sku\" or \"product_id\".")
        }
        let view = try await carts.pricing.view(for: principal)
        if view.hides(productId) {
            throw DomainError(.invalid, code: "cart.product_not_in_region", message: "This product is not sold to your region.", values: ["sku": body.sku ?? String(productId)])
        }
        var unitId = body.unitId
        if unitId == nil, let unitName = body.unit, let card = try await database.productCard(id: productId) {
            guard let match = card.units.first(where: { $0.unit.lowercased() == unitName.lowercased() }) else {
                throw DomainError(.invalid, code: "cart.unit_unknown", message: "This product is not sold in that unit.")
            }
            unitId = match.unitId
        }
        try await database.addToCart(userId: principal.userId, productId: productId, unitId: unitId, qtyMilli: try body.qty?.milli())
        return try JSONResponse.make(CartDTO(try await carts.view(for: principal)), status: .created)
    }

    @Sendable func updateItem(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let line = context.parameters.get("line", as: Int64.self) else { throw HTTPError(.notFound) }
        let body = try await Self.decode(ItemBody.self, request, context: context)
        guard let qty = body.qty else { throw DomainError(.malformed, code: "request.malformed", message: "Send \"qty\".") }
        let milli = qty.text.trimmingCharacters(in: .whitespaces) == "0" ? 0 : try qty.milli()
        try await database.updateCartLine(userId: principal.userId, lineId: line, qtyMilli: milli, unitId: body.unitId)
        return try JSONResponse.make(CartDTO(try await carts.view(for: principal)))
    }

    @Sendable func deleteItem(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let line = context.parameters.get("line", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.updateCartLine(userId: principal.userId, lineId: line, qtyMilli: 0)
        return try JSONResponse.make(CartDTO(try await carts.view(for: principal)))
    }

    struct QuickBody: Decodable {
        var text: String
    }

    struct QuickDTO: Encodable {
        struct Problem: Encodable {
            var sku: String
            var code: String
        }

        var added: Int
        var problems: [Problem]
        var cart: CartDTO
    }

    /// Quick order by stock numbers: `{"text": "CAB-1:10, LAMP-2"}`.
    @Sendable func quick(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let body = try await Self.decode(QuickBody.self, request, context: context)
        guard body.text.count <= 100_000 else { throw DomainError(.tooLarge, code: "request.too_large", message: "The text is too long.") }
        let entries = QuickOrderText.parse(body.text)
        let outcomes = try await carts.quickAdd(principal: principal, entries: entries.map { ($0.sku, $0.qtyMilli, $0.badQuantity) })
        let added = outcomes.filter { $0.code == nil }.count
        let problems = zip(entries, outcomes).compactMap { entry, outcome in outcome.code.map { QuickDTO.Problem(sku: entry.sku, code: $0) } }
        return try JSONResponse.make(QuickDTO(added: added, problems: problems, cart: CartDTO(try await carts.view(for: principal))))
    }

    struct SettingsBody: Decodable {
        var counterpartyId: Int64?
        var promocode: String?

        enum CodingKeys: String, CodingKey {
            case promocode
            case counterpartyId = "counterparty_id"
        }
    }

    /// Switches the cart's company and/or sets the promocode (`""` removes it).
    @Sendable func settings(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let body = try await Self.decode(SettingsBody.self, request, context: context)
        if let id = body.counterpartyId { try await database.setCartCounterparty(userId: principal.userId, counterpartyId: id) }
        if let code = body.promocode { try await database.setCartPromocode(userId: principal.userId, code: code) }
        return try JSONResponse.make(CartDTO(try await carts.view(for: principal)))
    }

    struct CheckoutBody: Decodable {
        var counterpartyId: Int64?
        var agreementId: Int64?
        var delivery: String?
        var warehouseId: Int64?
        var addressId: Int64?
        var address: String?
        var consignee: String?
        var contactName: String?
        var contactPhone: String?
        var deliveryDate: String?
        var deliveryWindow: String?
        var comment: String?
        var cartVersion: String?
        var idempotencyKey: String?
        var creditOverride: Bool?
        var poNumber: String?

        enum CodingKeys: String, CodingKey {
            case delivery, address, consignee, comment
            case poNumber = "po_number"
            case counterpartyId = "counterparty_id"
            case agreementId = "agreement_id"
            case warehouseId = "warehouse_id"
            case addressId = "address_id"
            case contactName = "contact_name"
            case contactPhone = "contact_phone"
            case deliveryDate = "delivery_date"
            case deliveryWindow = "delivery_window"
            case cartVersion = "cart_version"
            case idempotencyKey = "idempotency_key"
            case creditOverride = "credit_override"
        }
    }

    struct PlacedDTO: Encodable {
        var id: Int64
        var number: String
        var total: PriceDTO
        var repeated: Bool
        var linkedOrders: [Int64]
        var pendingApproval: Bool

        enum CodingKeys: String, CodingKey {
            case id, number, total, repeated
            case linkedOrders = "linked_orders"
            case pendingApproval = "pending_approval"
        }
    }

    /// Places the cart. The idempotency key comes from the `Idempotency-Key` header or the body.
    @Sendable func place(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let body = try await Self.decode(CheckoutBody.self, request, context: context)
        let view = try await carts.view(for: principal)
        guard let company = body.counterpartyId ?? view.cart.counterpartyId else {
            throw ValidationError(field: "counterparty_id", code: "checkout.choose_company", message: "Choose the company you order for.")
        }
        try context.require("orders.place", on: .counterparty(company))
        guard let delivery = CheckoutForm.Delivery(rawValue: body.delivery ?? "pickup") else {
            throw ValidationError(field: "delivery", code: "checkout.bad_delivery", message: "Delivery is pickup, delivery or carrier.")
        }
        let form = CheckoutForm(
            counterpartyId: company, agreementId: body.agreementId, delivery: delivery, warehouseId: body.warehouseId, deliveryAddressId: body.addressId,
            addressText: body.address ?? "", consignee: body.consignee ?? "", contactName: body.contactName ?? "", contactPhone: body.contactPhone ?? "",
            deliveryDate: body.deliveryDate, deliveryWindow: body.deliveryWindow ?? "", comment: body.comment ?? "", poNumber: body.poNumber ?? "")
        let key = request.headers[.init("Idempotency-Key")!] ?? body.idempotencyKey
        if let key, key.isEmpty || key.count > 100 {
            throw DomainError(.malformed, code: "order.bad_idempotency_key", message: "The idempotency key must have 1 to 100 characters.")
        }
        var override = false
        if body.creditOverride == true {
            override = try await CartPagesController.mayOverrideCredit(principal, database: database)
            if !override { throw DomainError(.forbidden, code: "access.forbidden", message: "You do not have access to this.") }
        }
        let placed = try await carts.place(
            principal: principal, form: form, version: body.cartVersion, idempotencyKey: key, source: "online", creditOverride: override)
        return try JSONResponse.make(
            PlacedDTO(
                id: placed.id, number: placed.number, total: Self.price(placed.totalMinor, view.priced.currency), repeated: placed.repeated,
                linkedOrders: placed.splitOrderIds, pendingApproval: placed.pendingApproval),
            status: placed.repeated ? .ok : .created)
    }

    struct OrderRowDTO: Encodable {
        var id: Int64
        var number: String
        var placedAt: String
        var counterpartyId: Int64
        var counterparty: String
        var status: String
        var statusName: String
        var source: String
        var total: PriceDTO
        var parentOrderId: Int64?
        var poNumber: String?

        enum CodingKeys: String, CodingKey {
            case id, number, counterparty, status, source, total
            case poNumber = "po_number"
            case placedAt = "placed_at"
            case counterpartyId = "counterparty_id"
            case statusName = "status_name"
            case parentOrderId = "parent_order_id"
        }

        init(_ order: OrderSummary, language: Language) {
            id = order.id
            number = order.number
            placedAt = order.placedAt
            counterpartyId = order.counterpartyId
            counterparty = order.counterparty
            status = order.status.code
            statusName = language == .ru ? order.status.nameRu : order.status.nameEn
            source = order.source
            total = OrderingAPIController.price(order.totalMinor, order.currency)
            parentOrderId = order.parentOrderId
            poNumber = order.poNumber
        }
    }

    @Sendable func list(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.view")
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        for key in ["from", "to"] {
            if let value = query[key], !CheckoutForm.isDateText(value) {
                throw ValidationError(field: key, code: "field.bad_date", message: "Enter a date as YYYY-MM-DD.")
            }
        }
        // The API says what it does not understand (the pages clamp instead).
        if let raw = query["page"], !(Int(raw).map { (1...10_000).contains($0) } ?? false) {
            throw DomainError(.malformed, code: "catalog.bad_page", message: "The page number must be a whole number from 1.")
        }
        if let raw = query["per_page"], !(Int(raw).map { (1...100).contains($0) } ?? false) {
            throw DomainError(.malformed, code: "catalog.bad_per_page", message: "Items per page must be a whole number from 1 to 100.")
        }
        if let raw = query["active"], !["1", "0"].contains(raw) {
            throw DomainError(.malformed, code: "request.malformed", message: "active is 1 (open orders only) or 0.")
        }
        if let raw = query["counterparty"], Int64(raw) == nil {
            throw DomainError(.malformed, code: "request.malformed", message: "counterparty must be a company id.")
        }
        let filter = OrderPagesController.filter(from: query, principal: principal)
        let (items, total) = try await database.orders(filter)
        struct Page: Encodable {
            var items: [OrderRowDTO]
            var total: Int
        }
        return try JSONResponse.make(Page(items: items.map { OrderRowDTO($0, language: context.language) }, total: total))
    }

    struct OrderDTO: Encodable {
        struct Line: Encodable {
            var no: Int
            var productId: Int64?
            var sku: String
            var name: String
            var unit: String
            var qty: String
            var price: PriceDTO
            var discount: PriceDTO
            var amount: PriceDTO
            var vatRate: String
            var vat: PriceDTO
            var shipped: String

            enum CodingKeys: String, CodingKey {
                case no, sku, name, unit, qty, price, discount, amount, vat, shipped
                case productId = "product_id"
                case vatRate = "vat_rate"
            }
        }

        struct Shipment: Encodable {
            var number: String
            var status: String
            var warehouse: String?
            var carrier: String?
            var trackingNumber: String?
            var shippedAt: String?

            enum CodingKeys: String, CodingKey {
                case number, status, warehouse, carrier
                case trackingNumber = "tracking_number"
                case shippedAt = "shipped_at"
            }
        }

        struct Event: Encodable {
            var at: String
            var kind: String
            var status: String?
            var user: String?
            var note: String?
        }

        var order: OrderRowDTO
        var lines: [Line]
        var subtotal: PriceDTO
        var discount: PriceDTO
        var vat: PriceDTO
        var delivery: String
        var address: String?
        var warehouse: String?
        var comment: String?
        var shipments: [Shipment]
        var events: [Event]
    }

    @Sendable func show(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("order", as: Int64.self), let order = try await database.order(id: id) else {
            throw DomainError(.notFound, code: "order.not_found", message: "The order was not found.")
        }
        let currency = order.summary.currency
        return try JSONResponse.make(
            OrderDTO(
                order: OrderRowDTO(order.summary, language: context.language),
                lines: order.lines.map {
                    .init(
                        no: $0.lineNo, productId: $0.productId, sku: $0.sku, name: $0.name, unit: $0.unit, qty: Quantity.text(milli: $0.qtyMilli),
                        price: Self.price($0.priceMinor, currency), discount: Self.price($0.discountMinor, currency), amount: Self.price($0.amountMinor, currency),
                        vatRate: $0.vatRate, vat: Self.price($0.vatMinor, currency), shipped: Quantity.text(milli: $0.shippedMilli))
                },
                subtotal: Self.price(order.subtotalMinor, currency), discount: Self.price(order.discountMinor, currency), vat: Self.price(order.vatMinor, currency),
                delivery: order.deliveryMethod, address: order.address, warehouse: order.warehouse, comment: order.comment,
                shipments: order.shipments.map {
                    .init(number: $0.number, status: $0.status, warehouse: $0.warehouse, carrier: $0.carrier, trackingNumber: $0.trackingNumber, shippedAt: $0.shippedAt)
                },
                events: order.events.map { .init(at: $0.at, kind: $0.kind, status: $0.status?.code, user: $0.user, note: $0.note) }))
    }

    @Sendable func repeatOrder(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let id = context.parameters.get("order", as: Int64.self) else { throw HTTPError(.notFound) }
        let skipped = try await database.repeatOrder(orderId: id, userId: principal.userId)
        struct Repeated: Encodable {
            var skipped: [String]
            var cart: CartDTO
        }
        return try JSONResponse.make(Repeated(skipped: skipped, cart: CartDTO(try await carts.view(for: principal))))
    }

    @Sendable func cancel(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let id = context.parameters.get("order", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.cancelOrder(orderId: id, actor: principal.impersonatorId ?? principal.userId)
        return try await show(request, context: context)
    }
}
