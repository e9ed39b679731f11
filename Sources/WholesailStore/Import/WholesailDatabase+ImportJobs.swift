import Foundation
import GRDB
import WholesailCore

/// An import job as pages and the API show it.
public struct ImportJobInfo: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var id: Int64
        public var fileName: String
        public var format: String?
        public var status: String
        public var size: Int
        public var blobSha256: String
    }

    public var id: Int64
    public var status: String
    public var source: String
    public var userId: Int64?
    public var bytesTotal: Int
    public var bytesDone: Int
    public var rowsDone: Int
    public var counts: ImportCounts
    public var error: String?
    public var createdAt: String
    public var startedAt: String?
    public var finishedAt: String?
    public var files: [File]
    public var issueCount: Int

    public var isFinished: Bool { ["succeeded", "failed", "cancelled"].contains(status) }
}

public struct ImportIssueInfo: Sendable, Equatable {
    public var id: Int64
    public var fileName: String?
    public var line: Int?
    public var entity: String?
    public var erpId: String?
    public var severity: String
    public var code: String?
    public var message: String
}

/// A file to put into a new job: its name in the package and its stored bytes.
public struct ImportUpload: Sendable, Equatable {
    public var fileName: String
    public var stored: StoredUpload

    public init(fileName: String, stored: StoredUpload) {
        self.fileName = fileName
        self.stored = stored
    }
}

extension WholesailDatabase {
    /// Creates a queued job of stored uploads (one transaction): the files' formats are sniffed
    /// from their first bytes.
    public func createImportJob(files: [ImportUpload], source: String, userId: Int64?) async throws -> Int64 {
        try await write { db in try Self.createImportJob(db, files: files, source: source, userId: userId) }
    }

    public func createImportJobSync(files: [ImportUpload], source: String, userId: Int64?) throws -> Int64 {
        try write { db in try Self.createImportJob(db, files: files, source: source, userId: userId) }
    }

    static func createImportJob(_ db: Database, files: [ImportUpload], source: String, userId: Int64?) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO importJob (status, source, userId, bytesTotal) VALUES ('queued', ?, ?, ?)",
            arguments: [source, userId, files.reduce(0) { $0 + $1.stored.size }])
        let jobId = db.lastInsertedRowID
        for (index, file) in files.enumerated() {
            try addImportFile(db, jobId: jobId, fileName: file.fileName, key: file.stored.key, order: index)
        }
        return jobId
    }

    static func addImportFile(_ db: Database, jobId: Int64, fileName: String, key: String, order: Int, status: String = "queued") throws {
        let head = try BlobReader.head(db, key: key, count: 4096)
        let format = ImportFiles.format(fileName: fileName, head: head)
        try db.execute(
            sql: "INSERT INTO importJobFile (importJobId, fileName, blobSha256, format, status, sortOrder) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [jobId, String(fileName.prefix(1024)), key, format.rawValue, format == .attachment ? "skipped" : status, order])
    }

    /// Adds the entries of an unpacked zip to its job (one transaction), in place of the zip.
    public func addUnpackedFiles(jobId: Int64, zipFileId: Int64, entries: [ImportUpload]) throws {
        try write { db in
            let base = try Int.fetchOne(db, sql: "SELECT max(sortOrder) FROM importJobFile WHERE importJobId = ?", arguments: [jobId]) ?? 0
            for (index, entry) in entries.enumerated() {
                try Self.addImportFile(db, jobId: jobId, fileName: entry.fileName, key: entry.stored.key, order: base + 1 + index)
            }
            try db.execute(sql: "UPDATE importJobFile SET status = 'done' WHERE id = ?", arguments: [zipFileId])
            try db.execute(
                sql: "UPDATE importJob SET bytesTotal = bytesTotal + ? WHERE id = ?", arguments: [entries.reduce(0) { $0 + $1.stored.size }, jobId])
        }
    }

    public func importJob(id: Int64) async throws -> ImportJobInfo? {
        try await read { db in try Self.importJob(db, id: id) }
    }

    public func importJobSync(id: Int64) throws -> ImportJobInfo? {
        try read { db in try Self.importJob(db, id: id) }
    }

    static func importJob(_ db: Database, id: Int64) throws -> ImportJobInfo? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM importJob WHERE id = ?", arguments: [id]) else { return nil }
        var job = try jobInfo(db, row)
        job.files = try Row.fetchAll(
            db, sql: "SELECT f.*, b.size FROM importJobFile f LEFT JOIN blob b ON b.sha256 = f.blobSha256 WHERE importJobId = ? ORDER BY sortOrder, id",
            arguments: [id]
        ).map { row in
            var size: Int = row["size"] ?? 0
            if (try? Self.isManifest(db, row["blobSha256"])) == true { size = (try? BlobReader.parts(db, key: row["blobSha256"]).1) ?? size }
            return ImportJobInfo.File(
                id: row["id"], fileName: row["fileName"], format: row["format"], status: row["status"], size: size, blobSha256: row["blobSha256"])
        }
        return job
    }

    static func isManifest(_ db: Database, _ key: String) throws -> Bool {
        try String.fetchOne(db, sql: "SELECT contentType FROM blob WHERE sha256 = ?", arguments: [key]) == BlobParts.manifestType
    }

    static func jobInfo(_ db: Database, _ row: Row) throws -> ImportJobInfo {
        let countsText: String = row["counts"]
        let counts = (try? JSONDecoder().decode(ImportCounts.self, from: Data(countsText.utf8))) ?? ImportCounts()
        let id: Int64 = row["id"]
        return ImportJobInfo(
            id: id, status: row["status"], source: row["source"], userId: row["userId"], bytesTotal: row["bytesTotal"], bytesDone: row["bytesDone"],
            rowsDone: row["rowsDone"], counts: counts, error: row["error"], createdAt: row["createdAt"], startedAt: row["startedAt"],
            finishedAt: row["finishedAt"], files: [],
            issueCount: try Int.fetchOne(db, sql: "SELECT count(*) FROM importIssue WHERE importJobId = ?", arguments: [id]) ?? 0)
    }

    /// The latest jobs, newest first (without their files).
    public func importJobs(limit: Int = 50, offset: Int = 0) async throws -> [ImportJobInfo] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM importJob ORDER BY id DESC LIMIT ? OFFSET ?", arguments: [limit, offset]).map { try Self.jobInfo(db, $0) }
        }
    }

    /// A page of a job's issues (errors first, then by id) and their total.
    public func importIssues(jobId: Int64, page: Int, perPage: Int) async throws -> (items: [ImportIssueInfo], total: Int) {
        try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM importIssue WHERE importJobId = ?", arguments: [jobId]) ?? 0
            let items = try Row.fetchAll(
                db,
                sql: "SELECT * FROM importIssue WHERE importJobId = ? ORDER BY severity = 'warning', id LIMIT ? OFFSET ?",
                arguments: [jobId, perPage, max(0, page - 1) * perPage]
            ).map {
                ImportIssueInfo(
                    id: $0["id"], fileName: $0["fileName"], line: $0["line"], entity: $0["entity"], erpId: $0["erpId"], severity: $0["severity"],
                    code: $0["code"], message: $0["message"])
            }
            return (items, total)
        }
    }

    // MARK: The runner's side

    /// At start: jobs left `running` by a stopped process go back to the queue; they run again
    /// from their first file (imports are idempotent, so what was written is simply unchanged).
    @discardableResult
    public func requeueInterruptedImports() throws -> Int {
        try restoreDeferredImportObjects()
        return try write { db in
            try db.execute(sql: "UPDATE importJob SET status = 'queued' WHERE status = 'running'")
            return db.changesCount
        }
    }

    /// Takes the oldest queued job and marks it running; resets what an earlier run left
    /// (issues, counts, progress, file states other than unpacked zips).
    public func claimImportJob(id: Int64? = nil) throws -> Int64? {
        try write { db in
            let candidate: Int64?
            if let id {
                candidate = try Int64.fetchOne(db, sql: "SELECT id FROM importJob WHERE id = ? AND status = 'queued'", arguments: [id])
            } else {
                candidate = try Int64.fetchOne(db, sql: "SELECT id FROM importJob WHERE status = 'queued' ORDER BY id LIMIT 1")
            }
            guard let jobId = candidate else { return nil }
            try db.execute(sql: "DELETE FROM importIssue WHERE importJobId = ?", arguments: [jobId])
            try db.execute(
                sql: "UPDATE importJob SET status = 'running', startedAt = ?, finishedAt = NULL, error = NULL, counts = '{}', rowsDone = 0, bytesDone = 0 WHERE id = ?",
                arguments: [Self.stamp(Date()), jobId])
            try db.execute(
                sql: "UPDATE importJobFile SET status = 'queued' WHERE importJobId = ? AND status IN ('running', 'done', 'failed') AND NOT (format = 'zip' AND status = 'done')",
                arguments: [jobId])
            return jobId
        }
    }

    public func setImportFile(id: Int64, status: String, format: String? = nil, sortOrder: Int? = nil) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE importJobFile SET status = ?, format = coalesce(?, format), sortOrder = coalesce(?, sortOrder) WHERE id = ?",
                arguments: [status, format, sortOrder, id])
        }
    }

    public func finishImportJob(id: Int64, status: String, error: String?) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE importJob SET status = ?, error = ?, finishedAt = ? WHERE id = ?",
                arguments: [status, error.map { String($0.prefix(2000)) }, Self.stamp(Date()), id])
        }
        // The catalog's shape may have changed (a first load, a new category): the planner's
        // statistics follow, sampled, in milliseconds.
        if status == "succeeded" { try refreshPlannerStatistics() }
    }

    /// Puts a job back in the queue (a run interrupted by shutdown).
    public func requeueImportJob(id: Int64) throws {
        try write { db in try db.execute(sql: "UPDATE importJob SET status = 'queued' WHERE id = ? AND status = 'running'", arguments: [id]) }
    }
}

extension WholesailDatabase {
    /// How long the uploaded files of a finished import stay stored: the job's record, counts
    /// and issues stay for good; its files (the bulk of the database after a few full loads) go
    /// once the job is older than `days` and not among the last `keepLast` finished jobs.
    public struct UploadRetention: Sendable, Equatable {
        public var days: Int
        public var keepLast: Int
        public init(days: Int = 14, keepLast: Int = 5) {
            self.days = days
            self.keepLast = keepLast
        }
    }

    /// Deletes the stored files of finished imports past the retention, and the blobs (manifests
    /// and their parts) that nothing else refers to. Returns the number of blobs deleted.
    @discardableResult
    public func pruneImportUploads(_ retention: UploadRetention = UploadRetention(), now: Date = Date()) throws -> Int {
        let cutoff = Self.stamp(now.addingTimeInterval(-Double(retention.days) * 86_400))
        return try write { db in
            let jobs = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM importJob
                    WHERE status IN ('succeeded', 'failed', 'cancelled') AND finishedAt < ?
                      AND id NOT IN (SELECT id FROM importJob WHERE status IN ('succeeded', 'failed', 'cancelled') ORDER BY finishedAt DESC, id DESC LIMIT ?)
                      AND EXISTS (SELECT 1 FROM importJobFile WHERE importJobId = importJob.id)
                    """, arguments: [cutoff, retention.keepLast])
            guard !jobs.isEmpty else { return 0 }
            var candidates = Set<String>()
            for job in jobs {
                for key in try String.fetchAll(db, sql: "SELECT blobSha256 FROM importJobFile WHERE importJobId = ?", arguments: [job]) {
                    candidates.insert(key)
                    let (parts, _) = try BlobReader.parts(db, key: key)
                    for entry in parts { if let part = PartRef(entry) { candidates.insert(part.key) } }
                }
                try db.execute(sql: "DELETE FROM importJobFile WHERE importJobId = ?", arguments: [job])
            }
            // What is still referred to: rows that name a blob, and the parts of the manifests they name.
            let live = Set(
                try String.fetchAll(
                    db, sql: "SELECT blobSha256 FROM importJobFile UNION SELECT blobSha256 FROM file UNION SELECT blobSha256 FROM exchangeFile"))
            var liveParts = Set<String>()
            for key in live where try Self.isManifest(db, key) {
                for entry in try BlobReader.parts(db, key: key).0 { if let part = PartRef(entry) { liveParts.insert(part.key) } }
            }
            var deleted = 0
            for key in candidates where !live.contains(key) && !liveParts.contains(key) {
                try db.execute(sql: "DELETE FROM blob WHERE sha256 = ?", arguments: [key])
                deleted += db.changesCount
            }
            return deleted
        }
    }
}
