import Foundation
import GRDB
import Synchronization
import WholesailCore

/// Large files in the blob store: an upload is cut into parts of `partSize` bytes, each a
/// content-addressed blob, so no request body, ERP package or zip entry is ever held in memory
/// whole, and no single row grows past SQLite's limits. A file of one part is that part's blob;
/// a file of several is a small manifest blob (`manifestType`) listing its parts in order.
/// `BlobReader` reads either kind back, a part at a time.
public enum BlobParts {
    public static let partSize = 4 << 20
    public static let manifestType = "application/vnd.wholesail.parts+json"
    /// The content type of a zlib-compressed part (`PartCompression`).
    public static let packedPartType = "application/vnd.wholesail.part+zlib"

    struct Manifest: Codable {
        var size: Int
        var parts: [String]

        /// The manifest's bytes, keys sorted: the same file gives the same manifest, so the
        /// same key (the encoder's key order otherwise varies from one encoding to the next).
        func encoded() throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return try encoder.encode(self)
        }
    }
}

/// A stored upload: the blob key to put in `importJobFile` / `file` rows, and its size.
public struct StoredUpload: Sendable, Equatable {
    public var key: String
    public var size: Int
}

/// What an upload does when its size cap is passed.
public struct UploadTooLarge: WholesailError, Equatable {
    public var limit: Int
    public init(limit: Int) { self.limit = limit }
    public var kind: ErrorKind { .tooLarge }
    public var code: String { "import.too_large" }
    public var message: String { "The file is larger than the limit of \(limit) bytes." }
    public var values: [String: String] { ["limit": String(limit)] }
}

/// Streams bytes into the blob store in parts. Use from one task; `finish()` returns the key.
public struct BlobUploader {
    let database: WholesailDatabase
    let maxBytes: Int
    private var buffer: [UInt8] = []
    /// Parts of the blocking path being packed on other threads, in file order (`submit`).
    private var packing: [PackingSlot] = []
    private var parts: [String] = []
    /// Parts this uploader inserted (not already stored): what `discard()` may delete.
    private var inserted: [String] = []
    public private(set) var size = 0

    public init(database: WholesailDatabase, maxBytes: Int = .max) {
        self.database = database
        self.maxBytes = maxBytes
        buffer.reserveCapacity(BlobParts.partSize)
    }

    /// Adds bytes; stores a part each time `partSize` bytes have gathered. Throws
    /// `UploadTooLarge` once the total passes `maxBytes`.
    public mutating func append(_ bytes: some Collection<UInt8>) async throws {
        try count(bytes.count)
        var rest = bytes[...]
        while !rest.isEmpty {
            let take = min(BlobParts.partSize - buffer.count, rest.count)
            buffer.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if buffer.count == BlobParts.partSize { try await flush() }
        }
    }

    /// The synchronous twin of `append` (import threads, the CLI). Full parts are compressed on
    /// other threads while this one reads on and stores the parts packed before, in order.
    public mutating func appendSync(_ bytes: some Collection<UInt8>) throws {
        try count(bytes.count)
        var rest = bytes[...]
        while !rest.isEmpty {
            let take = min(BlobParts.partSize - buffer.count, rest.count)
            buffer.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if buffer.count == BlobParts.partSize {
                try submit(buffer)
                buffer = []
                buffer.reserveCapacity(BlobParts.partSize)
            }
        }
    }

    /// Parts of the blocking path packed at once: with two cores both compress while the calling
    /// thread reads and stores (it waits for the oldest part when this many are under way).
    static let packedAtOnce = 3

    /// A part being packed on another thread.
    final class PackingSlot: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var result: (PartRef, Data)?
    }

    private mutating func submit(_ bytes: [UInt8]) throws {
        let slot = PackingSlot()
        DispatchQueue.global(qos: .userInitiated).async {
            slot.result = Self.packed(bytes)
            slot.done.signal()
        }
        packing.append(slot)
        if packing.count >= Self.packedAtOnce { try storePacked(all: false) }
    }

    /// Stores the oldest packed part and any after it that are ready (`all`: every part under
    /// way), in one transaction. The parts commit without an fsync: `finishSync` commits the
    /// manifest with one, which makes everything before it in the WAL durable too.
    private mutating func storePacked(all: Bool) throws {
        var ready: [(PartRef, Data)] = []
        while let slot = packing.first {
            if all || ready.isEmpty {
                slot.done.wait()
            } else if slot.done.wait(timeout: .now()) == .timedOut {
                break
            }
            packing.removeFirst()
            ready.append(slot.result!)
        }
        guard !ready.isEmpty else { return }
        let new = try database.writeUnsynced { db in try ready.map { try Self.storePart(db, $0.0, $0.1) } }
        for (index, (part, _)) in ready.enumerated() {
            parts.append(part.entry)
            if new[index] { inserted.append(part.key) }
        }
    }

    private mutating func count(_ added: Int) throws {
        size += added
        if size > maxBytes { throw UploadTooLarge(limit: maxBytes) }
    }

    private mutating func flush() async throws {
        let (part, data) = Self.packed(buffer)
        buffer.removeAll(keepingCapacity: true)
        // Without an fsync: `finish` commits the manifest with one (see `writeUnsynced`).
        let new = try await database.writeUnsynced { db in try Self.storePart(db, part, data) }
        parts.append(part.entry)
        if new { inserted.append(part.key) }
    }

    /// A part as it is stored: compressed when that saves space (done outside the write lock).
    static func packed(_ bytes: [UInt8]) -> (PartRef, Data) {
        if let compressed = PartCompression.compress(bytes) {
            return (PartRef(key: Crypto.sha256Hex(compressed), rawSize: bytes.count), Data(compressed))
        }
        return (PartRef(key: Crypto.sha256Hex(bytes), rawSize: nil), Data(bytes))
    }

    /// Stores a part; returns whether the row is new.
    static func storePart(_ db: Database, _ part: PartRef, _ data: Data) throws -> Bool {
        // Parts are large: with the default checkpoint every 1,000 pages, a few parts would be
        // copied into the database file (and synced) at once. Let the WAL take more.
        if try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? 0 < 16384 { try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384") }
        try db.execute(
            sql: "INSERT INTO blob (sha256, size, contentType, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
            arguments: [part.key, data.count, part.rawSize == nil ? "application/octet-stream" : BlobParts.packedPartType, data])
        return db.changesCount > 0
    }

    /// Stores what is left and returns the file's key: the blob itself for a file of one part
    /// (its content type sniffed), else a manifest of the parts.
    public mutating func finish() async throws -> StoredUpload {
        if parts.isEmpty {
            let data = Data(buffer)
            buffer = []
            let key = try await database.write { db in try WholesailDatabase.storeBlob(db, data) }
            return StoredUpload(key: key, size: size)
        }
        if !buffer.isEmpty { try await flush() }
        let manifest = try BlobParts.Manifest(size: size, parts: parts).encoded()
        let key = try await database.write { db in try WholesailDatabase.storeBlob(db, manifest, contentType: BlobParts.manifestType) }
        return StoredUpload(key: key, size: size)
    }

    public mutating func finishSync() throws -> StoredUpload {
        if parts.isEmpty && packing.isEmpty {
            let data = Data(buffer)
            buffer = []
            let key = try database.write { db in try WholesailDatabase.storeBlob(db, data) }
            return StoredUpload(key: key, size: size)
        }
        if !buffer.isEmpty {
            try submit(buffer)
            buffer = []
        }
        try storePacked(all: true)
        let manifest = try BlobParts.Manifest(size: size, parts: parts).encoded()
        let key = try database.write { db in try WholesailDatabase.storeBlob(db, manifest, contentType: BlobParts.manifestType) }
        return StoredUpload(key: key, size: size)
    }

    /// Forgets a refused upload: deletes the parts it stored that nothing refers to.
    public mutating func discard() async {
        let keys = inserted
        inserted = []
        parts = []
        buffer = []
        guard !keys.isEmpty else { return }
        try? await database.write { db in try Self.deleteUnreferenced(db, keys) }
    }

    public mutating func discardSync() {
        let keys = inserted
        inserted = []
        parts = []
        buffer = []
        packing = []
        guard !keys.isEmpty else { return }
        try? database.write { db in try Self.deleteUnreferenced(db, keys) }
    }

    static func deleteUnreferenced(_ db: Database, _ keys: [String]) throws {
        for key in keys {
            try db.execute(
                sql: """
                    DELETE FROM blob WHERE sha256 = :key
                    AND NOT EXISTS (SELECT 1 FROM file WHERE blobSha256 = :key)
                    AND NOT EXISTS (SELECT 1 FROM importJobFile WHERE blobSha256 = :key)
                    AND NOT EXISTS (SELECT 1 FROM exchangeFile WHERE blobSha256 = :key)
                    """, arguments: ["key": key])
        }
    }
}

/// Reads a stored file (one blob or a manifest of parts) a part at a time, synchronously: what
/// the import parsers pull their bytes from.
public final class BlobReader {
    let database: WholesailDatabase
    private var keys: [String]
    private var index = 0
    public let size: Int
    private let read = Atomic(0)
    /// Bytes handed out so far (safe to read from another thread: progress).
    public var bytesRead: Int { read.load(ordering: .relaxed) }

    public init(database: WholesailDatabase, key: String) throws {
        self.database = database
        let (keys, size) = try database.read { db in try Self.parts(db, key: key) }
        self.keys = keys
        self.size = size
    }

    /// The parts of a stored file (manifest entries: see `PartRef`) and its size; throws when the
    /// blob is missing.
    static func parts(_ db: Database, key: String) throws -> ([String], Int) {
        guard let row = try Row.fetchOne(db, sql: "SELECT size, contentType FROM blob WHERE sha256 = ?", arguments: [key]) else {
            throw DomainError(.notFound, code: "import.blob_missing", message: "A stored upload is missing from the database.")
        }
        guard row["contentType"] as String == BlobParts.manifestType,
            let bytes = try Data.fetchOne(db, sql: "SELECT bytes FROM blob WHERE sha256 = ?", arguments: [key]),
            let manifest = try? JSONDecoder().decode(BlobParts.Manifest.self, from: bytes)
        else { return ([key], row["size"]) }
        return (manifest.parts, manifest.size)
    }

    /// The next part's bytes, or nil at the end.
    public func next() throws -> Data? {
        guard index < keys.count else { return nil }
        let entry = keys[index]
        index += 1
        let data = try database.read { db in try Self.part(db, entry: entry) }
        read.add(data.count, ordering: .relaxed)
        return data
    }

    /// One part's bytes as they were uploaded.
    static func part(_ db: Database, entry: String) throws -> Data {
        guard let part = PartRef(entry),
            let stored = try Data.fetchOne(db, sql: "SELECT bytes FROM blob WHERE sha256 = ?", arguments: [part.key])
        else {
            throw DomainError(.notFound, code: "import.blob_missing", message: "A stored upload is missing from the database.")
        }
        guard let rawSize = part.rawSize else { return stored }
        return try PartCompression.decompress(stored, rawSize: rawSize)
    }

    /// The first `count` bytes of a stored file.
    static func head(_ db: Database, key: String, count: Int) throws -> Data {
        let (parts, _) = try parts(db, key: key)
        guard let first = parts.first, let part = PartRef(first) else { return Data() }
        if part.rawSize != nil { return try Self.part(db, entry: first).prefix(count) }
        return try Data.fetchOne(db, sql: "SELECT substr(bytes, 1, ?) FROM blob WHERE sha256 = ?", arguments: [count, part.key]) ?? Data()
    }

    /// A part's size as uploaded.
    static func partSize(_ db: Database, entry: String) throws -> Int {
        guard let part = PartRef(entry) else { return 0 }
        if let rawSize = part.rawSize { return rawSize }
        return try Int.fetchOne(db, sql: "SELECT size FROM blob WHERE sha256 = ?", arguments: [part.key]) ?? 0
    }

    /// The reader as parser input (a part per chunk).
    public var input: ExchangeInput { ExchangeInput { [self] in try self.next() } }
}

extension WholesailDatabase {
    /// The first `count` bytes of a stored file (for sniffing its format).
    public func storedFileHead(key: String, count: Int = 4096) throws -> Data {
        try read { db in try BlobReader.head(db, key: key, count: count) }
    }

    /// The size of a stored file.
    public func storedFileSize(key: String) throws -> Int {
        try read { db in try BlobReader.parts(db, key: key).1 }
    }
}
