import Foundation
import GRDB
import WholesailCore

/// One of a company's own numbers for one of our products.
public struct PartNumber: Sendable, Equatable {
    public var id: Int64
    public var number: String
    public var productId: Int64
    public var sku: String
    public var name: String
}

/// What an import of own numbers did.
public struct PartNumberImport: Sendable, Equatable {
    public struct Problem: Sendable, Equatable {
        public var line: Int
        public var number: String
        public var code: String
    }

    public var saved: Int
    public var problems: [Problem]
}

extension WholesailDatabase {
    /// The longest own number accepted.
    public static let maxPartNumberLength = 100

    /// A company's own numbers, by number.
    public func partNumbers(counterpartyId: Int64, limit: Int = 5000) async throws -> [PartNumber] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT n.id, n.number, n.productId, p.sku, p.name FROM customerPartNumber n JOIN product p ON p.id = n.productId
                    WHERE n.counterpartyId = ? ORDER BY n.number LIMIT ?
                    """,
                arguments: [counterpartyId, limit]
            ).map { PartNumber(id: $0["id"], number: $0["number"], productId: $0["productId"], sku: $0["sku"], name: $0["name"]) }
        }
    }

    /// The company's own number of each product (the first one when a product has several).
    public func partNumbers(counterpartyId: Int64?, productIds: [Int64]) async throws -> [Int64: String] {
        guard let counterpartyId, !productIds.isEmpty else { return [:] }
        return try await read { db in
            var found: [Int64: String] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT productId, number FROM customerPartNumber WHERE counterpartyId = ? AND productId IN (SELECT value FROM json_each(?))
                    ORDER BY id
                    """,
                arguments: [counterpartyId, "[" + productIds.map(String.init).joined(separator: ",") + "]"])
            where found[row["productId"]] == nil {
                found[row["productId"]] = row["number"]
            }
            return found
        }
    }

    /// Saves (number → our product code) pairs for a company: a number already mapped is moved to
    /// the new product. Our code is a stock number, article or barcode. Each pair succeeds or
    /// fails alone; one transaction and one audit row for the lot.
    public func savePartNumbers(
        counterpartyId: Int64, pairs: [(line: Int, number: String, code: String)], principal: Principal, now: Date = Date()
    ) async throws -> PartNumberImport {
        let found = try await productsByCode(pairs.map(\.code))
        return try await write { db in
            var saved = 0
            var problems: [PartNumberImport.Problem] = []
            let at = Self.stamp(now)
            for pair in pairs {
                let number = pair.number.trimmingCharacters(in: .whitespacesAndNewlines)
                let code = pair.code.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !number.isEmpty, number.count <= Self.maxPartNumberLength else {
                    problems.append(.init(line: pair.line, number: String(number.prefix(100)), code: number.isEmpty ? "partnumber.number_required" : "field.too_long"))
                    continue
                }
                guard let product = found[code.lowercased()] else {
                    problems.append(.init(line: pair.line, number: number, code: "partnumber.product_unknown"))
                    continue
                }
                try db.execute(
                    sql: """
                        INSERT INTO customerPartNumber (counterpartyId, number, productId, createdAt) VALUES (?, ?, ?, ?)
                        ON CONFLICT (counterpartyId, number) DO UPDATE SET productId = excluded.productId
                        """,
                    arguments: [counterpartyId, number, product.id, at])
                saved += 1
            }
            if saved > 0 {
                let (actor, actingAs) = Self.auditActor(principal)
                try Self.audit(
                    db, actor: actor, actingAs: actingAs, action: "partnumber.save", objectType: "counterparty", objectId: String(counterpartyId),
                    details: ["saved": String(saved), "problems": String(problems.count)], now: now)
            }
            return PartNumberImport(saved: saved, problems: problems)
        }
    }

    /// Removes one own number (the caller checked it is of a company they manage).
    public func deletePartNumber(id: Int64, principal: Principal, now: Date = Date()) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT counterpartyId, number FROM customerPartNumber WHERE id = ?", arguments: [id]) else {
                throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
            }
            try db.execute(sql: "DELETE FROM customerPartNumber WHERE id = ?", arguments: [id])
            let (actor, actingAs) = Self.auditActor(principal)
            try Self.audit(
                db, actor: actor, actingAs: actingAs, action: "partnumber.delete", objectType: "counterparty",
                objectId: String(row["counterpartyId"] as Int64), details: ["number": row["number"]], now: now)
        }
    }

    /// Products by a company's own numbers (case-insensitive); keys are the lower-cased numbers as given.
    public func productsByPartNumber(_ numbers: [String], counterpartyId: Int64) async throws -> [String: (id: Int64, sku: String, name: String)] {
        // As given and lower-cased: NOCASE folds Latin letters only, so "ДЕТ-1" must also be asked as is.
        let given = numbers.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0.count <= Self.maxPartNumberLength }
        let unique = Array(Set(given + given.map { $0.lowercased() } + given.map { $0.uppercased() }))
        guard !unique.isEmpty else { return [:] }
        return try await read { db in
            var found: [String: (id: Int64, sku: String, name: String)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT n.number AS code, p.id, p.sku, p.name FROM customerPartNumber n JOIN product p ON p.id = n.productId
                    WHERE n.counterpartyId = ? AND n.number IN (SELECT value FROM json_each(?)) AND p.deleted = 0
                    """,
                arguments: [counterpartyId, String(decoding: try JSONSerialization.data(withJSONObject: unique), as: UTF8.self)])
            {
                found[(row["code"] as String).lowercased()] = (row["id"], row["sku"], row["name"])
            }
            return found
        }
    }

    /// Quick order and uploads: the company's own numbers first (a number the company mapped
    /// means what the company says), then our stock number, article and barcode.
    public func productsByCode(_ codes: [String], counterpartyId: Int64?) async throws -> [String: (id: Int64, sku: String, name: String)] {
        var found = try await productsByCode(codes)
        if let counterpartyId {
            for (code, product) in try await productsByPartNumber(codes, counterpartyId: counterpartyId) { found[code] = product }
        }
        return found
    }

    /// Search: own numbers of the company that equal the text or start with it (at most `limit`).
    public func partNumberMatches(_ text: String, counterpartyId: Int64, limit: Int = 20) async throws -> [PartNumber] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= Self.maxPartNumberLength else { return [] }
        let prefix = trimmed.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT n.id, n.number, n.productId, p.sku, p.name FROM customerPartNumber n JOIN product p ON p.id = n.productId
                    WHERE n.counterpartyId = ? AND (n.number = ? OR n.number LIKE ? ESCAPE '\\') AND p.active = 1 AND p.deleted = 0
                    ORDER BY n.number = ? DESC, n.number LIMIT ?
                    """,
                arguments: [counterpartyId, trimmed, prefix, trimmed, limit]
            ).map { PartNumber(id: $0["id"], number: $0["number"], productId: $0["productId"], sku: $0["sku"], name: $0["name"]) }
        }
    }
}
