import ArgumentParser
import Foundation
import WholesailCore
import WholesailServer
import WholesailStore

/// `wholesail import FILE...`: the pipeline of `POST /api/v1/import`, run here and now. Files
/// (or folders: every file inside, with its relative path, so `import_files/…` images resolve)
/// are stored in the database first, then imported as one job; a progress line on a terminal,
/// a summary at the end, a non-zero exit when the job failed.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import CommerceML, CSV, JSON or zip files (the same pipeline as the HTTP import).")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "Files or folders to import, in one job.") var files: [String]
    @Option(help: "Issues to print at the end.") var issues = 20

    func run() async throws {
        let db = try WholesailDatabase.open(at: database.resolvedPath)
        var limits = ImportLimits()
        if let raw = ProcessInfo.processInfo.environment["WHOLESAIL_IMPORT_MAX_BYTES"], !raw.isEmpty {
            guard let value = Int(raw), value > 0 else { throw CLIError("invalid WHOLESAIL_IMPORT_MAX_BYTES \(raw): expected a number of bytes") }
            limits = ImportLimits(maxUploadBytes: value)
        }
        let uploads = try Self.store(paths: files, database: db, limits: limits)
        let jobId = try db.createImportJobSync(files: uploads, source: "cli", userId: nil)
        let job = try Self.runJob(jobId, database: db, limits: limits, progress: isatty(STDERR_FILENO) == 1)
        print(Self.summary(job))
        let list = try await db.importIssues(jobId: jobId, page: 1, perPage: max(issues, 1))
        for issue in list.items.prefix(issues) {
            print("  \(issue.severity == "error" ? "error" : "warning"): \(issue.fileName.map { "\($0): " } ?? "")\(issue.message)")
        }
        if list.total > issues { print("  … \(list.total - issues) more issues") }
        if job.status != "succeeded" { throw CLIError("import failed: \(job.error ?? job.status)") }
    }

    /// Stores files (folders walked, relative paths kept) in the blob store.
    static func store(paths: [String], database: WholesailDatabase, limits: ImportLimits) throws -> [ImportUpload] {
        var uploads: [ImportUpload] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError("no such file: \(path)") }
            if isDirectory.boolValue {
                let root = URL(fileURLWithPath: path).standardizedFileURL
                guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
                var found: [(String, String)] = []
                for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                    let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                    found.append((url.path, relative))
                }
                for (file, name) in found.sorted(by: { $0.1 < $1.1 }) {
                    uploads.append(ImportUpload(fileName: name, stored: try storeFile(file, database: database, limits: limits)))
                }
            } else {
                let name = URL(fileURLWithPath: path).lastPathComponent
                uploads.append(ImportUpload(fileName: name, stored: try storeFile(path, database: database, limits: limits)))
            }
        }
        guard !uploads.isEmpty else { throw CLIError("nothing to import") }
        return uploads
    }

    static func storeFile(_ path: String, database: WholesailDatabase, limits: ImportLimits) throws -> StoredUpload {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
        defer { try? handle.close() }
        var uploader = BlobUploader(database: database, maxBytes: limits.maxUploadBytes)
        do {
            while let chunk = try handle.read(upToCount: BlobParts.partSize), !chunk.isEmpty { try uploader.appendSync(chunk) }
            return try uploader.finishSync()
        } catch let error as UploadTooLarge {
            uploader.discardSync()
            throw CLIError("\(path) is larger than the import limit of \(error.limit) bytes (WHOLESAIL_IMPORT_MAX_BYTES)")
        }
    }

    /// Runs a queued job in this process (or waits for a server that took it first).
    static func runJob(_ jobId: Int64, database: WholesailDatabase, limits: ImportLimits, progress: Bool) throws -> ImportJobInfo {
        if try database.claimImportJob(id: jobId) != nil {
            var last = ContinuousClock.now
            let pipeline = ImportPipeline(database: database, limits: limits, onProgress: { step in
                guard progress, ContinuousClock.now - last > .milliseconds(200) else { return }
                last = ContinuousClock.now
                let percent = step.bytesTotal > 0 ? min(100, step.bytesDone * 100 / step.bytesTotal) : 0
                let line = String(format: "\r%3d%%  %@  %d records", percent, String(step.file.suffix(40)) as NSString, step.rows)
                FileHandle.standardError.write(Data(line.utf8))
            })
            try pipeline.run(jobId: jobId)
            if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        } else {
            // A running server's import runner claimed it: follow it.
            while let job = try database.importJobSync(id: jobId), !job.isFinished { Thread.sleep(forTimeInterval: 0.5) }
        }
        guard let job = try database.importJobSync(id: jobId) else { throw CLIError("the import job disappeared") }
        return job
    }

    static func summary(_ job: ImportJobInfo) -> String {
        var lines = ["import job \(job.id): \(job.status), \(job.rowsDone) records, \(job.issueCount) issues"]
        for (entity, counts) in job.counts.entities.sorted(by: { $0.key < $1.key }) {
            lines.append(
                "  \(entity.padding(toLength: 14, withPad: " ", startingAt: 0)) created \(counts.created), updated \(counts.updated), unchanged \(counts.unchanged), deactivated \(counts.deleted), failed \(counts.failed)")
        }
        return lines.joined(separator: "\n")
    }
}
