import Foundation
import GRDB
import WholesailCore

/// A review as the card and the moderation queue show it.
public struct ReviewRow: Sendable, Equatable {
    public var id: Int64
    public var productId: Int64
    public var productName: String
    public var author: String
    public var rating: Int
    public var body: String
    public var status: String
    public var createdAt: String
}

extension WholesailDatabase {
    /// A signed-in buyer rates a product 1–5 with an optional text; it waits for moderation. A
    /// second review of the same product replaces the first (and waits again).
    public func submitReview(productId: Int64, userId: Int64, rating: Int, body: String, now: Date = Date()) async throws {
        var issues: [String: ValidationError.FieldIssue] = [:]
        if !(1...5).contains(rating) { issues["rating"] = .init(code: "reviews.bad_rating", message: "Choose from 1 to 5 stars.") }
        if body.count > 5000 { issues["body"] = .init(code: "field.too_long", message: "This is too long.") }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM product WHERE id = ? AND active = 1 AND deleted = 0)", arguments: [productId]) == true else {
                throw DomainError(.notFound, code: "catalog.product_not_found", message: "The product was not found.")
            }
            try db.execute(
                sql: """
                    INSERT INTO review (productId, userId, rating, body, status, createdAt) VALUES (?, ?, ?, ?, 'pending', ?)
                    ON CONFLICT (productId, userId) DO UPDATE SET rating = excluded.rating, body = excluded.body, status = 'pending',
                        createdAt = excluded.createdAt, moderatedBy = NULL
                    """,
                arguments: [productId, userId, rating, body.trimmingCharacters(in: .whitespacesAndNewlines), Self.stamp(now)])
            try Self.refreshRating(db, productId: productId)
        }
    }

    /// Published reviews of a product, newest first.
    public func publishedReviews(productId: Int64, limit: Int = 50) async throws -> [ReviewRow] {
        try await reviews(where: "r.productId = ? AND r.status = 'published'", arguments: [productId], limit: limit)
    }

    public func pendingReviews(limit: Int = 200) async throws -> [ReviewRow] {
        try await reviews(where: "r.status = 'pending'", arguments: [], limit: limit)
    }

    func reviews(where condition: String, arguments: StatementArguments, limit: Int) async throws -> [ReviewRow] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.productId, p.name AS productName, coalesce(nullif(u.fullName, ''), 'Покупатель') AS author, r.rating, r.body, r.status, r.createdAt
                    FROM review r JOIN product p ON p.id = r.productId JOIN user u ON u.id = r.userId
                    WHERE \(condition) ORDER BY r.createdAt DESC, r.id DESC LIMIT \(limit)
                    """, arguments: arguments
            ).map {
                ReviewRow(
                    id: $0["id"], productId: $0["productId"], productName: $0["productName"], author: $0["author"], rating: $0["rating"],
                    body: $0["body"], status: $0["status"], createdAt: $0["createdAt"])
            }
        }
    }

    /// An editor publishes or rejects a review; the product's rating counts published ones only.
    public func moderateReview(id: Int64, publish: Bool, actor: Principal) async throws {
        try await write { db in
            guard let productId = try Int64.fetchOne(db, sql: "SELECT productId FROM review WHERE id = ?", arguments: [id]) else {
                throw DomainError.notFound("review")
            }
            try db.execute(
                sql: "UPDATE review SET status = ?, moderatedBy = ? WHERE id = ?", arguments: [publish ? "published" : "rejected", actor.userId, id])
            try Self.refreshRating(db, productId: productId)
            try Self.audit(db, actor: actor.userId, action: publish ? "review.publish" : "review.reject", objectType: "review", objectId: String(id))
        }
    }

    static func refreshRating(_ db: Database, productId: Int64) throws {
        try db.execute(
            sql: """
                UPDATE product SET
                    ratingSum = (SELECT ifnull(sum(rating), 0) FROM review WHERE productId = :id AND status = 'published'),
                    ratingCount = (SELECT count(*) FROM review WHERE productId = :id AND status = 'published')
                WHERE id = :id
                """, arguments: ["id": productId])
    }
}
