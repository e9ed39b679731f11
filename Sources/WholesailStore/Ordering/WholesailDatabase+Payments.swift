import Foundation
import GRDB
import WholesailCore

public struct Payment: Sendable, Equatable {
    public var id: Int64
    public var token: String
    public var orderId: Int64
    public var orderNumber: String
    public var amountMinor: Int64
    public var currency: String
    public var status: PaymentStatus
    public var externalId: String?
    public var createdAt: String
    public var paidAt: String?
}

/// Why a payment could not be made or a callback was refused.
public struct PaymentError: WholesailError, Equatable {
    public enum Reason: String, Sendable {
        case nothingDue = "payment.nothing_due"
        case orderCancelled = "payment.order_cancelled"
        case unknown = "payment.unknown"
        case amountMismatch = "payment.amount_mismatch"
    }

    public var reason: Reason
    public var kind: ErrorKind {
        switch reason {
        case .nothingDue, .orderCancelled: .conflict
        case .unknown: .notFound
        case .amountMismatch: .invalid
        }
    }
    public var code: String { reason.rawValue }
    public var message: String {
        switch reason {
        case .nothingDue: "Nothing is left to pay for this order."
        case .orderCancelled: "A cancelled order cannot be paid."
        case .unknown: "The payment was not found."
        case .amountMismatch: "The amount or currency does not match the payment."
        }
    }

    public init(_ reason: Reason) {
        self.reason = reason
    }
}

extension WholesailDatabase {
    // MARK: Settings

    public func paymentSettings() async throws -> PaymentGatewaySettings {
        try await read { db in
            var rows: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM setting WHERE key LIKE 'payment.%'") { rows[row["key"]] = row["value"] }
            return PaymentGatewaySettings(rows: rows)
        }
    }

    /// Saves the gateway; `secret` nil keeps the stored one, "" removes it.
    public func savePaymentSettings(_ settings: PaymentGatewaySettings, secret: String?, actor: Int64?, now: Date = Date()) async throws {
        try await write { db in
            var settings = settings
            settings.secret = try secret ?? String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'payment.secret'") ?? ""
            try settings.validate()
            try Self.storeSettings(db, settings.rows, now: now)
            try Self.audit(
                db, actor: actor, action: "settings.payments", objectType: "gateway", objectId: settings.name,
                details: [
                    "enabled": settings.enabled ? "1" : "0", "payURL": settings.payURL,
                    "secret": secret == nil ? "kept" : (secret!.isEmpty ? "removed" : "changed"),
                ], now: now)
        }
    }

    // MARK: Payments

    /// What is still to pay for an order: its total less what was paid.
    public func amountDue(orderId: Int64) async throws -> (minor: Int64, currency: String) {
        try await read { db in try Self.amountDue(db, orderId: orderId) }
    }

    static func amountDue(_ db: Database, orderId: Int64) throws -> (minor: Int64, currency: String) {
        guard let order = try Row.fetchOne(db, sql: "SELECT totalMinor, currency FROM customerOrder WHERE id = ?", arguments: [orderId]) else {
            throw DomainError.notFound("order")
        }
        let paid = try Int64.fetchOne(db, sql: "SELECT ifnull(sum(amountMinor), 0) FROM payment WHERE orderId = ? AND status = 'paid'", arguments: [orderId]) ?? 0
        return (max(0, order["totalMinor"] - paid), order["currency"])
    }

    /// A payment for what is due on the order (a recent unfinished one for the same amount is
    /// reused, so going back and paying again does not pile up payments).
    public func createPayment(orderId: Int64, userId: Int64?, now: Date = Date()) async throws -> Payment {
        try await write { db in
            let status = try String.fetchOne(
                db, sql: "SELECT s.code FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId WHERE o.id = ?", arguments: [orderId])
            if status == "cancelled" { throw PaymentError(.orderCancelled) }
            let due = try Self.amountDue(db, orderId: orderId)
            guard due.minor > 0 else { throw PaymentError(.nothingDue) }
            if let reused = try Row.fetchOne(
                db,
                sql: """
                    SELECT id FROM payment WHERE orderId = ? AND status IN ('created', 'pending') AND amountMinor = ? AND currency = ?
                      AND createdAt >= ? ORDER BY id DESC LIMIT 1
                    """,
                arguments: [orderId, due.minor, due.currency, Self.stamp(now.addingTimeInterval(-1800))])
            {
                return try Self.payment(db, id: reused["id"])!
            }
            let token = Crypto.randomToken(bytes: 16)
            try db.execute(
                sql: """
                    INSERT INTO payment (token, orderId, userId, amountMinor, currency, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [token, orderId, userId, due.minor, due.currency, Self.stamp(now), Self.stamp(now)])
            return try Self.payment(db, id: db.lastInsertedRowID)!
        }
    }

    public func payment(token: String) async throws -> Payment? {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM payment WHERE token = ?", arguments: [token]).flatMap { try Self.payment(db, id: $0) }
        }
    }

    /// The order's payments, newest first.
    public func payments(orderId: Int64) async throws -> [Payment] {
        try await read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM payment WHERE orderId = ? ORDER BY id DESC", arguments: [orderId]).compactMap {
                try Self.payment(db, id: $0)
            }
        }
    }

    /// The newest payments of all orders (the admin's list).
    public func latestPayments(limit: Int = 50) async throws -> [Payment] {
        try await read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM payment ORDER BY id DESC LIMIT ?", arguments: [limit]).compactMap { try Self.payment(db, id: $0) }
        }
    }

    /// Applies a gateway's (already verified) callback. Idempotent: a paid payment stays paid
    /// (a later "failed" is logged and ignored), the same status twice changes nothing. The
    /// amount and currency must be the payment's. On becoming paid: an order event and
    /// `payment.received` (webhooks). Returns the payment and whether it changed.
    @discardableResult
    public func applyPaymentCallback(
        token: String, gatewayStatus: String, status: PaymentStatus, amountMinor: Int64?, currency: String?, externalId: String?,
        now: Date = Date()
    ) async throws -> (payment: Payment, changed: Bool) {
        try await write { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM payment WHERE token = ?", arguments: [token]),
                let current = try Self.payment(db, id: id)
            else { throw PaymentError(.unknown) }
            if let amountMinor, amountMinor != current.amountMinor { throw PaymentError(.amountMismatch) }
            if let currency, currency.uppercased() != current.currency { throw PaymentError(.amountMismatch) }
            let applies = current.status != .paid && current.status != status && status != .created
            try db.execute(
                sql: "INSERT INTO paymentEvent (paymentId, at, gatewayStatus, status, externalId, applied) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, Self.stamp(now), String(gatewayStatus.prefix(100)), status.rawValue, externalId.map { String($0.prefix(200)) }, applies])
            guard applies else { return (current, false) }
            try db.execute(
                sql: """
                    UPDATE payment SET status = ?, externalId = coalesce(?, externalId), updatedAt = ?,
                        paidAt = CASE WHEN ? = 'paid' THEN ? ELSE paidAt END WHERE id = ?
                    """,
                arguments: [status.rawValue, externalId.map { String($0.prefix(200)) }, Self.stamp(now), status.rawValue, Self.stamp(now), id])
            if status == .paid {
                let amount = Money(minorUnits: current.amountMinor, currency: current.currency).decimalString
                try db.execute(
                    sql: "INSERT INTO orderEvent (orderId, at, kind, note) VALUES (?, ?, 'comment', ?)",
                    arguments: [current.orderId, Self.stamp(now), "Paid by card: \(amount) \(current.currency)" + (externalId.map { " (\($0))" } ?? "")])
                let order = try Row.fetchOne(db, sql: "SELECT userId, counterpartyId FROM customerOrder WHERE id = ?", arguments: [current.orderId])
                var payload: [String: String] = [
                    "paymentId": String(id), "orderId": String(current.orderId), "number": current.orderNumber, "amount": amount,
                    "currency": current.currency, "externalId": externalId ?? "", "link": "/orders/\(current.orderId)",
                ]
                if let user: Int64 = order?["userId"] { payload["userId"] = String(user) }
                if let company: Int64 = order?["counterpartyId"] { payload["counterpartyId"] = String(company) }
                try Outbox.publish(db, topic: "payment.received", payload: payload, idempotencyKey: "payment.received.\(id)", now: now)
            }
            return (try Self.payment(db, id: id)!, true)
        }
    }

    static func payment(_ db: Database, id: Int64) throws -> Payment? {
        try Row.fetchOne(
            db, sql: "SELECT p.*, o.number AS orderNumber FROM payment p JOIN customerOrder o ON o.id = p.orderId WHERE p.id = ?", arguments: [id]
        ).map {
            Payment(
                id: $0["id"], token: $0["token"], orderId: $0["orderId"], orderNumber: $0["orderNumber"], amountMinor: $0["amountMinor"],
                currency: $0["currency"], status: PaymentStatus(rawValue: $0["status"]) ?? .created, externalId: $0["externalId"],
                createdAt: $0["createdAt"], paidAt: $0["paidAt"])
        }
    }
}
