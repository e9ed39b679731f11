import Foundation
import GRDB
import WholesailCore

/// Media of a product as the editor's page lists them.
public struct ProductMedia: Sendable, Equatable {
    public struct Image: Sendable, Equatable {
        public var id: Int64
        public var sha256: String
        public var kind: String
        public var sortOrder: Int
    }

    public struct Document: Sendable, Equatable {
        public var fileId: Int64
        public var title: String
        public var fileName: String
    }

    public var images: [Image]
    public var documents: [Document]
    public var related: [(id: Int64, sku: String, name: String)]

    public static func == (lhs: ProductMedia, rhs: ProductMedia) -> Bool {
        lhs.images == rhs.images && lhs.documents == rhs.documents && lhs.related.map(\.id) == rhs.related.map(\.id)
    }
}

public enum EditingRules {
    /// Photos: raster images recognized from their bytes (SVG is refused: it can carry scripts).
    public static let imageKinds: Set<ContentSniffer.Kind> = [.png, .jpeg, .webp, .gif]
    /// Product documents: PDF, Word, Excel, images.
    public static let documentKinds: Set<ContentSniffer.Kind> = [.pdf, .docx, .xlsx, .ole2, .png, .jpeg]
    public static let maxBytes = 10 * 1024 * 1024
}

extension WholesailDatabase {
    public func productMedia(productId: Int64) async throws -> ProductMedia {
        try await read { db in
            ProductMedia(
                images: try Row.fetchAll(
                    db,
                    sql: "SELECT i.id, f.blobSha256, i.kind, i.sortOrder FROM productImage i JOIN file f ON f.id = i.fileId WHERE i.productId = ? ORDER BY i.kind, i.sortOrder, i.id",
                    arguments: [productId]
                ).map { .init(id: $0["id"], sha256: $0["blobSha256"], kind: $0["kind"], sortOrder: $0["sortOrder"]) },
                documents: try Row.fetchAll(
                    db,
                    sql: "SELECT f.id, coalesce(f.title, f.fileName) AS title, f.fileName FROM productDocument d JOIN file f ON f.id = d.fileId WHERE d.productId = ? ORDER BY d.sortOrder, f.id",
                    arguments: [productId]
                ).map { .init(fileId: $0["id"], title: $0["title"], fileName: $0["fileName"]) },
                related: try Row.fetchAll(
                    db, sql: "SELECT p.id, p.sku, p.name FROM relatedProduct r JOIN product p ON p.id = r.relatedId WHERE r.productId = ? ORDER BY r.sortOrder, p.id",
                    arguments: [productId]
                ).map { ($0["id"], $0["sku"], $0["name"]) })
        }
    }

    /// Adds a photo (or a frame of the 360° spin set) to a product: the type is recognized from
    /// the bytes; the first photo becomes the main one.
    public func addProductImage(productId: Int64, fileName: String, data: Data, spin: Bool, actor: Principal) async throws {
        guard !data.isEmpty, data.count <= EditingRules.maxBytes, EditingRules.imageKinds.contains(ContentSniffer.sniff(data.prefix(4096))) else {
            throw ValidationError(field: "image", code: "editor.bad_image", message: "A photo must be a PNG, JPEG, WebP or GIF image up to 10 MB.")
        }
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM product WHERE id = ?)", arguments: [productId]) == true else {
                throw DomainError(.notFound, code: "catalog.product_not_found", message: "The product was not found.")
            }
            let sha = try Self.storeBlob(db, data)
            try db.execute(
                sql: "INSERT INTO file (blobSha256, fileName, kind) VALUES (?, ?, 'image')", arguments: [sha, Self.safeFileName(fileName, fallback: "photo")])
            let fileId = db.lastInsertedRowID
            let kind = spin ? "spin" : "photo"
            let order = (try Int.fetchOne(db, sql: "SELECT max(sortOrder) FROM productImage WHERE productId = ? AND kind = ?", arguments: [productId, kind]) ?? -1) + 1
            try db.execute(sql: "INSERT INTO productImage (productId, fileId, kind, sortOrder) VALUES (?, ?, ?, ?)", arguments: [productId, fileId, kind, order])
            if !spin { try db.execute(sql: "UPDATE product SET mainImageFileId = coalesce(mainImageFileId, ?) WHERE id = ?", arguments: [fileId, productId]) }
            try Self.audit(db, actor: actor.userId, action: "editor.image_add", objectType: "product", objectId: String(productId))
        }
    }

    public func removeProductImage(imageId: Int64, actor: Principal) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT productId, fileId FROM productImage WHERE id = ?", arguments: [imageId]) else {
                throw DomainError.notFound("image")
            }
            let productId: Int64 = row["productId"]
            try db.execute(sql: "DELETE FROM productImage WHERE id = ?", arguments: [imageId])
            try db.execute(
                sql: """
                    UPDATE product SET mainImageFileId = (SELECT fileId FROM productImage WHERE productId = :p AND kind = 'photo' ORDER BY sortOrder LIMIT 1)
                    WHERE id = :p AND (mainImageFileId = :f OR mainImageFileId IS NULL)
                    """, arguments: ["p": productId, "f": row["fileId"] as Int64])
            try Self.audit(db, actor: actor.userId, action: "editor.image_remove", objectType: "product", objectId: String(productId))
        }
    }

    /// Stores a document once and assigns it to the given products (by SKU; unknown SKUs refused).
    public func addProductDocument(
        productId: Int64, alsoSkus: [String], title: String, fileName: String, data: Data, kind: String, actor: Principal
    ) async throws {
        var issues: [String: ValidationError.FieldIssue] = [:]
        if data.isEmpty || data.count > EditingRules.maxBytes || !EditingRules.documentKinds.contains(ContentSniffer.sniff(data.prefix(4096))) {
            issues["document"] = .init(code: "editor.bad_document", message: "A document must be a PDF, Word, Excel, JPEG or PNG file up to 10 MB.")
        }
        if title.count > 300 { issues["title"] = .init(code: "field.too_long", message: "This is too long.") }
        if !["certificate", "instruction", "manual"].contains(kind) { issues["kind"] = .init(code: "field.required", message: "This field is required.") }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        try await write { db in
            var products = [productId]
            var unknown: [String] = []
            for sku in alsoSkus {
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM product WHERE sku = ?", arguments: [sku]) { products.append(id) } else { unknown.append(sku) }
            }
            guard unknown.isEmpty else {
                throw ValidationError(field: "skus", code: "pricing.unknown_skus", message: "Unknown SKUs: \(unknown.prefix(10).joined(separator: ", ")).")
            }
            let sha = try Self.storeBlob(db, data)
            let name = Self.safeFileName(fileName, fallback: "document")
            try db.execute(
                sql: "INSERT INTO file (blobSha256, fileName, title, kind) VALUES (?, ?, ?, ?)",
                arguments: [sha, name, title.trimmingCharacters(in: .whitespaces).isEmpty ? name : title.trimmingCharacters(in: .whitespaces), kind])
            let fileId = db.lastInsertedRowID
            for product in Set(products) {
                try db.execute(sql: "INSERT INTO productDocument (productId, fileId) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [product, fileId])
            }
            try Self.audit(db, actor: actor.userId, action: "editor.document_add", objectType: "file", objectId: String(fileId))
        }
    }

    public func unassignProductDocument(productId: Int64, fileId: Int64, actor: Principal) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM productDocument WHERE productId = ? AND fileId = ?", arguments: [productId, fileId])
            try Self.audit(db, actor: actor.userId, action: "editor.document_remove", objectType: "product", objectId: String(productId))
        }
    }

    /// Replaces the related products of a product with the given SKUs (up to 10, in order).
    public func setRelatedProducts(productId: Int64, skus: [String], actor: Principal) async throws {
        guard skus.count <= 10 else { throw ValidationError(field: "related", code: "editor.too_many_related", message: "At most 10 related products.") }
        try await write { db in
            var ids: [Int64] = []
            var unknown: [String] = []
            for sku in skus {
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM product WHERE sku = ?", arguments: [sku]), id != productId { ids.append(id) } else { unknown.append(sku) }
            }
            guard unknown.isEmpty else {
                throw ValidationError(field: "related", code: "pricing.unknown_skus", message: "Unknown SKUs: \(unknown.prefix(10).joined(separator: ", ")).")
            }
            try db.execute(sql: "DELETE FROM relatedProduct WHERE productId = ? AND source = 'editor'", arguments: [productId])
            for (order, id) in ids.enumerated() {
                try db.execute(
                    sql: "INSERT INTO relatedProduct (productId, relatedId, sortOrder, source) VALUES (?, ?, ?, 'editor') ON CONFLICT DO UPDATE SET sortOrder = excluded.sortOrder, source = 'editor'",
                    arguments: [productId, id, order])
            }
            try Self.audit(db, actor: actor.userId, action: "editor.related_set", objectType: "product", objectId: String(productId))
        }
    }

    static func safeFileName(_ name: String, fallback: String) -> String {
        let cleaned = name.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "\\", with: "_")
            .filter { !$0.isNewline && $0 != "\0" }
        let trimmed = String(cleaned.prefix(200)).trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? fallback : trimmed
    }
}

/// An ERP group and the portal categories it feeds.
public struct ERPGroupMapping: Sendable, Equatable {
    public var id: Int64
    public var erpId: String
    public var name: String
    public var categoryIds: [Int64]
}

extension WholesailDatabase {
    public func erpGroupMappings() async throws -> [ERPGroupMapping] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT g.id, g.erpId, g.name, (SELECT group_concat(categoryId) FROM erpGroupCategory WHERE erpGroupId = g.id) AS categories
                    FROM erpGroup g ORDER BY g.name, g.id
                    """
            ).map {
                ERPGroupMapping(
                    id: $0["id"], erpId: $0["erpId"], name: $0["name"],
                    categoryIds: (($0["categories"] as String?) ?? "").split(separator: ",").compactMap { Int64($0) }.sorted())
            }
        }
    }

    /// Maps an ERP group onto any number of portal categories (replacing its mapping).
    public func setERPGroupCategories(groupId: Int64, categoryIds: Set<Int64>, actor: Principal) async throws {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM erpGroup WHERE id = ?)", arguments: [groupId]) == true else {
                throw DomainError.notFound("group")
            }
            let known = try Set(Int64.fetchAll(db, sql: "SELECT id FROM category WHERE id IN (SELECT value FROM json_each(?))",
                                               arguments: ["[" + categoryIds.map(String.init).joined(separator: ",") + "]"]))
            guard known == categoryIds else {
                throw ValidationError(field: "categories", code: "editor.unknown_category", message: "Unknown category.")
            }
            try db.execute(sql: "DELETE FROM erpGroupCategory WHERE erpGroupId = ?", arguments: [groupId])
            for category in categoryIds.sorted() {
                try db.execute(sql: "INSERT INTO erpGroupCategory (erpGroupId, categoryId) VALUES (?, ?)", arguments: [groupId, category])
            }
            try Self.audit(db, actor: actor.userId, action: "editor.group_mapping", objectType: "erpGroup", objectId: String(groupId))
        }
    }
}
