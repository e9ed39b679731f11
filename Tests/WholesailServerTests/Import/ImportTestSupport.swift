import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailServer
import WholesailStore
import WholesailTestSupport

/// The CommerceML packages of `Tests/Fixtures/commerceml` and a way to run the import
/// pipeline over files in a test database.
enum ImportFixture {
    static let samples: URL = Repository.root.appendingPathComponent("Tests/Fixtures/commerceml")

    static func sample(_ relative: String) throws -> Data {
        try Data(contentsOf: samples.appendingPathComponent(relative))
    }

    /// The XML and zip files of a package folder.
    static func packageFiles(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: samples.appendingPathComponent(folder).path)
            .filter { $0.hasSuffix(".xml") || $0.hasSuffix(".zip") }.sorted().map { "\(folder)/\($0)" }
    }

    /// Stores files and runs them through the pipeline as one job (synchronously).
    @discardableResult
    static func run(_ database: WholesailDatabase, _ files: [(name: String, data: Data)], limits: ImportLimits = ImportLimits()) throws -> ImportJobInfo {
        var uploads: [ImportUpload] = []
        for file in files {
            var uploader = BlobUploader(database: database, maxBytes: limits.maxUploadBytes)
            try uploader.appendSync(file.data)
            uploads.append(ImportUpload(fileName: file.name, stored: try uploader.finishSync()))
        }
        let jobId = try database.createImportJobSync(files: uploads, source: "cli", userId: nil)
        _ = try #require(try database.claimImportJob(id: jobId))
        try ImportPipeline(database: database, limits: limits).run(jobId: jobId)
        // Catalog batches write without foreign-key lookups: every reference must still hold.
        let broken = try database.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") }
        #expect(broken.isEmpty, "foreign keys broken by the import: \(broken.prefix(5))")
        return try #require(try database.importJobSync(id: jobId))
    }

    /// Runs package files (paths relative to the samples folder, names as in the package).
    @discardableResult
    static func run(_ database: WholesailDatabase, samples paths: [String]) throws -> ImportJobInfo {
        try run(database, try paths.map { (String($0.split(separator: "/").last!), try sample($0)) })
    }

    static func count(_ database: WholesailDatabase, _ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try database.read { try Int.fetchOne($0, sql: sql, arguments: arguments) ?? 0 }
    }

    static func strings(_ database: WholesailDatabase, _ sql: String) throws -> [String] {
        try database.read { try String.fetchAll($0, sql: sql) }
    }

    static func issues(_ database: WholesailDatabase, job: Int64) throws -> [(code: String, severity: String, message: String, line: Int?)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT code, severity, message, line FROM importIssue WHERE importJobId = ? ORDER BY id", arguments: [job]).map {
                (($0["code"] as String?) ?? "", $0["severity"], $0["message"], $0["line"])
            }
        }
    }

    /// Nothing but `unchanged` for the entities a repeated import must leave alone.
    static func onlyUnchanged(_ job: ImportJobInfo) -> Bool {
        job.counts.entities.allSatisfy { entity, counts in
            counts.created == 0 && counts.updated == 0 && counts.deleted == 0 || ["order"].contains(entity)
        }
    }

    /// A multipart body with the given files in fields named `file`.
    static func multipart(_ files: [(name: String, data: Data)], boundary: String = "wholesail-test-boundary") -> (HTTPFields, ByteBuffer) {
        var body = Data()
        for file in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            body.append(file.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
    }

    /// A zip (stored, no compression) written by hand; `declared` overrides an entry's
    /// uncompressed size in the headers (for bomb tests), `compressed` its method (8 = deflate).
    /// `legacyNames` gives an entry's name as raw bytes without the UTF-8 flag (as Windows writes
    /// it, in its DOS code page).
    static func zip(_ entries: [(name: String, data: Data)], declared: [String: UInt64] = [:], deflated: Set<String> = [], legacyNames: [String: [UInt8]] = [:]) -> Data {
        var out = Data()
        var central = Data()
        func le16(_ value: Int, into data: inout Data) { data.append(contentsOf: [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)]) }
        func le32(_ value: UInt64, into data: inout Data) {
            data.append(contentsOf: [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 24) & 0xFF)])
        }
        for entry in entries {
            let offset = out.count
            let name = legacyNames[entry.name].map { Data($0) } ?? Data(entry.name.utf8)
            let flags = legacyNames[entry.name] == nil ? 0x0800 : 0
            let crc = crc32(entry.data)
            let size = UInt64(entry.data.count)
            let unpacked = min(declared[entry.name] ?? size, 0xFFFF_FFFE)
            let method = deflated.contains(entry.name) ? 8 : 0
            var header = Data([0x50, 0x4B, 0x03, 0x04])
            le16(20, into: &header); le16(flags, into: &header); le16(method, into: &header); le16(0, into: &header); le16(0x21, into: &header)
            le32(UInt64(crc), into: &header); le32(size, into: &header); le32(unpacked, into: &header)
            le16(name.count, into: &header); le16(0, into: &header)
            out.append(header)
            out.append(name)
            out.append(entry.data)
            var record = Data([0x50, 0x4B, 0x01, 0x02])
            le16(0x0314, into: &record); le16(20, into: &record); le16(flags, into: &record); le16(method, into: &record); le16(0, into: &record)
            le16(0x21, into: &record); le32(UInt64(crc), into: &record); le32(size, into: &record); le32(unpacked, into: &record)
            le16(name.count, into: &record); le16(0, into: &record); le16(0, into: &record); le16(0, into: &record); le16(0, into: &record)
            le32(0o100644 << 16, into: &record); le32(UInt64(offset), into: &record)
            record.append(name)
            central.append(record)
        }
        let centralOffset = out.count
        out.append(central)
        var end = Data([0x50, 0x4B, 0x05, 0x06])
        le16(0, into: &end); le16(0, into: &end); le16(entries.count, into: &end); le16(entries.count, into: &end)
        le32(UInt64(central.count), into: &end); le32(UInt64(centralOffset), into: &end); le16(0, into: &end)
        out.append(end)
        return out
    }

    static func crc32(_ data: Data) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
            table[index] = value
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension TestClientProtocol {
    /// Polls `GET /api/v1/import/{id}` until the job is finished; returns its JSON.
    func waitForImport(_ id: Int, token: String, seconds: Double = 60) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let response = try await execute(uri: "/api/v1/import/\(id)?per_page=1000", method: .get, headers: [.authorization: "Bearer \(token)"], body: nil)
            let json = try response.json()
            if let job = json["job"] as? [String: Any], let status = job["status"] as? String, ["succeeded", "failed", "cancelled"].contains(status) {
                return json
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("import \(id) did not finish in \(seconds) s")
        return [:]
    }
}
