import Foundation
import GRDB
import WholesailCore

/// What the buyer chose at checkout.
public struct CheckoutForm: Sendable, Equatable {
    public enum Delivery: String, Sendable, CaseIterable { case pickup, delivery, carrier }

    public var counterpartyId: Int64
    public var agreementId: Int64?
    public var delivery: Delivery
    public var warehouseId: Int64?
    public var deliveryAddressId: Int64?
    /// The delivery company's name for `carrier`, or a one-off address.
    public var addressText: String
    public var consignee: String
    public var contactName: String
    public var contactPhone: String
    /// `YYYY-MM-DD`.
    public var deliveryDate: String?
    public var deliveryWindow: String
    public var comment: String
    /// The buyer's purchase order number (their own document), carried to the ERP and the documents.
    public var poNumber: String

    public init(
        counterpartyId: Int64, agreementId: Int64? = nil, delivery: Delivery = .pickup, warehouseId: Int64? = nil, deliveryAddressId: Int64? = nil,
        addressText: String = "", consignee: String = "", contactName: String = "", contactPhone: String = "", deliveryDate: String? = nil,
        deliveryWindow: String = "", comment: String = "", poNumber: String = ""
    ) {
        self.poNumber = poNumber.trimmingCharacters(in: .whitespacesAndNewlines)
        self.counterpartyId = counterpartyId
        self.agreementId = agreementId
        self.delivery = delivery
        self.warehouseId = warehouseId
        self.deliveryAddressId = deliveryAddressId
        self.addressText = addressText
        self.consignee = consignee
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.deliveryDate = deliveryDate
        self.deliveryWindow = deliveryWindow
        self.comment = comment
    }

    /// Field checks that need no database.
    public func validate(today: String) -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let tooLong = ValidationError.FieldIssue(code: "field.too_long", message: "This is too long.")
        for (name, value, limit) in [
            ("addressText", addressText, 1000), ("consignee", consignee, 300), ("contactName", contactName, 200),
            ("deliveryWindow", deliveryWindow, 50), ("comment", comment, 5000), ("poNumber", poNumber, 100),
        ] where value.count > limit {
            fields[name] = tooLong
        }
        if !contactPhone.isEmpty {
            if !PhoneNumber.isPlausible(contactPhone) { fields["contactPhone"] = PhoneNumber.issue }
        }
        if let date = deliveryDate {
            if !Self.isDate(date) {
                fields["deliveryDate"] = .init(code: "field.bad_date", message: "Enter a date.")
            } else if date < today {
                fields["deliveryDate"] = .init(code: "checkout.date_past", message: "The delivery date has passed.")
            }
        }
        switch delivery {
        case .pickup where warehouseId == nil:
            fields["warehouseId"] = .init(code: "checkout.warehouse_required", message: "Choose the warehouse to pick up from.")
        case .delivery where deliveryAddressId == nil && addressText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty:
            fields["deliveryAddressId"] = .init(code: "checkout.address_required", message: "Choose a delivery address.")
        case .carrier where addressText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty:
            fields["addressText"] = .init(code: "checkout.carrier_required", message: "Name the delivery company and the destination.")
        default: break
        }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }

    /// `YYYY-MM-DD` with a plausible year, month and day.
    public static func isDateText(_ text: String) -> Bool { isDate(text) }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
        return (2000...2100).contains(year) && (1...12).contains(month) && (1...31).contains(day)
    }
}

/// Everything `placeOrder` needs besides the form: who, the priced cart they saw, and how.
public struct PlaceOrderRequest: Sendable {
    public var userId: Int64
    /// The staff member acting as the user, if any.
    public var actingUserId: Int64?
    public var form: CheckoutForm
    /// The cart version the buyer looked at (`CartRecord.version`); nil: don't check.
    public var cartVersion: String?
    /// The cart as priced for the buyer (same lines, same order as the working cart).
    public var priced: PricedCart
    public var promocodeId: Int64?
    public var idempotencyKey: String?
    public var source: String
    /// Place despite a credit lock (the caller checked `orders.credit_override`).
    public var creditOverride: Bool
    public var now: Date
    /// Place an accepted quote instead of the working cart: its lines at its quoted prices
    /// (`priced` and `cartVersion` are then ignored; the working cart stays as it is).
    public var quoteId: Int64?

    public init(
        userId: Int64, actingUserId: Int64? = nil, form: CheckoutForm, cartVersion: String?, priced: PricedCart, promocodeId: Int64? = nil,
        idempotencyKey: String?, source: String = "online", creditOverride: Bool = false, now: Date = Date(), quoteId: Int64? = nil
    ) {
        self.quoteId = quoteId
        self.userId = userId
        self.actingUserId = actingUserId
        self.form = form
        self.cartVersion = cartVersion
        self.priced = priced
        self.promocodeId = promocodeId
        self.idempotencyKey = idempotencyKey
        self.source = source
        self.creditOverride = creditOverride
        self.now = now
    }
}

/// The answer to placing an order.
public struct PlacedOrder: Sendable, Equatable {
    public var id: Int64
    public var number: String
    public var totalMinor: Int64
    /// True when the same idempotency key had already placed this order.
    public var repeated: Bool
    /// Ids of linked orders made by splitting (the part to bring in).
    public var splitOrderIds: [Int64]
    /// The order waits for the buyer company's approvers (see `WholesailDatabase+Approvals`).
    public var pendingApproval: Bool = false
}

/// Ordering settings (admin-editable; defaults when unset).
public struct OrderSettings: Sendable, Equatable {
    public enum Split: String, Sendable, CaseIterable { case none, shipments, orders }
    /// Days a placed order holds stock; 0: no reservation.
    public var reservationDays: Int
    public var split: Split

    public init(reservationDays: Int = 0, split: Split = .none) {
        self.reservationDays = reservationDays
        self.split = split
    }
}

extension WholesailDatabase {
    public func orderSettings() async throws -> OrderSettings {
        try await read { db in try Self.orderSettings(db) }
    }

    static func orderSettings(_ db: Database) throws -> OrderSettings {
        let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM setting WHERE key IN ('orders.reservation_days', 'orders.split')")
        var settings = OrderSettings()
        for row in rows {
            let value: String = row["value"]
            switch row["key"] as String {
            case "orders.reservation_days": settings.reservationDays = max(0, min(Int(value) ?? 0, 365))
            case "orders.split": settings.split = OrderSettings.Split(rawValue: value) ?? .none
            default: break
            }
        }
        return settings
    }

    public func saveOrderSettings(_ settings: OrderSettings, actor: Int64?) async throws {
        try await write { db in
            let now = Self.stamp(Date())
            for (key, value) in [("orders.reservation_days", String(settings.reservationDays)), ("orders.split", settings.split.rawValue)] {
                try db.execute(
                    sql: "INSERT INTO setting (key, value, updatedAt) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt",
                    arguments: [key, value, now])
            }
            try Self.audit(db, actor: actor, action: "settings.orders", details: ["reservationDays": String(settings.reservationDays), "split": settings.split.rawValue])
        }
    }

    /// A counterparty's credit position today.
    public func creditState(counterpartyId: Int64, agreementId: Int64? = nil, today: String) async throws -> CreditState {
        try await read { db in try Self.creditState(db, counterpartyId: counterpartyId, agreementId: agreementId, today: today) }
    }

    static func creditState(_ db: Database, counterpartyId: Int64, agreementId: Int64?, today: String) throws -> CreditState {
        let company = try Row.fetchOne(db, sql: "SELECT creditLimitMinor, blocked, currency FROM counterparty WHERE id = ?", arguments: [counterpartyId])
        let agreementLimit = try agreementId.flatMap {
            try Int64.fetchOne(db, sql: "SELECT creditLimitMinor FROM agreement WHERE id = ? AND counterpartyId = ?", arguments: [$0, counterpartyId])
        }
        let entries = try Row.fetchAll(db, sql: "SELECT date, dueDate, amountMinor FROM settlement WHERE counterpartyId = ?", arguments: [counterpartyId])
            .map { CreditState.Entry(date: $0["date"], dueDate: $0["dueDate"], amountMinor: $0["amountMinor"]) }
        var state = CreditState(
            entries: entries, today: today, limitMinor: agreementLimit ?? company?["creditLimitMinor"] ?? 0, blocked: company?["blocked"] == 1,
            currency: company?["currency"] ?? "RUB")
        state.policy = try portalSettings(db).creditPolicy
        return state
    }

    /// Places the working cart as an order in one transaction: checks, numbering, lines at the
    /// prices the buyer saw, reservation, splitting, the event, notifications; then empties the
    /// cart. A repeated idempotency key answers the order it already placed.
    public func placeOrder(_ request: PlaceOrderRequest) async throws -> PlacedOrder {
        try await write { db in try Self.placeOrder(db, request) }
    }

    static func placeOrder(_ db: Database, _ request: PlaceOrderRequest) throws -> PlacedOrder {
        let form = request.form
        let today = String(stamp(request.now).prefix(10))
        if let key = request.idempotencyKey {
            if let row = try Row.fetchOne(
                db,
                sql: "SELECT o.id, o.number, o.totalMinor, o.userId, s.code FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId WHERE o.idempotencyKey = ?",
                arguments: [key])
            {
                guard row["userId"] == request.userId else {
                    throw DomainError(.conflict, code: "order.idempotency_conflict", message: "This request key was already used.")
                }
                let children = try Int64.fetchAll(db, sql: "SELECT id FROM customerOrder WHERE parentOrderId = ?", arguments: [row["id"] as Int64])
                return PlacedOrder(
                    id: row["id"], number: row["number"], totalMinor: row["totalMinor"], repeated: true, splitOrderIds: children,
                    pendingApproval: row["code"] == "pending_approval")
            }
        }
        if let problem = form.validate(today: today) { throw problem }
        guard try Bool.fetchOne(
            db, sql: "SELECT 1 FROM userCounterparty WHERE userId = ? AND counterpartyId = ?", arguments: [request.userId, form.counterpartyId]) == true
        else { throw DomainError(.notFound, code: "cart.counterparty_not_yours", message: "You do not order for this company.") }

        let cartId: Int64?
        let cart: CartRecord
        var priced = request.priced
        if let quoteId = request.quoteId {
            // An accepted quote: its lines at its prices (checked for status and validity here, in the same transaction).
            (cart, priced) = try quoteForOrder(db, quoteId: quoteId, counterpartyId: form.counterpartyId, today: today)
            cartId = nil
        } else {
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM cart WHERE userId = ? AND name IS NULL", arguments: [request.userId]) else {
                throw DomainError(.invalid, code: "cart.empty", message: "The cart is empty.")
            }
            cartId = id
            cart = try loadCart(db, id: id)
        }
        guard !cart.lines.isEmpty else { throw DomainError(.invalid, code: "cart.empty", message: "The cart is empty.") }
        if request.quoteId == nil, let version = request.cartVersion, version != cart.version {
            throw DomainError(.conflict, code: "cart.changed", message: "The cart was changed in another window. Check it and place the order again.")
        }
        guard priced.lines.count == cart.lines.count, zip(priced.lines, cart.lines).allSatisfy({ $0.productId == $1.productId }) else {
            throw DomainError(.conflict, code: "cart.changed", message: "The cart was changed in another window. Check it and place the order again.")
        }
        for (line, pricedLine) in zip(cart.lines, priced.lines) {
            guard line.available else {
                throw DomainError(.invalid, code: "cart.product_unavailable", message: "Product \(line.sku) is no longer sold.", values: ["sku": line.sku])
            }
            guard !pricedLine.hidden else {
                throw DomainError(
                    .invalid, code: "cart.product_not_in_region", message: "Product \(line.sku) is not sold to your region.", values: ["sku": line.sku])
            }
            guard pricedLine.unitPriceMinor != nil else {
                throw DomainError(.invalid, code: "cart.no_price", message: "Product \(line.sku) has no price for you yet.", values: ["sku": line.sku])
            }
            try Quantity.validate(line.qtyMilli, rule: line.rule, unit: line.unit)
        }

        // Agreement, seller, delivery details: everything must belong to this counterparty.
        let agreement: Row?
        if let agreementId = form.agreementId {
            agreement = try Row.fetchOne(
                db, sql: "SELECT id, sellerOrganizationId FROM agreement WHERE id = ? AND counterpartyId = ? AND active = 1",
                arguments: [agreementId, form.counterpartyId])
            guard agreement != nil else {
                throw ValidationError(field: "agreementId", code: "checkout.agreement_unknown", message: "Choose one of your company's agreements.")
            }
        } else {
            agreement = try Row.fetchOne(
                db, sql: "SELECT id, sellerOrganizationId FROM agreement WHERE counterpartyId = ? AND active = 1 ORDER BY isDefault DESC, id LIMIT 1",
                arguments: [form.counterpartyId])
        }
        guard let sellerId = try agreement?["sellerOrganizationId"] as Int64?
            ?? Int64.fetchOne(db, sql: "SELECT id FROM sellerOrganization WHERE active = 1 ORDER BY id LIMIT 1")
        else { throw DomainError(.unavailable, code: "order.no_seller", message: "The portal has no seller organization yet.") }
        let regionId = try Int64.fetchOne(db, sql: "SELECT regionId FROM counterparty WHERE id = ?", arguments: [form.counterpartyId])
        var addressText: String? = form.addressText.isEmpty ? nil : form.addressText
        var consignee = form.consignee
        var contactName = form.contactName
        var contactPhone = form.contactPhone
        switch form.delivery {
        case .pickup:
            guard let warehouseId = form.warehouseId,
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM warehouse WHERE id = ? AND active = 1 AND isPickupPoint = 1 AND (? IS NULL OR regionId IS NULL OR regionId = ?)",
                    arguments: [warehouseId, regionId, regionId]) == true
            else { throw ValidationError(field: "warehouseId", code: "checkout.warehouse_unknown", message: "Choose a pickup warehouse of your region.") }
        case .delivery:
            if let addressId = form.deliveryAddressId {
                guard let address = try Row.fetchOne(
                    db, sql: "SELECT * FROM deliveryAddress WHERE id = ? AND counterpartyId = ?", arguments: [addressId, form.counterpartyId])
                else { throw ValidationError(field: "deliveryAddressId", code: "checkout.address_unknown", message: "Choose one of your company's addresses.") }
                addressText = address["address"]
                if consignee.isEmpty { consignee = address["consignee"] ?? "" }
                if contactName.isEmpty { contactName = address["contactName"] ?? "" }
                if contactPhone.isEmpty { contactPhone = address["contactPhone"] ?? "" }
            }
        case .carrier:
            break
        }

        let subtotal = priced.subtotalMinor
        let total = priced.totalMinor
        // Amounts saturate instead of trapping; an order beyond this is a typing error or an attack.
        guard subtotal <= Money.maxOrderMinor else {
            throw DomainError(.invalid, code: "cart.total_too_large", message: "The order total is too large. Check the quantities.")
        }
        let credit = try creditState(db, counterpartyId: form.counterpartyId, agreementId: agreement?["id"], today: today)
        var overriddenBy: Int64?
        if let refusal = credit.refusal(orderMinor: total) {
            guard request.creditOverride else { throw refusal }
            overriddenBy = request.actingUserId ?? request.userId
        }
        // The buyer company's own rules: budgets (refuse) and approvals (the order waits).
        let approval = try checkBudgetsAndRules(
            db, userId: request.userId, counterpartyId: form.counterpartyId, totalMinor: total, currency: priced.currency,
            productIds: cart.lines.map(\.productId), day: today)
        let pendingApproval = !approval.approvers.isEmpty

        // The number: per seller organization and year, without gaps (same transaction).
        let number = try nextOrderNumber(db, sellerId: sellerId, now: request.now)
        let settings = try orderSettings(db)
        let placedAt = stamp(request.now)
        let statusNew = try Int64.fetchOne(
            db, sql: "SELECT id FROM orderStatus WHERE code = ?", arguments: [pendingApproval ? "pending_approval" : "new"]) ?? 1
        let reservedUntil = settings.reservationDays > 0 ? stamp(request.now.addingTimeInterval(Double(settings.reservationDays) * 86_400)) : nil
        try db.execute(
            sql: """
                INSERT INTO customerOrder (number, sellerOrganizationId, counterpartyId, agreementId, userId, placedByUserId, statusId, source, currency,
                    subtotalMinor, discountMinor, vatMinor, totalMinor, priceTypeId, promocodeId, deliveryMethod, warehouseId, deliveryAddressId,
                    deliveryAddressText, consignee, contactName, contactPhone, deliveryDate, deliveryWindow, comment, idempotencyKey, creditOverrideBy,
                    reservedUntil, placedAt, updatedAt, poNumber, costCentre)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                number, sellerId, form.counterpartyId, agreement?["id"], request.userId, request.actingUserId, statusNew, request.source,
                priced.currency, subtotal, priced.discountMinor, priced.vatMinor, total, priced.priceTypeId,
                priced.promocode.flatMap { if case .applied = $0 { request.promocodeId } else { nil } }, form.delivery.rawValue,
                form.delivery == .pickup ? form.warehouseId : nil, form.delivery == .delivery ? form.deliveryAddressId : nil, addressText,
                consignee.isEmpty ? nil : consignee, contactName.isEmpty ? nil : contactName, contactPhone.isEmpty ? nil : contactPhone,
                form.deliveryDate, form.deliveryWindow.isEmpty ? nil : form.deliveryWindow, form.comment.isEmpty ? nil : form.comment,
                request.idempotencyKey, overriddenBy, reservedUntil, placedAt, placedAt, form.poNumber.isEmpty ? nil : form.poNumber, approval.costCentre,
            ])
        let orderId = db.lastInsertedRowID
        var lineIds: [Int64] = []
        for (index, (line, pricedLine)) in zip(cart.lines, priced.lines).enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO orderLine (orderId, lineNo, productId, sku, name, unitId, unitFactor, qtyMilli, priceMinor, discountMinor, amountMinor,
                        vatRate, vatMinor, priceRuleId)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM priceRule WHERE id = ?))
                    """,
                arguments: [
                    orderId, index + 1, line.productId, line.sku, line.name, line.unitId, line.factor, line.qtyMilli, pricedLine.unitPriceMinor ?? 0,
                    pricedLine.discountMinor, pricedLine.totalMinor, line.vatRate, pricedLine.vatMinor, pricedLine.ruleIds.first,
                ])
            lineIds.append(db.lastInsertedRowID)
        }

        // Stock: what the chosen warehouse (pickup) or the region's warehouses have free now.
        var splitOrderIds: [Int64] = []
        if settings.reservationDays > 0 || settings.split != .none {
            let warehouses = try candidateWarehouses(db, form: form, regionId: regionId)
            let requests = cart.lines.map {
                StockAllocation.Request(
                    productId: $0.productId, qtyMilli: $0.qtyMilli, factor: ExactDecimal(parsing: $0.factor) ?? ExactDecimal(1), stepMilli: $0.rule.stepMilli)
            }
            let free = try freeStock(db, productIds: Array(Set(cart.lines.map(\.productId))), warehouses: warehouses)
            let allocations = StockAllocation.allocate(requests, free: free)
            if settings.reservationDays > 0, let reservedUntil {
                for (lineId, (line, allocation)) in zip(lineIds, zip(cart.lines, allocations)) {
                    for part in allocation.parts {
                        try db.execute(
                            sql: "UPDATE stock SET reservedMilli = reservedMilli + ? WHERE productId = ? AND warehouseId = ? AND qtyMilli - reservedMilli >= ?",
                            arguments: [part.baseMilli, line.productId, part.warehouseId, part.baseMilli])
                        guard db.changesCount == 1 else {
                            throw DomainError(.conflict, code: "order.stock_changed", message: "Stock changed while placing the order. Please try again.")
                        }
                        try db.execute(
                            sql: "INSERT INTO reservation (orderLineId, productId, warehouseId, qtyMilli, expiresAt) VALUES (?, ?, ?, ?, ?)",
                            arguments: [lineId, line.productId, part.warehouseId, part.baseMilli, reservedUntil])
                    }
                }
                // `stock` has no rowid: observers (the catalog index's stock sets) are told explicitly.
                try db.notifyChanges(in: Table("stock"))
            }
            if settings.split != .none, allocations.contains(where: { $0.shortMilli > 0 }), allocations.contains(where: { !$0.parts.isEmpty }) {
                splitOrderIds = try split(
                    db, orderId: orderId, number: number, lineIds: lineIds, allocations: allocations, mode: settings.split, priced: priced,
                    cart: cart, sellerId: sellerId, now: request.now)
            }
        }

        try db.execute(
            sql: "INSERT INTO orderEvent (orderId, at, userId, kind, statusId, note) VALUES (?, ?, ?, 'placed', ?, ?)",
            arguments: [orderId, placedAt, request.actingUserId ?? request.userId, statusNew, request.actingUserId != nil ? "manager" : nil])
        if let overriddenBy {
            try audit(
                db, actor: overriddenBy, actingAs: request.actingUserId != nil ? request.userId : nil, action: "order.credit_override",
                objectType: "customerOrder", objectId: String(orderId), details: ["number": number, "total": String(total)])
            try db.execute(
                sql: "INSERT INTO orderEvent (orderId, at, userId, kind, note) VALUES (?, ?, ?, 'comment', 'credit lock overridden')",
                arguments: [orderId, placedAt, overriddenBy])
        }
        // The company's own product numbers, as they are now, go with the lines (order page, documents).
        try db.execute(
            sql: """
                UPDATE orderLine SET customerSku = (SELECT n.number FROM customerPartNumber n WHERE n.counterpartyId = ? AND n.productId = orderLine.productId
                    ORDER BY n.id LIMIT 1) WHERE orderId IN (SELECT value FROM json_each(?))
                """,
            arguments: [form.counterpartyId, "[" + ([orderId] + splitOrderIds).map(String.init).joined(separator: ",") + "]"])
        if pendingApproval {
            // The distributor hears of it (e-mails to managers, webhooks, the ERP export) once approved.
            try requestApprovals(
                db, orderId: orderId, number: number, counterpartyId: form.counterpartyId, approvers: approval.approvers, currency: priced.currency,
                at: placedAt)
        } else {
            try enqueueOrderNotifications(db, orderId: orderId, topic: "order.placed", key: "order.placed.\(orderId)")
        }
        if let quoteId = request.quoteId {
            try acceptQuote(db, quoteId: quoteId, orderId: orderId, number: number, userId: request.userId, actingUserId: request.actingUserId, at: placedAt)
        }
        if let cartId {
            try db.execute(sql: "DELETE FROM cartLine WHERE cartId = ?", arguments: [cartId])
            try db.execute(
                sql: "UPDATE cart SET promocodeId = NULL, counterpartyId = ?, updatedAt = ? WHERE id = ?", arguments: [form.counterpartyId, placedAt, cartId])
        }
        return PlacedOrder(
            id: orderId, number: number, totalMinor: total, repeated: false, splitOrderIds: splitOrderIds, pendingApproval: pendingApproval)
    }

    static func nextOrderNumber(_ db: Database, sellerId: Int64, now: Date) throws -> String {
        let year = Int(stamp(now).prefix(4)) ?? 2026
        try db.execute(
            sql: """
                INSERT INTO orderCounter (sellerOrganizationId, year, lastNumber) VALUES (?, ?, 1)
                ON CONFLICT (sellerOrganizationId, year) DO UPDATE SET lastNumber = lastNumber + 1
                """,
            arguments: [sellerId, year])
        let last = try Int.fetchOne(db, sql: "SELECT lastNumber FROM orderCounter WHERE sellerOrganizationId = ? AND year = ?", arguments: [sellerId, year]) ?? 1
        var prefix = try String.fetchOne(db, sql: "SELECT orderPrefix FROM sellerOrganization WHERE id = ?", arguments: [sellerId]) ?? ""
        if prefix.isEmpty { prefix = "WS" }
        return "\(prefix)-\(String(format: "%05d", last))"
    }

    /// Warehouses an order may take stock from, best first.
    static func candidateWarehouses(_ db: Database, form: CheckoutForm, regionId: Int64?) throws -> [Int64] {
        if form.delivery == .pickup, let warehouseId = form.warehouseId { return [warehouseId] }
        return try Int64.fetchAll(
            db, sql: "SELECT id FROM warehouse WHERE active = 1 AND (? IS NULL OR regionId = ?) ORDER BY deliveryDays, id",
            arguments: [regionId, regionId])
    }

    static func freeStock(_ db: Database, productIds: [Int64], warehouses: [Int64]) throws -> [Int64: [(warehouseId: Int64, baseMilli: Int64)]] {
        guard !productIds.isEmpty, !warehouses.isEmpty else { return [:] }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT productId, warehouseId, qtyMilli - reservedMilli AS free FROM stock
                WHERE productId IN (SELECT value FROM json_each(?)) AND warehouseId IN (SELECT value FROM json_each(?)) AND qtyMilli > reservedMilli
                """,
            arguments: ["[" + productIds.map(String.init).joined(separator: ",") + "]", "[" + warehouses.map(String.init).joined(separator: ",") + "]"])
        let rank = Dictionary(uniqueKeysWithValues: warehouses.enumerated().map { ($1, $0) })
        var free: [Int64: [(warehouseId: Int64, baseMilli: Int64)]] = [:]
        for row in rows { free[row["productId"], default: []].append((row["warehouseId"], row["free"])) }
        for key in free.keys { free[key]!.sort { rank[$0.warehouseId, default: .max] < rank[$1.warehouseId, default: .max] } }
        return free
    }

    /// Splits a placed order: the part in stock now stays (or becomes shipment 1), the part to be
    /// brought in becomes shipment 2 or a linked order of its own.
    static func split(
        _ db: Database, orderId: Int64, number: String, lineIds: [Int64], allocations: [StockAllocation.Allocation], mode: OrderSettings.Split,
        priced: PricedCart, cart: CartRecord, sellerId: Int64, now: Date
    ) throws -> [Int64] {
        let placedAt = stamp(now)
        switch mode {
        case .none:
            return []
        case .shipments:
            try db.execute(sql: "INSERT INTO shipment (orderId, number, warehouseId, status) VALUES (?, ?, ?, 'planned')",
                           arguments: [orderId, "\(number)/1", allocations.first { !$0.parts.isEmpty }?.parts.first?.warehouseId])
            let now = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO shipment (orderId, number, status) VALUES (?, ?, 'planned')", arguments: [orderId, "\(number)/2"])
            let later = db.lastInsertedRowID
            for (lineId, allocation) in zip(lineIds, allocations) {
                let inStock = allocation.parts.reduce(0) { $0 + $1.qtyMilli }
                if inStock > 0 {
                    try db.execute(sql: "INSERT INTO shipmentLine (shipmentId, orderLineId, qtyMilli) VALUES (?, ?, ?)", arguments: [now, lineId, inStock])
                }
                if allocation.shortMilli > 0 {
                    try db.execute(sql: "INSERT INTO shipmentLine (shipmentId, orderLineId, qtyMilli) VALUES (?, ?, ?)", arguments: [later, lineId, allocation.shortMilli])
                }
            }
            try db.execute(
                sql: "INSERT INTO orderEvent (orderId, at, kind, note) VALUES (?, ?, 'split', ?)",
                arguments: [orderId, placedAt, "\(number)/1: in stock; \(number)/2: to be brought in"])
            return []
        case .orders:
            // The child order takes the short quantities; amounts are recomputed at the same unit
            // prices, so parent + child add up to what the buyer saw (to the kopeck per line).
            let childNumber = try nextOrderNumber(db, sellerId: sellerId, now: now)
            var childLines: [(lineId: Int64, index: Int, qty: Int64)] = []
            for (index, (lineId, allocation)) in zip(lineIds, allocations).enumerated() where allocation.shortMilli > 0 {
                childLines.append((lineId, index, allocation.shortMilli))
            }
            try db.execute(
                sql: """
                    INSERT INTO customerOrder (number, sellerOrganizationId, counterpartyId, agreementId, userId, placedByUserId, statusId, source, parentOrderId,
                        currency, subtotalMinor, totalMinor, priceTypeId, deliveryMethod, warehouseId, deliveryAddressId, deliveryAddressText, consignee,
                        contactName, contactPhone, deliveryDate, deliveryWindow, comment, placedAt, updatedAt, poNumber, costCentre)
                    SELECT ?, sellerOrganizationId, counterpartyId, agreementId, userId, placedByUserId, statusId, source, id,
                        currency, 0, 0, priceTypeId, deliveryMethod, warehouseId, deliveryAddressId, deliveryAddressText, consignee,
                        contactName, contactPhone, deliveryDate, deliveryWindow, comment, placedAt, updatedAt, poNumber, costCentre
                    FROM customerOrder WHERE id = ?
                    """,
                arguments: [childNumber, orderId])
            let childId = db.lastInsertedRowID
            for (childIndex, entry) in childLines.enumerated() {
                let line = try Row.fetchOne(db, sql: "SELECT * FROM orderLine WHERE id = ?", arguments: [entry.lineId])!
                let fullQty: Int64 = line["qtyMilli"]
                let fullAmount: Int64 = line["amountMinor"]
                let fullDiscount: Int64 = line["discountMinor"]
                let fullVat: Int64 = line["vatMinor"]
                func share(_ value: Int64) -> Int64 { Money.rounded(numerator: Int128(value) * Int128(entry.qty), denominator: Int128(fullQty)) }
                let (amount, discount, vat) = (share(fullAmount), share(fullDiscount), share(fullVat))
                try db.execute(
                    sql: """
                        INSERT INTO orderLine (orderId, lineNo, productId, sku, name, unitId, unitFactor, qtyMilli, priceMinor, discountMinor, amountMinor,
                            vatRate, vatMinor, priceRuleId)
                        SELECT ?, ?, productId, sku, name, unitId, unitFactor, ?, priceMinor, ?, ?, vatRate, ?, priceRuleId FROM orderLine WHERE id = ?
                        """,
                    arguments: [childId, childIndex + 1, entry.qty, discount, amount, vat, entry.lineId])
                if entry.qty == fullQty {
                    try db.execute(sql: "DELETE FROM orderLine WHERE id = ?", arguments: [entry.lineId])
                } else {
                    try db.execute(
                        sql: "UPDATE orderLine SET qtyMilli = qtyMilli - ?, amountMinor = amountMinor - ?, discountMinor = discountMinor - ?, vatMinor = vatMinor - ? WHERE id = ?",
                        arguments: [entry.qty, amount, discount, vat, entry.lineId])
                }
            }
            // Renumber the parent's remaining lines 1…n and recompute both orders' totals.
            let remaining = try Int64.fetchAll(db, sql: "SELECT id FROM orderLine WHERE orderId = ? ORDER BY lineNo", arguments: [orderId])
            try db.execute(sql: "UPDATE orderLine SET lineNo = lineNo + 1000000 WHERE orderId = ?", arguments: [orderId])
            for (index, id) in remaining.enumerated() {
                try db.execute(sql: "UPDATE orderLine SET lineNo = ? WHERE id = ?", arguments: [index + 1, id])
            }
            for id in [orderId, childId] {
                try db.execute(
                    sql: """
                        UPDATE customerOrder SET
                            subtotalMinor = (SELECT coalesce(sum(amountMinor + discountMinor), 0) FROM orderLine WHERE orderId = ?1),
                            discountMinor = (SELECT coalesce(sum(discountMinor), 0) FROM orderLine WHERE orderId = ?1),
                            vatMinor = (SELECT coalesce(sum(vatMinor), 0) FROM orderLine WHERE orderId = ?1),
                            totalMinor = (SELECT coalesce(sum(amountMinor), 0) FROM orderLine WHERE orderId = ?1)
                        WHERE id = ?1
                        """,
                    arguments: [id])
            }
            try db.execute(
                sql: "INSERT INTO orderEvent (orderId, at, kind, note) VALUES (?, ?, 'split', ?), (?, ?, 'placed', ?)",
                arguments: [orderId, placedAt, "to be brought in: \(childNumber)", childId, placedAt, "split from \(number)"])
            return [childId]
        }
    }

    /// Publishes an order event: to the buyer who placed it (e-mail, SMS if opted in, webhooks)
    /// and, for a new order, to the company's managers.
    static func enqueueOrderNotifications(_ db: Database, orderId: Int64, topic: String, key: String, extra: [String: String] = [:]) throws {
        guard let order = try Row.fetchOne(
            db,
            sql: """
                SELECT o.id, o.number, o.totalMinor, o.currency, o.counterpartyId, o.userId, c.name AS company, s.nameEn, s.nameRu
                FROM customerOrder o JOIN counterparty c ON c.id = o.counterpartyId JOIN orderStatus s ON s.id = o.statusId WHERE o.id = ?
                """,
            arguments: [orderId])
        else { return }
        var payload: [String: String] = [
            "orderId": String(orderId), "number": order["number"], "company": order["company"],
            "total": Money(minorUnits: order["totalMinor"], currency: order["currency"]).decimalString + " " + (order["currency"] as String),
            "statusEn": order["nameEn"], "statusRu": order["nameRu"], "link": "/orders/\(orderId)",
        ]
        payload.merge(extra) { $1 }
        if extra["userId"] == nil, let userId: Int64 = order["userId"] { payload["userId"] = String(userId) }
        try Outbox.publish(db, topic: topic, payload: payload, idempotencyKey: key)
        if topic == "order.placed" {
            var staff = payload
            staff["userId"] = nil
            staff["counterpartyId"] = String(order["counterpartyId"] as Int64)
            try Outbox.publish(db, topic: "order.placed_for_managers", payload: staff, idempotencyKey: "\(key).managers")
        }
    }
}
