import Foundation
import GRDB
import WholesailCore

/// A request for quote in a list.
public struct QuoteSummary: Sendable, Equatable {
    public var id: Int64
    public var counterpartyId: Int64
    public var company: String
    public var buyer: String
    public var status: QuoteStatus
    public var lineCount: Int
    /// The quoted total (after an offer), else the buyer's target total, else nil.
    public var totalMinor: Int64?
    public var currency: String
    public var validUntil: String?
    public var updatedAt: String
    public var orderId: Int64?

    /// The number people quote: `Q-00012`.
    public var number: String { QuoteSummary.number(id) }
    public static func number(_ id: Int64) -> String { "Q-" + String(format: "%05d", id) }
}

/// A request for quote with its lines and its negotiation.
public struct QuoteDetail: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var id: Int64
        public var productId: Int64
        public var sku: String
        public var name: String
        public var unit: String
        public var qtyMilli: Int64
        public var listPriceMinor: Int64?
        public var targetPriceMinor: Int64?
        public var quotedPriceMinor: Int64?
    }

    public struct Round: Sendable, Equatable {
        public var side: String
        public var action: String
        public var author: String
        public var comment: String
        public var validUntil: String?
        /// Prices of this step by line id.
        public var prices: [Int64: Int64]
        public var at: String
    }

    public var summary: QuoteSummary
    public var userId: Int64?
    public var manager: String?
    public var orderNumber: String?
    public var lines: [Line]
    public var rounds: [Round]
}

/// What the buyer sends with a request for quote or a counter-offer: per line, a target price
/// of one unit (nil: no target), plus a comment.
public struct QuoteTargets: Sendable {
    public var prices: [Int64: Int64]
    public var comment: String

    public init(prices: [Int64: Int64], comment: String) {
        self.prices = prices
        self.comment = comment
    }
}

extension WholesailDatabase {
    /// The most lines one request for quote takes.
    public static let maxQuoteLines = 500

    /// Turns the user's working cart into a request for quote for `counterpartyId`: its lines with
    /// the buyer's prices now (`listPrices` by product) and the targets by cart line id; the cart
    /// is emptied, the managers of the company are told (`quote.requested`), and the request is
    /// audited. `cartVersion` must match what the buyer saw.
    public func requestQuote(
        principal: Principal, counterpartyId: Int64, cartVersion: String?, currency: String, listPrices: [Int64: Int64], targets: QuoteTargets,
        now: Date = Date()
    ) async throws -> Int64 {
        let comment = targets.comment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard comment.count <= 5000 else { throw ValidationError(field: "comment", code: "field.too_long", message: "This is too long.") }
        return try await write { db in
            guard try Bool.fetchOne(
                db, sql: "SELECT 1 FROM userCounterparty WHERE userId = ? AND counterpartyId = ?", arguments: [principal.userId, counterpartyId]) == true
            else { throw DomainError(.notFound, code: "cart.counterparty_not_yours", message: "You do not order for this company.") }
            guard let cartId = try Int64.fetchOne(db, sql: "SELECT id FROM cart WHERE userId = ? AND name IS NULL", arguments: [principal.userId])
            else { throw DomainError(.invalid, code: "cart.empty", message: "The cart is empty.") }
            let cart = try Self.loadCart(db, id: cartId)
            guard !cart.lines.isEmpty else { throw DomainError(.invalid, code: "cart.empty", message: "The cart is empty.") }
            guard cart.lines.count <= Self.maxQuoteLines else {
                throw DomainError(.invalid, code: "quote.too_many_lines", message: "A request for quote takes at most \(Self.maxQuoteLines) lines.",
                                  values: ["max": String(Self.maxQuoteLines)])
            }
            if let cartVersion, cartVersion != cart.version {
                throw DomainError(.conflict, code: "cart.changed", message: "The cart was changed in another window. Check it and place the order again.")
            }
            for line in cart.lines where !line.available {
                throw DomainError(.invalid, code: "cart.product_unavailable", message: "Product \(line.sku) is no longer sold.", values: ["sku": line.sku])
            }
            let at = Self.stamp(now)
            try db.execute(
                sql: "INSERT INTO quote (counterpartyId, userId, status, currency, createdAt, updatedAt) VALUES (?, ?, 'requested', ?, ?, ?)",
                arguments: [counterpartyId, principal.userId, currency, at, at])
            let quoteId = db.lastInsertedRowID
            var prices: [Int64: Int64] = [:]
            for (index, line) in cart.lines.enumerated() {
                let target = targets.prices[line.id]
                try db.execute(
                    sql: """
                        INSERT INTO quoteLine (quoteId, lineNo, productId, unitId, qtyMilli, listPriceMinor, targetPriceMinor)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [quoteId, index + 1, line.productId, line.unitId, line.qtyMilli, listPrices[line.productId], target])
                if let target { prices[db.lastInsertedRowID] = target }
            }
            try Self.addRound(
                db, quoteId: quoteId, side: "buyer", action: "request", principal: principal, comment: comment, validUntil: nil, prices: prices, at: at)
            try db.execute(sql: "DELETE FROM cartLine WHERE cartId = ?", arguments: [cartId])
            try Self.touch(db, cart: cartId)
            try Self.publishQuote(db, quoteId: quoteId, topic: "quote.requested", comment: comment, at: at)
            let (actor, actingAs) = Self.auditActor(principal)
            try Self.audit(
                db, actor: actor, actingAs: actingAs, action: "quote.request", objectType: "quote", objectId: String(quoteId),
                details: ["counterpartyId": String(counterpartyId), "lines": String(cart.lines.count)], now: now)
            return quoteId
        }
    }

    /// Requests for quote of some companies (nil: all), newest activity first.
    public func quotes(counterparties: Set<Int64>?, statuses: Set<String>? = nil, today: String, limit: Int = 200) async throws -> [QuoteSummary] {
        try await read { db in
            var conditions: [String] = []
            var arguments: [String: (any DatabaseValueConvertible)?] = ["limit": limit]
            if let counterparties {
                conditions.append("q.counterpartyId IN (SELECT value FROM json_each(:allowed))")
                arguments["allowed"] = "[" + counterparties.map(String.init).joined(separator: ",") + "]"
            }
            if let statuses {
                conditions.append("q.status IN (SELECT value FROM json_each(:statuses))")
                arguments["statuses"] = String(decoding: try JSONSerialization.data(withJSONObject: Array(statuses).sorted()), as: UTF8.self)
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT q.id FROM quote q \(whereClause) ORDER BY q.updatedAt DESC, q.id DESC LIMIT :limit", arguments: StatementArguments(arguments)
            ).compactMap { try Self.quoteSummary(db, id: $0["id"], today: today) }
        }
    }

    static func quoteSummary(_ db: Database, id: Int64, today: String) throws -> QuoteSummary? {
        guard let row = try Row.fetchOne(
            db,
            sql: """
                SELECT q.*, c.name AS company, coalesce(nullif(u.fullName, ''), u.email, '') AS buyer
                FROM quote q JOIN counterparty c ON c.id = q.counterpartyId LEFT JOIN user u ON u.id = q.userId WHERE q.id = ?
                """,
            arguments: [id])
        else { return nil }
        let currency: String = row["currency"]
        let lines = try Row.fetchAll(
            db, sql: "SELECT qtyMilli, quotedPriceMinor, coalesce(targetPriceMinor, listPriceMinor) AS asked FROM quoteLine WHERE quoteId = ?",
            arguments: [id])
        // The total as the order would make it (each line rounded once): the quoted prices once
        // every line has one, else what the buyer asked (targets, or their own prices); nil when a line has neither.
        func total(_ column: String) -> Int64? {
            var sum: Int64 = 0
            for line in lines {
                guard let price = line[column] as Int64? else { return nil }
                sum += Money(minorUnits: price, currency: currency).multiplied(by: ExactDecimal(units: line["qtyMilli"], scale: 1000)).minorUnits
            }
            return lines.isEmpty ? nil : sum
        }
        return QuoteSummary(
            id: id, counterpartyId: row["counterpartyId"], company: row["company"], buyer: row["buyer"],
            status: QuoteStatus.shown(stored: row["status"], validUntil: row["validUntil"], today: today), lineCount: lines.count,
            totalMinor: total("quotedPriceMinor") ?? total("asked"), currency: currency,
            validUntil: row["validUntil"], updatedAt: row["updatedAt"], orderId: row["orderId"])
    }

    /// One request for quote with lines and rounds (nil when there is none).
    public func quote(id: Int64, today: String) async throws -> QuoteDetail? {
        try await read { db in
            guard let summary = try Self.quoteSummary(db, id: id, today: today),
                let head = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT q.userId, coalesce(nullif(m.fullName, ''), m.email) AS manager, o.number AS orderNumber
                        FROM quote q LEFT JOIN user m ON m.id = q.managerId LEFT JOIN customerOrder o ON o.id = q.orderId WHERE q.id = ?
                        """,
                    arguments: [id])
            else { return nil }
            let lines = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.*, p.sku, p.name, u.name AS unit FROM quoteLine l JOIN product p ON p.id = l.productId JOIN unit u ON u.id = l.unitId
                    WHERE l.quoteId = ? ORDER BY l.lineNo
                    """,
                arguments: [id]
            ).map { row in
                QuoteDetail.Line(
                    id: row["id"], productId: row["productId"], sku: row["sku"], name: row["name"], unit: row["unit"], qtyMilli: row["qtyMilli"],
                    listPriceMinor: row["listPriceMinor"], targetPriceMinor: row["targetPriceMinor"], quotedPriceMinor: row["quotedPriceMinor"])
            }
            let rounds = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, coalesce(nullif(u.fullName, ''), u.email, '') AS author FROM quoteRound r LEFT JOIN user u ON u.id = r.userId
                    WHERE r.quoteId = ? ORDER BY r.id
                    """,
                arguments: [id]
            ).map { row in
                var prices: [Int64: Int64] = [:]
                if let json = row["prices"] as String?, let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] {
                    for (key, value) in object {
                        if let line = Int64(key), let price = (value as? NSNumber)?.int64Value { prices[line] = price }
                    }
                }
                return QuoteDetail.Round(
                    side: row["side"], action: row["action"], author: row["author"], comment: row["comment"] ?? "", validUntil: row["validUntil"],
                    prices: prices, at: row["at"])
            }
            return QuoteDetail(
                summary: summary, userId: head["userId"], manager: head["manager"], orderNumber: head["orderNumber"], lines: lines, rounds: rounds)
        }
    }

    /// The manager's offer: a price for every line and the last day it may be accepted. Allowed
    /// while the buyer waits or after an earlier offer (a renewed offer replaces it).
    public func offerQuote(
        id: Int64, principal: Principal, prices: [Int64: Int64], validUntil: String, comment: String, today: String, now: Date = Date()
    ) async throws {
        let comment = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        var fields: [String: ValidationError.FieldIssue] = [:]
        if !CheckoutForm.isDateText(validUntil) {
            fields["validUntil"] = .init(code: "field.bad_date", message: "Enter a date.")
        } else if validUntil < today {
            fields["validUntil"] = .init(code: "quote.valid_past", message: "The offer must be valid until today or later.")
        }
        if comment.count > 5000 { fields["comment"] = .init(code: "field.too_long", message: "This is too long.") }
        let checked = fields
        try await write { db in
            var fields = checked
            let status = try Self.quoteStatus(db, id: id, today: today)
            guard status.managerMayOffer else {
                throw DomainError(.conflict, code: "quote.closed", message: "This request for quote is closed.")
            }
            let lineIds = try Int64.fetchAll(db, sql: "SELECT id FROM quoteLine WHERE quoteId = ? ORDER BY lineNo", arguments: [id])
            for line in lineIds where prices[line] == nil {
                fields["price_\(line)"] = .init(code: "quote.price_required", message: "Enter a price for every line.")
            }
            if !fields.isEmpty { throw ValidationError(fields: fields) }
            let at = Self.stamp(now)
            for line in lineIds {
                try db.execute(sql: "UPDATE quoteLine SET quotedPriceMinor = ? WHERE id = ?", arguments: [prices[line], line])
            }
            let actor = principal.impersonatorId ?? principal.userId
            try db.execute(
                sql: "UPDATE quote SET status = 'offered', managerId = ?, validUntil = ?, updatedAt = ? WHERE id = ?",
                arguments: [actor, validUntil, at, id])
            try Self.addRound(
                db, quoteId: id, side: "manager", action: "offer", principal: principal, comment: comment, validUntil: validUntil,
                prices: prices.filter { lineIds.contains($0.key) }, at: at)
            try Self.publishQuote(db, quoteId: id, topic: "quote.offered", comment: comment, at: at)
            try Self.audit(
                db, actor: actor, action: "quote.offer", objectType: "quote", objectId: String(id), details: ["validUntil": validUntil], now: now)
        }
    }

    /// The buyer answers an offer with new targets (or adds to a request still waiting): the
    /// request goes back to the managers.
    public func counterQuote(id: Int64, principal: Principal, targets: QuoteTargets, today: String, now: Date = Date()) async throws {
        let comment = targets.comment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard comment.count <= 5000 else { throw ValidationError(field: "comment", code: "field.too_long", message: "This is too long.") }
        try await write { db in
            let status = try Self.quoteStatus(db, id: id, today: today)
            guard status.buyerMayAnswer else { throw DomainError(.conflict, code: "quote.closed", message: "This request for quote is closed.") }
            let lineIds = try Int64.fetchAll(db, sql: "SELECT id FROM quoteLine WHERE quoteId = ?", arguments: [id])
            let prices = targets.prices.filter { lineIds.contains($0.key) }
            guard !prices.isEmpty || !comment.isEmpty else {
                throw ValidationError(field: "comment", code: "quote.counter_empty", message: "Enter target prices or a comment.")
            }
            let at = Self.stamp(now)
            for (line, price) in prices {
                try db.execute(sql: "UPDATE quoteLine SET targetPriceMinor = ? WHERE id = ?", arguments: [price, line])
            }
            try db.execute(sql: "UPDATE quote SET status = 'requested', updatedAt = ? WHERE id = ?", arguments: [at, id])
            try Self.addRound(db, quoteId: id, side: "buyer", action: "counter", principal: principal, comment: comment, validUntil: nil, prices: prices, at: at)
            try Self.publishQuote(db, quoteId: id, topic: "quote.requested", comment: comment, at: at)
            let (actor, actingAs) = Self.auditActor(principal)
            try Self.audit(db, actor: actor, actingAs: actingAs, action: "quote.counter", objectType: "quote", objectId: String(id), now: now)
        }
    }

    /// The buyer closes the request without an order.
    public func declineQuote(id: Int64, principal: Principal, comment: String, today: String, now: Date = Date()) async throws {
        let comment = String(comment.trimmingCharacters(in: .whitespacesAndNewlines).prefix(5000))
        try await write { db in
            let status = try Self.quoteStatus(db, id: id, today: today)
            guard status.buyerMayAnswer else { throw DomainError(.conflict, code: "quote.closed", message: "This request for quote is closed.") }
            let at = Self.stamp(now)
            try db.execute(sql: "UPDATE quote SET status = 'declined', updatedAt = ? WHERE id = ?", arguments: [at, id])
            try Self.addRound(db, quoteId: id, side: "buyer", action: "decline", principal: principal, comment: comment, validUntil: nil, prices: [:], at: at)
            try Self.publishQuote(db, quoteId: id, topic: "quote.declined", comment: comment, at: at)
            let (actor, actingAs) = Self.auditActor(principal)
            try Self.audit(db, actor: actor, actingAs: actingAs, action: "quote.decline", objectType: "quote", objectId: String(id), now: now)
        }
    }

    /// The request for quote an order was accepted from.
    public func quoteId(orderId: Int64) async throws -> Int64? {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT id FROM quote WHERE orderId = ?", arguments: [orderId]) }
    }

    static func quoteStatus(_ db: Database, id: Int64, today: String) throws -> QuoteStatus {
        guard let row = try Row.fetchOne(db, sql: "SELECT status, validUntil FROM quote WHERE id = ?", arguments: [id]) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        return QuoteStatus.shown(stored: row["status"], validUntil: row["validUntil"], today: today)
    }

    /// The quote's lines as a cart and priced at the quoted prices, for `placeOrder`; refuses a
    /// quote that is not on offer, has expired, or is another company's.
    static func quoteForOrder(_ db: Database, quoteId: Int64, counterpartyId: Int64, today: String) throws -> (CartRecord, PricedCart) {
        guard let row = try Row.fetchOne(db, sql: "SELECT counterpartyId, status, validUntil, currency FROM quote WHERE id = ?", arguments: [quoteId]),
            (row["counterpartyId"] as Int64) == counterpartyId
        else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
        switch QuoteStatus.shown(stored: row["status"], validUntil: row["validUntil"], today: today) {
        case .offered: break
        case .expired:
            throw DomainError(.invalid, code: "quote.expired", message: "This offer has expired. Ask the manager to renew it.")
        default:
            throw DomainError(.conflict, code: "quote.not_offered", message: "This request for quote has no offer to accept.")
        }
        let lines = try lines(db, table: "quoteLine", owner: "quoteId", id: quoteId)
        let prices = Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, quotedPriceMinor FROM quoteLine WHERE quoteId = ?", arguments: [quoteId]).map {
                ($0["id"] as Int64, $0["quotedPriceMinor"] as Int64?)
            })
        var items: [QuotedItem] = []
        for line in lines {
            guard let price = prices[line.id] ?? nil else {
                throw DomainError(.conflict, code: "quote.not_offered", message: "This request for quote has no offer to accept.")
            }
            items.append(QuotedItem(item: line.item, priceMinor: price))
        }
        let cart = CartRecord(id: nil, name: nil, counterpartyId: counterpartyId, promocode: nil, updatedAt: nil, lines: lines)
        return (cart, CartPricing.quoted(items, currency: row["currency"]))
    }

    /// Inside `placeOrder`: the quote became order `orderId`.
    static func acceptQuote(_ db: Database, quoteId: Int64, orderId: Int64, number: String, userId: Int64, actingUserId: Int64?, at: String) throws {
        try db.execute(sql: "UPDATE quote SET status = 'accepted', orderId = ?, updatedAt = ? WHERE id = ?", arguments: [orderId, at, quoteId])
        try db.execute(
            sql: "INSERT INTO quoteRound (quoteId, side, action, userId, actingUserId, comment, at) VALUES (?, 'buyer', 'accept', ?, ?, ?, ?)",
            arguments: [quoteId, userId, actingUserId, number, at])
        try publishQuote(db, quoteId: quoteId, topic: "quote.accepted", comment: "", at: at, extra: ["orderNumber": number, "orderId": String(orderId)])
        try audit(
            db, actor: actingUserId ?? userId, actingAs: actingUserId != nil ? userId : nil, action: "quote.accept", objectType: "quote",
            objectId: String(quoteId), details: ["orderId": String(orderId), "number": number])
    }

    static func addRound(
        _ db: Database, quoteId: Int64, side: String, action: String, principal: Principal, comment: String, validUntil: String?, prices: [Int64: Int64],
        at: String
    ) throws {
        let json = prices.isEmpty ? nil : String(
            decoding: try JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: prices.map { (String($0.key), $0.value) }), options: [.sortedKeys]),
            as: UTF8.self)
        let (actor, actingAs) = auditActor(principal)
        try db.execute(
            sql: "INSERT INTO quoteRound (quoteId, side, action, userId, actingUserId, comment, validUntil, prices, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [quoteId, side, action, side == "manager" ? actor : principal.userId, side == "manager" ? nil : actingAs,
                        comment.isEmpty ? nil : comment, validUntil, json, at])
    }

    /// A quote event in the outbox: to the buyer (`userId`) or to the company's managers (`counterpartyId`).
    static func publishQuote(_ db: Database, quoteId: Int64, topic: String, comment: String, at: String, extra: [String: String] = [:]) throws {
        guard let row = try Row.fetchOne(
            db,
            sql: """
                SELECT q.counterpartyId, q.userId, q.validUntil, c.name AS company, coalesce(nullif(u.fullName, ''), u.email, '') AS buyer
                FROM quote q JOIN counterparty c ON c.id = q.counterpartyId LEFT JOIN user u ON u.id = q.userId WHERE q.id = ?
                """,
            arguments: [quoteId])
        else { return }
        var payload: [String: String] = [
            "quoteId": String(quoteId), "number": QuoteSummary.number(quoteId), "company": row["company"], "buyer": row["buyer"],
            "comment": String(comment.prefix(2000)), "validUntil": row["validUntil"] ?? "",
        ]
        for (key, value) in extra { payload[key] = value }
        let toBuyer = NotificationTopic.named(topic)?.mail == .payload
        if toBuyer {
            guard let userId: Int64 = row["userId"] else { return }
            payload["userId"] = String(userId)
            payload["link"] = "/quotes/\(quoteId)"
        } else {
            payload["counterpartyId"] = String(row["counterpartyId"] as Int64)
            payload["link"] = "/staff/quotes/\(quoteId)"
        }
        try Outbox.publish(db, topic: topic, payload: payload, idempotencyKey: "\(topic).\(quoteId).\(at)")
    }
}
