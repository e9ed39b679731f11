import Foundation
import GRDB
import WholesailCore

/// Stored files: content-addressed, deduplicated blobs in the database itself, so that backing
/// up the one database file backs up every photo, PDF and ERP upload.
public enum BlobStore {
    /// Bytes read per step when a blob is streamed out.
    public static let chunkSize = 256 * 1024

    /// A blob key is the SHA-256 of the content, 64 lower-case hex digits.
    public static func isValidKey(_ key: String) -> Bool {
        key.utf8.count == 64 && key.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

/// What is known about a stored blob without reading its bytes.
public struct BlobInfo: Sendable, Equatable {
    public var sha256: String
    public var size: Int
    public var contentType: String
}

extension WholesailDatabase {
    /// Stores `data` once, whatever how often it is stored: returns its SHA-256 key. The content
    /// type is sniffed from the bytes unless the caller knows better (e.g. CSV).
    @discardableResult
    public func storeBlob(_ data: Data, contentType: String? = nil) async throws -> String {
        try await write { db in try Self.storeBlob(db, data, contentType: contentType) }
    }

    /// Inside an existing transaction.
    @discardableResult
    public static func storeBlob(_ db: Database, _ data: Data, contentType: String? = nil) throws -> String {
        let key = Crypto.sha256Hex(data)
        let type = contentType ?? ContentSniffer.sniff(data.prefix(4096)).mediaType
        try db.execute(
            sql: """
                INSERT INTO blob (sha256, size, contentType, bytes) VALUES (?, ?, ?, ?)
                ON CONFLICT (sha256) DO NOTHING
                """,
            arguments: [key, data.count, type, data])
        return key
    }

    /// Whether a blob is public catalog material (product photos, certificates, manuals), which
    /// `/files/<sha256>` serves to anyone. Private files (company documents, uploads) are served
    /// only by routes that check who owns them.
    public func isPublicBlob(sha256: String) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM file WHERE blobSha256 = ? AND kind IN ('image', 'certificate', 'instruction', 'manual'))
                    """, arguments: [sha256]) ?? false
        }
    }

    public func blobInfo(sha256: String) async throws -> BlobInfo? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT size, contentType FROM blob WHERE sha256 = ?", arguments: [sha256]).map {
                BlobInfo(sha256: sha256, size: $0["size"], contentType: $0["contentType"])
            }
        }
    }

    /// The file of a document, if it has one.
    public func documentFileId(id: Int64) async throws -> Int64? {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT fileId FROM document WHERE id = ?", arguments: [id]) }
    }

    /// A stored file's name and content key.
    public func fileInfo(id: Int64) async throws -> (sha256: String, fileName: String)? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT blobSha256, fileName FROM file WHERE id = ?", arguments: [id]).map { ($0["blobSha256"], $0["fileName"]) }
        }
    }

    /// `length` bytes of a blob from `offset` (fewer at the end; empty past it).
    public func blobChunk(sha256: String, offset: Int, length: Int) async throws -> [UInt8] {
        try await read { db in
            let data = try Data.fetchOne(
                db, sql: "SELECT substr(bytes, ?, ?) FROM blob WHERE sha256 = ?",
                arguments: [offset + 1, length, sha256])
            return data.map { Array($0) } ?? []
        }
    }

    /// The whole blob, for small files (images in documents, templates).
    public func blobData(sha256: String) async throws -> Data? {
        try await read { db in
            try Data.fetchOne(db, sql: "SELECT bytes FROM blob WHERE sha256 = ?", arguments: [sha256])
        }
    }
}
