import Foundation
import GRDB
import Testing
import WholesailStore
import WholesailTestSupport

@Suite struct BlobStoreTests {
    @Test("a stored file round-trips byte for byte, keyed by its SHA-256, type sniffed from content")
    func roundTrip() async throws {
        let database = try TestDatabase.inMemory()
        let pdf = Data("%PDF-1.4\n".utf8) + Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let key = try await database.storeBlob(pdf)
        #expect(key == Crypto.sha256Hex(pdf))
        #expect(try await database.blobData(sha256: key) == pdf)
        let info = try #require(try await database.blobInfo(sha256: key))
        #expect(info.size == pdf.count)
        #expect(info.contentType == "application/pdf")
        // Chunked reads reassemble the same bytes.
        var assembled = [UInt8]()
        var offset = 0
        while true {
            let chunk = try await database.blobChunk(sha256: key, offset: offset, length: 65_536)
            if chunk.isEmpty { break }
            assembled += chunk
            offset += chunk.count
        }
        #expect(Data(assembled) == pdf)
    }

    /// The blocking path packs two parts at once; the async one, one at a time. Both must store
    /// the same parts under the same key, and read back byte for byte, whatever the size and the
    /// chunks the bytes come in.
    @Test("uploads in parts round-trip through the blocking and the async path alike, under the same key",
        arguments: [0, 1, BlobParts.partSize - 1, BlobParts.partSize, BlobParts.partSize + 1, 2 * BlobParts.partSize, 3 * BlobParts.partSize + 123, 5 * BlobParts.partSize])
    func partedUploads(size: Int) async throws {
        let database = try TestDatabase.inMemory()
        var generator = SeededRandom(seed: UInt64(size))
        // Half text (compresses), half noise (stored as is): both kinds of part.
        let bytes = (0..<size).map { index in index % BlobParts.partSize < BlobParts.partSize / 2 ? UInt8(65 + index % 26) : UInt8.random(in: 0...255, using: &generator) }
        var blocking = BlobUploader(database: database)
        var offset = 0
        while offset < bytes.count {
            let take = min(Int.random(in: 1...(BlobParts.partSize * 3 / 2), using: &generator), bytes.count - offset)
            try blocking.appendSync(bytes[offset..<offset + take])
            offset += take
        }
        let first = try blocking.finishSync()
        var asynchronous = BlobUploader(database: database)
        try await asynchronous.append(bytes)
        let second = try await asynchronous.finish()
        #expect(first == second)
        #expect(first.size == size)
        let reader = try BlobReader(database: database, key: first.key)
        var back = [UInt8]()
        while let chunk = try reader.next() { back += chunk }
        #expect(back == bytes)
    }

    @Test("the parts of an upload commit without an fsync and the writer's level comes back; the manifest commits with one")
    func partsUnsynced() async throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        _ = directory
        let level = { try database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } }
        #expect(try level() == 2)
        let bytes = (0..<(3 * BlobParts.partSize + 10)).map { UInt8(65 + $0 % 26) }
        var blocking = BlobUploader(database: database)
        try blocking.appendSync(bytes)
        let first = try blocking.finishSync()
        var asynchronous = BlobUploader(database: database)
        try await asynchronous.append(bytes)
        let second = try await asynchronous.finish()
        #expect(first == second)
        #expect(try level() == 2)
        let reader = try BlobReader(database: database, key: first.key)
        var back = [UInt8]()
        while let chunk = try reader.next() { back += chunk }
        #expect(back == bytes)
    }

    @Test("storing the same bytes twice keeps one copy")
    func dedup() async throws {
        let database = try TestDatabase.inMemory()
        let data = Data("same bytes".utf8)
        let first = try await database.storeBlob(data)
        let second = try await database.storeBlob(data, contentType: "text/csv")
        #expect(first == second)
        let count = try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM blob") }
        #expect(count == 1)
        #expect(try await database.blobInfo(sha256: first)?.contentType == "text/plain; charset=utf-8", "the first type stays")
    }

    @Test("unknown and malformed keys find nothing")
    func missing() async throws {
        let database = try TestDatabase.inMemory()
        #expect(try await database.blobInfo(sha256: String(repeating: "a", count: 64)) == nil)
        #expect(!BlobStore.isValidKey("../../etc/passwd"))
        #expect(!BlobStore.isValidKey(String(repeating: "A", count: 64)))
        #expect(BlobStore.isValidKey(String(repeating: "0", count: 64)))
    }
}
