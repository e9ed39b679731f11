import Foundation
import WholesailCore
import WholesailStore

/// The working cart as the buyer sees it: lines priced in the cart company's context, thresholds
/// and the promocode applied, stock per line for that company's region.
struct CartService: Sendable {
    let database: WholesailDatabase
    let pricing: PricingService
    var bills: BillService { BillService(database: database) }

    struct View: Sendable {
        var cart: CartRecord
        var priced: PricedCart
        var context: PricingContext
        var promocodeId: Int64?
        /// Free stock of each product in the company's region.
        var availability: [Int64: RegionalAvailability]
        /// Companies the user orders for.
        var companies: [(id: Int64, name: String, regionId: Int64?)]

        /// Lines asking for more than the region has free now (ordered anyway, brought in later).
        func shortage(of line: CartLineRecord) -> Bool {
            let base = StockAllocation.baseMilli(of: line.qtyMilli, factor: ExactDecimal(parsing: line.factor) ?? ExactDecimal(1))
            return base > (availability[line.productId]?.regionalMilli ?? 0)
        }
    }

    func view(for principal: Principal) async throws -> View {
        var cart = try await database.workingCart(userId: principal.userId)
        let companies = try await database.orderingCompanies(userId: principal.userId)
        // The cart's company must be one the user works for; otherwise the current one.
        if cart.counterpartyId == nil || !companies.contains(where: { $0.id == cart.counterpartyId }) {
            cart.counterpartyId = principal.currentCounterpartyId.flatMap { id in companies.contains { $0.id == id } ? id : nil } ?? companies.first?.id
        }
        let context = try await database.pricingContext(userId: principal.userId, counterpartyId: cart.counterpartyId, day: PricingService.today())
        var promocode: CartPromocode?
        if let code = cart.promocode {
            promocode = try await database.cartPromocode(code: code, counterpartyId: cart.counterpartyId, day: context.day)
        }
        var priced = CartPricing.price(
            cart.lines.map(\.item), matrix: pricing.matrix, context: context, thresholds: try await database.cartThresholds(), promocode: promocode)
        priced = await pricing.erpHook.detail(priced, record: cart, context: context, promocode: promocode)
        let availability = try await database.availability(productIds: Array(Set(cart.lines.map(\.productId))), regionId: context.regionId)
        return View(cart: cart, priced: priced, context: context, promocodeId: promocode?.id, availability: availability, companies: companies)
    }

    /// Places the cart as an order. `version` is what the buyer's page showed (nil from the API
    /// when the client does not send one).
    func place(
        principal: Principal, form: CheckoutForm, version: String?, idempotencyKey: String?, source: String, creditOverride: Bool
    ) async throws -> PlacedOrder {
        let view = try await view(for: principal)
        // Price in the checkout company's context (it may differ from the cart's), under the
        // agreement the order is placed under (its price type and individual prices apply; an
        // agreement that is not the company's is refused by `placeOrder`).
        var priced = view.priced
        var promocodeId = view.promocodeId
        let otherAgreement = form.agreementId.map { $0 != view.context.agreementId } ?? false
        if form.counterpartyId != view.cart.counterpartyId || otherAgreement {
            var context = try await database.pricingContext(userId: principal.userId, counterpartyId: form.counterpartyId, day: PricingService.today())
            if let agreement = form.agreementId { context.agreementId = agreement }
            let promocode = try await view.cart.promocode.asyncMap {
                try await database.cartPromocode(code: $0, counterpartyId: form.counterpartyId, day: context.day)
            } ?? nil
            priced = CartPricing.price(
                view.cart.lines.map(\.item), matrix: pricing.matrix, context: context, thresholds: try await database.cartThresholds(),
                promocode: promocode)
            priced = await pricing.erpHook.detail(priced, record: view.cart, context: context, promocode: promocode)
            promocodeId = promocode?.id
        }
        let placed = try await database.placeOrder(
            PlaceOrderRequest(
                userId: principal.userId, actingUserId: principal.impersonatorId, form: form, cartVersion: version, priced: priced,
                promocodeId: promocodeId, idempotencyKey: idempotencyKey, source: principal.impersonatorId != nil ? "manager" : source,
                creditOverride: creditOverride))
        // The bill is made at once (a few milliseconds) so the buyer can download it from the order
        // page; a failure here never undoes the order: the bill is made again on request.
        if !placed.repeated {
            for id in [placed.id] + placed.splitOrderIds { _ = try? await bills.ensureBill(orderId: id) }
        }
        return placed
    }
}

extension CartService {
    /// The company the user's cart orders for (whose own product numbers quick order accepts):
    /// the cart's company when the user works for it, else the current one.
    func orderingCompany(for principal: Principal) async throws -> Int64? {
        let cart = try await database.workingCart(userId: principal.userId)
        if let id = cart.counterpartyId, principal.memberOf.contains(id) { return id }
        if let id = principal.currentCounterpartyId, principal.memberOf.contains(id) { return id }
        return principal.memberOf.count == 1 ? principal.memberOf.first : nil
    }

    /// Places an accepted quote as an order: its lines at its quoted prices, through the same
    /// `placeOrder` as a cart (numbering, stock, credit, ERP export, notifications), then its bill.
    func placeQuote(principal: Principal, form: CheckoutForm, quoteId: Int64, idempotencyKey: String?, creditOverride: Bool) async throws -> PlacedOrder {
        let placed = try await database.placeOrder(
            PlaceOrderRequest(
                userId: principal.userId, actingUserId: principal.impersonatorId, form: form, cartVersion: nil,
                priced: CartPricing.quoted([], currency: "RUB"), idempotencyKey: idempotencyKey,
                source: principal.impersonatorId != nil ? "manager" : "online", creditOverride: creditOverride, quoteId: quoteId))
        if !placed.repeated {
            for id in [placed.id] + placed.splitOrderIds { _ = try? await bills.ensureBill(orderId: id) }
        }
        return placed
    }
}

/// What became of one quick-order entry.
enum QuickOutcome: Sendable {
    case added
    case badQuantity(String)
    case unknown
    case notInRegion(sku: String)
    case refused(DomainError)

    /// The error code the API reports (nil when added).
    var code: String? {
        switch self {
        case .added: nil
        case .badQuantity: "cart.qty_invalid"
        case .unknown: "cart.sku_unknown"
        case .notInRegion: "cart.product_not_in_region"
        case .refused(let error): error.code
        }
    }
}

extension CartService {
    /// Quick order: looks the codes up (stock number, article, barcode) and adds what is found and
    /// visible to the buyer, in one transaction; one outcome per entry, in order.
    func quickAdd(principal: Principal, entries: [(sku: String, qtyMilli: Int64?, badQuantity: String?)]) async throws -> [QuickOutcome] {
        let found = try await database.productsByCode(entries.map(\.sku), counterpartyId: try await orderingCompany(for: principal))
        let prices = try await pricing.view(for: principal)
        var outcomes: [QuickOutcome] = []
        var items: [(productId: Int64, unitId: Int64?, qtyMilli: Int64?)] = []
        var positions: [Int] = []
        for entry in entries {
            if let bad = entry.badQuantity {
                outcomes.append(.badQuantity(bad))
            } else if let product = found[entry.sku.lowercased()] {
                if prices.hides(product.id) {
                    outcomes.append(.notInRegion(sku: product.sku))
                } else {
                    positions.append(outcomes.count)
                    outcomes.append(.added)
                    items.append((product.id, nil, entry.qtyMilli))
                }
            } else {
                outcomes.append(.unknown)
            }
        }
        let results = try await database.addManyToCart(userId: principal.userId, items: items)
        for (position, result) in zip(positions, results) {
            if let result { outcomes[position] = .refused(result) }
        }
        return outcomes
    }
}
