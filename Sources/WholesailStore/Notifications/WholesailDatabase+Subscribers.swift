import Foundation
import GRDB
import WholesailCore

/// A user who asked for news and offers by e-mail.
public struct MailingSubscriber: Sendable, Equatable {
    public var userId: Int64
    public var email: String
    public var name: String
    public var phone: String
    public var locale: String
    /// The companies the user works for, comma-separated.
    public var companies: String
    /// When they subscribed ('YYYY-MM-DD HH:MM:SS.SSS', UTC).
    public var subscribedAt: String
}

extension WholesailDatabase {
    // MARK: Subscriptions

    public func mailingOptIn(userId: Int64) async throws -> Bool {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT mailingOptIn FROM user WHERE id = ?", arguments: [userId]) == 1
        }
    }

    /// Subscribes a user to mailings or unsubscribes them. A change is stamped and published
    /// (`subscriber.subscribed` / `subscriber.unsubscribed`) in the same transaction, so the mailing
    /// service's webhook hears of it; saving the same choice again changes and publishes nothing.
    public func setMailingOptIn(userId: Int64, _ optIn: Bool, now: Date = Date()) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT mailingOptIn FROM user WHERE id = ?", arguments: [userId]) else {
                throw DomainError.notFound("user")
            }
            guard (row["mailingOptIn"] as Int == 1) != optIn else { return }
            try db.execute(
                sql: "UPDATE user SET mailingOptIn = ?, mailingOptInAt = ? WHERE id = ?",
                arguments: [optIn ? 1 : 0, optIn ? Self.stamp(now) : nil, userId])
            var payload = try Self.subscriberPayload(db, userId: userId)
            payload["at"] = Self.stamp(now)
            let topic = optIn ? "subscriber.subscribed" : "subscriber.unsubscribed"
            try Outbox.publish(db, topic: topic, payload: payload, idempotencyKey: "\(topic).\(userId).\(Self.stamp(now))", now: now)
        }
    }

    public func mailingSubscriberCount() async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM user WHERE mailingOptIn = 1 AND status = 'active'") ?? 0
        }
    }

    /// Who gets mailings: active users who opted in, oldest subscription first.
    public func mailingSubscribers() async throws -> [MailingSubscriber] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT user.id, user.email, user.fullName, ifnull(user.phone, '') AS phone, user.locale,
                           ifnull(user.mailingOptInAt, '') AS subscribedAt,
                           ifnull((SELECT group_concat(name, ', ') FROM (
                               SELECT counterparty.name FROM userCounterparty
                               JOIN counterparty ON counterparty.id = userCounterparty.counterpartyId
                               WHERE userCounterparty.userId = user.id ORDER BY counterparty.name)), '') AS companies
                    FROM user WHERE mailingOptIn = 1 AND status = 'active' ORDER BY mailingOptInAt, id
                    """
            ).map {
                MailingSubscriber(
                    userId: $0["id"], email: $0["email"], name: $0["fullName"], phone: $0["phone"], locale: $0["locale"],
                    companies: $0["companies"], subscribedAt: $0["subscribedAt"])
            }
        }
    }

    /// The fields a mailing service needs about a person.
    static func subscriberPayload(_ db: Database, userId: Int64) throws -> [String: String] {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT email, fullName, ifnull(phone, '') AS phone, locale, defaultCounterpartyId FROM user WHERE id = ?",
                arguments: [userId])
        else { return ["userId": String(userId)] }
        var payload: [String: String] = [
            "userId": String(userId), "email": row["email"], "name": row["fullName"], "phone": row["phone"], "lang": row["locale"],
        ]
        if let company: Int64 = row["defaultCounterpartyId"],
            let name = try String.fetchOne(db, sql: "SELECT name FROM counterparty WHERE id = ?", arguments: [company])
        {
            payload["counterpartyId"] = String(company)
            payload["company"] = name
        }
        return payload.filter { !$0.value.isEmpty }
    }

    // MARK: Trigger events

    /// Publishes `cart.abandoned` for every working cart with lines that a subscribed, active user
    /// left alone since before `idleSince` (but not before `notBefore`, so an old cart is not
    /// announced when the feature is first switched on). Once per cart state: the key holds the
    /// cart's last change. Webhooks only (the mailing service sends the reminder). Returns how
    /// many were published.
    @discardableResult
    public func publishAbandonedCarts(idleSince: Date, notBefore: Date, now: Date = Date()) async throws -> Int {
        try await write { db in
            let carts = try Row.fetchAll(
                db,
                sql: """
                    SELECT cart.id, cart.userId, cart.counterpartyId, cart.updatedAt,
                           (SELECT count(*) FROM cartLine WHERE cartLine.cartId = cart.id) AS lines,
                           (SELECT group_concat(sku, ', ') FROM (
                               SELECT product.sku FROM cartLine JOIN product ON product.id = cartLine.productId
                               WHERE cartLine.cartId = cart.id ORDER BY cartLine.id LIMIT 20)) AS skus
                    FROM cart JOIN user ON user.id = cart.userId
                    WHERE cart.name IS NULL AND cart.updatedAt < ? AND cart.updatedAt >= ?
                      AND user.status = 'active' AND user.mailingOptIn = 1
                      AND EXISTS (SELECT 1 FROM cartLine WHERE cartLine.cartId = cart.id)
                    ORDER BY cart.id
                    """,
                arguments: [Self.stamp(idleSince), Self.stamp(notBefore)])
            var published = 0
            for cart in carts {
                let cartId: Int64 = cart["id"]
                let userId: Int64 = cart["userId"]
                let updatedAt: String = cart["updatedAt"]
                let key = "cart.abandoned.\(cartId).\(updatedAt)"
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM outbox WHERE idempotencyKey LIKE ? || '#%'", arguments: [key]) == nil else {
                    continue
                }
                var payload = try Self.subscriberPayload(db, userId: userId)
                if let company: Int64 = cart["counterpartyId"] {
                    payload["counterpartyId"] = String(company)
                    payload["company"] = try String.fetchOne(db, sql: "SELECT name FROM counterparty WHERE id = ?", arguments: [company])
                }
                payload["cartId"] = String(cartId)
                payload["lines"] = String(cart["lines"] as Int)
                payload["skus"] = cart["skus"] ?? ""
                payload["changedAt"] = updatedAt
                payload["link"] = "/cart"
                try Outbox.publish(db, topic: "cart.abandoned", payload: payload, idempotencyKey: key, now: now)
                published += 1
            }
            return published
        }
    }
}
