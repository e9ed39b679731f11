import Foundation
import GRDB
import WholesailCore

/// An order status as the admin defines it.
public struct OrderStatus: Sendable, Equatable {
    public var id: Int64
    public var code: String
    public var nameEn: String
    public var nameRu: String
    public var color: String
    public var erpCode: String?
    public var isActive: Bool
    public var allowsCancel: Bool
    public var allowsEdit: Bool
    public var isFinal: Bool
    public var sortOrder: Int

    public init(
        id: Int64 = 0, code: String, nameEn: String, nameRu: String, color: String = "#5b6675", erpCode: String? = nil, isActive: Bool = true,
        allowsCancel: Bool = false, allowsEdit: Bool = false, isFinal: Bool = false, sortOrder: Int = 0
    ) {
        self.id = id
        self.code = code
        self.nameEn = nameEn
        self.nameRu = nameRu
        self.color = color
        self.erpCode = erpCode
        self.isActive = isActive
        self.allowsCancel = allowsCancel
        self.allowsEdit = allowsEdit
        self.isFinal = isFinal
        self.sortOrder = sortOrder
    }

    init(row: Row) {
        self.init(
            id: row["id"], code: row["code"], nameEn: row["nameEn"], nameRu: row["nameRu"], color: row["color"], erpCode: row["erpCode"],
            isActive: row["isActive"] == 1, allowsCancel: row["allowsCancel"] == 1, allowsEdit: row["allowsEdit"] == 1, isFinal: row["isFinal"] == 1,
            sortOrder: row["sortOrder"])
    }
}

/// Filters of the order history (buyer's and manager's).
public struct OrderFilter: Sendable, Equatable {
    /// The companies whose orders may be listed (what the caller can see); nil: all.
    public var counterparties: Set<Int64>?
    public var counterpartyId: Int64?
    public var statusCode: String?
    public var activeOnly = false
    public var from: String?
    public var to: String?
    public var number: String?
    public var page = 1
    public var perPage = 20

    public init(counterparties: Set<Int64>?) { self.counterparties = counterparties }
}

/// A row of the order history.
public struct OrderSummary: Sendable, Equatable {
    public var id: Int64
    public var number: String
    public var placedAt: String
    public var counterpartyId: Int64
    public var counterparty: String
    public var status: OrderStatus
    public var source: String
    public var totalMinor: Int64
    public var currency: String
    public var lineCount: Int
    public var parentOrderId: Int64?
    /// The buyer's purchase order number.
    public var poNumber: String? = nil
}

/// An order with everything its page shows.
public struct OrderDetail: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var id: Int64
        public var lineNo: Int
        public var productId: Int64?
        public var sku: String
        public var name: String
        public var unit: String
        public var unitId: Int64
        public var qtyMilli: Int64
        public var priceMinor: Int64
        public var discountMinor: Int64
        public var amountMinor: Int64
        public var vatRate: String
        public var vatMinor: Int64
        public var shippedMilli: Int64
        public var reservedMilli: Int64
        /// The company's own number of the product when the order was placed.
        public var customerSku: String? = nil
    }

    public struct Shipment: Sendable, Equatable {
        public struct Line: Sendable, Equatable {
            public var orderLineId: Int64
            public var qtyMilli: Int64
        }

        public var id: Int64
        public var number: String
        public var warehouse: String?
        public var status: String
        public var carrier: String?
        public var trackingNumber: String?
        public var shippedAt: String?
        public var deliveredAt: String?
        public var lines: [Line]
        /// The carrier's last word on it (tracking), and when that changed.
        public var trackingStatus: String? = nil
        public var trackingChangedAt: String? = nil
    }

    public struct Event: Sendable, Equatable {
        public var at: String
        public var kind: String
        public var user: String?
        public var status: OrderStatus?
        public var note: String?
    }

    public struct Document: Sendable, Equatable {
        public var id: Int64
        public var kind: String
        public var number: String
        public var date: String
        public var amountMinor: Int64?
        public var hasFile: Bool
        /// The shipment it goes with (a waybill, an invoice), if any.
        public var shipmentId: Int64? = nil
        /// `generated`, `erp` or `manager`.
        public var source: String = "generated"
    }

    public var summary: OrderSummary
    public var sellerOrganization: String
    public var agreement: String?
    public var placedBy: String?
    public var subtotalMinor: Int64
    public var discountMinor: Int64
    public var vatMinor: Int64
    public var deliveryMethod: String
    public var warehouse: String?
    public var address: String?
    public var consignee: String?
    public var contactName: String?
    public var contactPhone: String?
    public var deliveryDate: String?
    public var deliveryWindow: String?
    public var comment: String?
    public var reservedUntil: String?
    public var creditOverride: Bool
    public var lines: [Line]
    public var shipments: [Shipment]
    public var events: [Event]
    public var documents: [Document]
    public var linkedOrders: [(id: Int64, number: String)]

    public static func == (lhs: OrderDetail, rhs: OrderDetail) -> Bool {
        lhs.summary == rhs.summary && lhs.lines == rhs.lines && lhs.shipments == rhs.shipments && lhs.events == rhs.events
            && lhs.documents == rhs.documents && lhs.linkedOrders.map(\.id) == rhs.linkedOrders.map(\.id)
    }
}

extension WholesailDatabase {
    public func orderStatuses() async throws -> [OrderStatus] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM orderStatus ORDER BY sortOrder, id").map(OrderStatus.init(row:))
        }
    }

    /// Creates (id 0) or updates an order status.
    @discardableResult
    public func saveOrderStatus(_ status: OrderStatus, actor: Int64?) async throws -> Int64 {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let code = status.code.trimmingCharacters(in: .whitespaces)
        if code.isEmpty || code.count > 40 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            fields["code"] = .init(code: "status.bad_code", message: "Use 1 to 40 Latin letters, digits or underscores.")
        }
        for (name, value) in [("nameEn", status.nameEn), ("nameRu", status.nameRu)] {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { fields[name] = .init(code: "field.required", message: "This field is required.") }
            if trimmed.count > 100 { fields[name] = .init(code: "field.too_long", message: "This is too long.") }
        }
        let color = status.color
        if color.count != 7 || !color.hasPrefix("#") || !color.dropFirst().allSatisfy(\.isHexDigit) {
            fields["color"] = .init(code: "status.bad_color", message: "Enter a colour like #1f5f8b.")
        }
        if let erp = status.erpCode, erp.count > 100 { fields["erpCode"] = .init(code: "field.too_long", message: "This is too long.") }
        if !fields.isEmpty { throw ValidationError(fields: fields) }
        return try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM orderStatus WHERE code = ? AND id <> ?", arguments: [code, status.id]) == true {
                throw ValidationError(field: "code", code: "status.code_taken", message: "Another status has this code.")
            }
            let arguments: StatementArguments = [
                code, status.nameEn.trimmingCharacters(in: .whitespaces), status.nameRu.trimmingCharacters(in: .whitespaces), color.lowercased(),
                status.erpCode.flatMap { $0.isEmpty ? nil : $0 }, status.isActive, status.allowsCancel, status.allowsEdit, status.isFinal, status.sortOrder,
            ]
            let id: Int64
            if status.id == 0 {
                try db.execute(
                    sql: "INSERT INTO orderStatus (code, nameEn, nameRu, color, erpCode, isActive, allowsCancel, allowsEdit, isFinal, sortOrder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: arguments)
                id = db.lastInsertedRowID
            } else {
                try db.execute(
                    sql: "UPDATE orderStatus SET code = ?, nameEn = ?, nameRu = ?, color = ?, erpCode = ?, isActive = ?, allowsCancel = ?, allowsEdit = ?, isFinal = ?, sortOrder = ? WHERE id = ?",
                    arguments: arguments + [status.id])
                guard db.changesCount == 1 else { throw DomainError(.notFound, code: "status.not_found", message: "The status was not found.") }
                id = status.id
            }
            try Self.audit(db, actor: actor, action: "order_status.save", objectType: "orderStatus", objectId: String(id), details: ["code": code])
            return id
        }
    }

    public func orders(_ filter: OrderFilter) async throws -> (items: [OrderSummary], total: Int) {
        try await read { db in
            var conditions: [String] = []
            var arguments: [String: (any DatabaseValueConvertible)?] = [:]
            if let allowed = filter.counterparties {
                conditions.append("o.counterpartyId IN (SELECT value FROM json_each(:allowed))")
                arguments["allowed"] = "[" + allowed.map(String.init).joined(separator: ",") + "]"
            }
            if let id = filter.counterpartyId {
                conditions.append("o.counterpartyId = :counterparty")
                arguments["counterparty"] = id
            }
            if let status = filter.statusCode, !status.isEmpty {
                conditions.append("s.code = :status")
                arguments["status"] = status
            }
            if filter.activeOnly { conditions.append("s.isActive = 1") }
            if let from = filter.from, !from.isEmpty {
                conditions.append("o.placedAt >= :from")
                arguments["from"] = from
            }
            if let to = filter.to, !to.isEmpty {
                conditions.append("o.placedAt < date(:to, '+1 day')")
                arguments["to"] = to
            }
            if let number = filter.number?.trimmingCharacters(in: .whitespaces), !number.isEmpty {
                conditions.append("(o.number LIKE :number ESCAPE '\\' OR o.poNumber LIKE :number ESCAPE '\\')")
                arguments["number"] = "%" + number.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let from = "FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId JOIN counterparty c ON c.id = o.counterpartyId \(whereClause)"
            let total = try Int.fetchOne(db, sql: "SELECT count(*) \(from)", arguments: StatementArguments(arguments)) ?? 0
            var paged = arguments
            paged["limit"] = max(1, min(filter.perPage, 100))
            paged["offset"] = (max(filter.page, 1) - 1) * max(1, min(filter.perPage, 100))
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.id, o.number, o.placedAt, o.counterpartyId, c.name AS counterparty, o.source, o.totalMinor, o.currency, o.parentOrderId, o.poNumber,
                        (SELECT count(*) FROM orderLine l WHERE l.orderId = o.id) AS lineCount, s.id AS statusId, s.code, s.nameEn, s.nameRu,
                        s.color, s.erpCode, s.isActive, s.allowsCancel, s.allowsEdit, s.isFinal, s.sortOrder
                    \(from) ORDER BY o.placedAt DESC, o.id DESC LIMIT :limit OFFSET :offset
                    """,
                arguments: StatementArguments(paged))
            return (rows.map(Self.summary), total)
        }
    }

    static func summary(_ row: Row) -> OrderSummary {
        let status = OrderStatus(
            id: row["statusId"], code: row["code"], nameEn: row["nameEn"], nameRu: row["nameRu"], color: row["color"], erpCode: row["erpCode"],
            isActive: row["isActive"] == 1, allowsCancel: row["allowsCancel"] == 1, allowsEdit: row["allowsEdit"] == 1, isFinal: row["isFinal"] == 1,
            sortOrder: row["sortOrder"])
        return OrderSummary(
            id: row["id"], number: row["number"], placedAt: row["placedAt"], counterpartyId: row["counterpartyId"], counterparty: row["counterparty"],
            status: status, source: row["source"], totalMinor: row["totalMinor"], currency: row["currency"], lineCount: row["lineCount"],
            parentOrderId: row["parentOrderId"], poNumber: row["poNumber"])
    }

    public func order(id: Int64) async throws -> OrderDetail? {
        try await read { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT o.id, o.number, o.placedAt, o.counterpartyId, c.name AS counterparty, o.source, o.totalMinor, o.currency, o.parentOrderId, o.poNumber,
                        (SELECT count(*) FROM orderLine l WHERE l.orderId = o.id) AS lineCount, s.id AS statusId, s.code, s.nameEn, s.nameRu,
                        s.color, s.erpCode, s.isActive, s.allowsCancel, s.allowsEdit, s.isFinal, s.sortOrder
                    FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId JOIN counterparty c ON c.id = o.counterpartyId WHERE o.id = ?
                    """,
                arguments: [id])
            else { return nil }
            let summary = Self.summary(row)
            let order = try Row.fetchOne(
                db,
                sql: """
                    SELECT o.*, so.name AS seller, a.number AS agreementNumber, a.date AS agreementDate, u.fullName AS placedBy, w.name AS warehouseName
                    FROM customerOrder o JOIN sellerOrganization so ON so.id = o.sellerOrganizationId LEFT JOIN agreement a ON a.id = o.agreementId
                    LEFT JOIN user u ON u.id = o.userId LEFT JOIN warehouse w ON w.id = o.warehouseId WHERE o.id = ?
                    """,
                arguments: [id])!
            let lines = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.*, u.name AS unitName,
                        (SELECT coalesce(sum(r.qtyMilli), 0) FROM reservation r WHERE r.orderLineId = l.id AND r.releasedAt IS NULL) AS reserved
                    FROM orderLine l JOIN unit u ON u.id = l.unitId WHERE l.orderId = ? ORDER BY l.lineNo
                    """,
                arguments: [id]
            ).map {
                OrderDetail.Line(
                    id: $0["id"], lineNo: $0["lineNo"], productId: $0["productId"], sku: $0["sku"], name: $0["name"], unit: $0["unitName"], unitId: $0["unitId"],
                    qtyMilli: $0["qtyMilli"], priceMinor: $0["priceMinor"], discountMinor: $0["discountMinor"], amountMinor: $0["amountMinor"],
                    vatRate: $0["vatRate"], vatMinor: $0["vatMinor"], shippedMilli: $0["shippedMilli"], reservedMilli: $0["reserved"],
                    customerSku: $0["customerSku"])
            }
            let shipmentLines = try Row.fetchAll(
                db, sql: "SELECT sl.* FROM shipmentLine sl JOIN shipment s ON s.id = sl.shipmentId WHERE s.orderId = ?", arguments: [id])
            let shipments = try Row.fetchAll(
                db, sql: "SELECT s.*, w.name AS warehouseName FROM shipment s LEFT JOIN warehouse w ON w.id = s.warehouseId WHERE s.orderId = ? ORDER BY s.id",
                arguments: [id]
            ).map { row in
                let shipmentId: Int64 = row["id"]
                return OrderDetail.Shipment(
                    id: shipmentId, number: row["number"], warehouse: row["warehouseName"], status: row["status"], carrier: row["carrier"],
                    trackingNumber: row["trackingNumber"], shippedAt: row["shippedAt"], deliveredAt: row["deliveredAt"],
                    lines: shipmentLines.filter { $0["shipmentId"] == shipmentId }.map { .init(orderLineId: $0["orderLineId"], qtyMilli: $0["qtyMilli"]) },
                    trackingStatus: row["trackingStatus"], trackingChangedAt: row["trackingChangedAt"])
            }
            let statuses = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT * FROM orderStatus").map { ($0["id"] as Int64, OrderStatus(row: $0)) })
            let events = try Row.fetchAll(
                db, sql: "SELECT e.*, u.fullName FROM orderEvent e LEFT JOIN user u ON u.id = e.userId WHERE e.orderId = ? ORDER BY e.at, e.id",
                arguments: [id]
            ).map {
                OrderDetail.Event(at: $0["at"], kind: $0["kind"], user: $0["fullName"], status: ($0["statusId"] as Int64?).flatMap { statuses[$0] }, note: $0["note"])
            }
            let documents = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, kind, number, date, amountMinor, fileId, shipmentId, source FROM document
                    WHERE orderId = ?1 OR shipmentId IN (SELECT id FROM shipment WHERE orderId = ?1) ORDER BY date, id
                    """,
                arguments: [id]
            ).map {
                OrderDetail.Document(
                    id: $0["id"], kind: $0["kind"], number: $0["number"], date: $0["date"], amountMinor: $0["amountMinor"], hasFile: $0["fileId"] != nil,
                    shipmentId: $0["shipmentId"], source: $0["source"])
            }
            let linked = try Row.fetchAll(
                db, sql: "SELECT id, number FROM customerOrder WHERE (parentOrderId = ?1 OR id = ?2) AND id <> ?1 ORDER BY id",
                arguments: [id, order["parentOrderId"] as Int64?]
            ).map { (id: $0["id"] as Int64, number: $0["number"] as String) }
            var agreement: String?
            if let number: String = order["agreementNumber"] { agreement = "\(number) (\(order["agreementDate"] as String? ?? ""))" }
            return OrderDetail(
                summary: summary, sellerOrganization: order["seller"], agreement: agreement, placedBy: order["placedBy"],
                subtotalMinor: order["subtotalMinor"], discountMinor: order["discountMinor"], vatMinor: order["vatMinor"],
                deliveryMethod: order["deliveryMethod"], warehouse: order["warehouseName"], address: order["deliveryAddressText"],
                consignee: order["consignee"], contactName: order["contactName"], contactPhone: order["contactPhone"],
                deliveryDate: order["deliveryDate"], deliveryWindow: order["deliveryWindow"], comment: order["comment"],
                reservedUntil: order["reservedUntil"], creditOverride: order["creditOverrideBy"] != nil, lines: lines, shipments: shipments,
                events: events, documents: documents, linkedOrders: linked)
        }
    }

    /// Moves an order to a status (a manager, the ERP, or the buyer cancelling). Final statuses
    /// release the order's reservations. Every change is an event with who and when.
    public func setOrderStatus(orderId: Int64, statusCode: String, actor: Int64?, note: String? = nil, now: Date = Date()) async throws {
        try await write { db in try Self.setOrderStatus(db, orderId: orderId, statusCode: statusCode, actor: actor, note: note, now: now) }
    }

    static func setOrderStatus(_ db: Database, orderId: Int64, statusCode: String, actor: Int64?, note: String?, now: Date) throws {
        guard let status = try Row.fetchOne(db, sql: "SELECT * FROM orderStatus WHERE code = ?", arguments: [statusCode]).map(OrderStatus.init(row:)) else {
            throw DomainError(.invalid, code: "status.not_found", message: "There is no such status.")
        }
        guard let current = try Int64.fetchOne(db, sql: "SELECT statusId FROM customerOrder WHERE id = ?", arguments: [orderId]) else {
            throw DomainError(.notFound, code: "order.not_found", message: "The order was not found.")
        }
        guard current != status.id else { return }
        // An order the buyer company has not approved yet is not the distributor's to move: it can
        // only be withdrawn (cancelled); a declined one stays declined.
        let currentCode = try String.fetchOne(db, sql: "SELECT code FROM orderStatus WHERE id = ?", arguments: [current])
        if currentCode == "approval_declined" || (currentCode == "pending_approval" && status.code != "cancelled") {
            throw DomainError(.conflict, code: "order.awaiting_approval", message: "This order waits for the approval of the buyer's company.")
        }
        let at = stamp(now)
        if currentCode == "pending_approval" {
            try db.execute(sql: "UPDATE orderApproval SET status = 'withdrawn' WHERE orderId = ? AND status = 'pending'", arguments: [orderId])
        }
        try db.execute(sql: "UPDATE customerOrder SET statusId = ?, updatedAt = ? WHERE id = ?", arguments: [status.id, at, orderId])
        try db.execute(
            sql: "INSERT INTO orderEvent (orderId, at, userId, kind, statusId, note) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [orderId, at, actor, status.code == "cancelled" ? "cancelled" : "status", status.id, note])
        if status.isFinal || !status.isActive { try releaseReservations(db, orderId: orderId, at: at) }
        try enqueueOrderNotifications(
            db, orderId: orderId, topic: "order.status", key: "order.status.\(orderId).\(status.code).\(at)", extra: ["comment": note ?? ""])
    }

    /// The buyer cancels an order whose status allows it.
    public func cancelOrder(orderId: Int64, actor: Int64, now: Date = Date()) async throws {
        try await write { db in
            guard let allows = try Bool.fetchOne(
                db, sql: "SELECT s.allowsCancel FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId WHERE o.id = ?", arguments: [orderId])
            else { throw DomainError(.notFound, code: "order.not_found", message: "The order was not found.") }
            guard allows else {
                throw DomainError(.conflict, code: "order.cannot_cancel", message: "This order can no longer be cancelled here. Please contact your manager.")
            }
            try Self.setOrderStatus(db, orderId: orderId, statusCode: "cancelled", actor: actor, note: nil, now: now)
        }
    }

    static func releaseReservations(_ db: Database, orderId: Int64, at: String) throws {
        let open = try Row.fetchAll(
            db,
            sql: "SELECT r.id, r.productId, r.warehouseId, r.qtyMilli FROM reservation r JOIN orderLine l ON l.id = r.orderLineId WHERE l.orderId = ? AND r.releasedAt IS NULL",
            arguments: [orderId])
        for reservation in open { try release(db, reservation, at: at) }
    }

    static func release(_ db: Database, _ reservation: Row, at: String) throws {
        try db.execute(
            sql: "UPDATE stock SET reservedMilli = max(0, reservedMilli - ?) WHERE productId = ? AND warehouseId = ?",
            arguments: [reservation["qtyMilli"] as Int64, reservation["productId"] as Int64, reservation["warehouseId"] as Int64])
        try db.execute(sql: "UPDATE reservation SET releasedAt = ? WHERE id = ?", arguments: [at, reservation["id"] as Int64])
        // `stock` has no rowid: observers (the catalog index's stock sets) are told explicitly.
        try db.notifyChanges(in: Table("stock"))
    }

    /// Releases reservations whose term has passed; returns how many.
    @discardableResult
    public func releaseExpiredReservations(now: Date = Date()) async throws -> Int {
        try await write { db in
            let at = Self.stamp(now)
            let expired = try Row.fetchAll(
                db, sql: "SELECT id, productId, warehouseId, qtyMilli FROM reservation WHERE releasedAt IS NULL AND expiresAt <= ?", arguments: [at])
            for reservation in expired { try Self.release(db, reservation, at: at) }
            return expired.count
        }
    }

    /// Puts an order's lines into the working cart at today's prices; returns SKUs that could
    /// not be added (no longer sold).
    public func repeatOrder(orderId: Int64, userId: Int64) async throws -> [String] {
        try await write { db in
            let cartId = try Self.ensureWorkingCart(db, userId: userId)
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM customerOrder WHERE id = ?", arguments: [orderId]) == true else {
                throw DomainError(.notFound, code: "order.not_found", message: "The order was not found.")
            }
            let rows = try Row.fetchAll(db, sql: "SELECT productId, unitId, qtyMilli, sku FROM orderLine WHERE orderId = ? ORDER BY lineNo", arguments: [orderId])
            return try Self.copyLines(db, from: rows, into: cartId)
        }
    }

    /// Warehouses a buyer of a region can pick up from.
    public func pickupWarehouses(regionId: Int64?) async throws -> [(id: Int64, name: String, address: String?)] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT id, name, address FROM warehouse WHERE active = 1 AND isPickupPoint = 1 AND (? IS NULL OR regionId IS NULL OR regionId = ?) ORDER BY name",
                arguments: [regionId, regionId]
            ).map { (id: $0["id"], name: $0["name"], address: $0["address"]) }
        }
    }

    /// Active agreements of a counterparty, the default first.
    public func agreements(counterpartyId: Int64) async throws -> [(id: Int64, title: String, isDefault: Bool)] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.number, a.date, a.isDefault, s.name AS seller FROM agreement a JOIN sellerOrganization s ON s.id = a.sellerOrganizationId
                    WHERE a.counterpartyId = ? AND a.active = 1 ORDER BY a.isDefault DESC, a.id
                    """,
                arguments: [counterpartyId]
            ).map { (id: $0["id"], title: "№ \($0["number"] as String) от \($0["date"] as String) — \($0["seller"] as String)", isDefault: $0["isDefault"] == 1) }
        }
    }

    /// Names of counterparties (all of them for nil), for filters.
    public func companyNames(ids: Set<Int64>?) async throws -> [(id: Int64, name: String)] {
        try await read { db in
            let rows: [Row]
            if let ids {
                rows = try Row.fetchAll(
                    db, sql: "SELECT id, name FROM counterparty WHERE id IN (SELECT value FROM json_each(?)) ORDER BY name",
                    arguments: ["[" + ids.map(String.init).joined(separator: ",") + "]"])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT id, name FROM counterparty ORDER BY name LIMIT 1000")
            }
            return rows.map { (id: $0["id"], name: $0["name"]) }
        }
    }

    /// Counterparties a user orders for, by name.
    public func orderingCompanies(userId: Int64) async throws -> [(id: Int64, name: String, regionId: Int64?)] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT c.id, c.name, c.regionId FROM userCounterparty uc JOIN counterparty c ON c.id = uc.counterpartyId WHERE uc.userId = ? ORDER BY c.name",
                arguments: [userId]
            ).map { (id: $0["id"], name: $0["name"], regionId: $0["regionId"]) }
        }
    }
}
