import Foundation
import WholesailServer
import WholesailStore

/// One import job through the real pipeline, as `wholesail import` runs it: the files stored in
/// the blob store, a job created and claimed, then applied. Returns the records applied and the
/// seconds the pipeline took (storing excluded).
public enum ImportRun {
    public static func store(_ files: [(name: String, path: String)], into database: WholesailDatabase) throws -> [ImportUpload] {
        try files.map { file in
            guard let handle = FileHandle(forReadingAtPath: file.path) else { throw BenchError("cannot read \(file.path)") }
            defer { try? handle.close() }
            var uploader = BlobUploader(database: database)
            while let chunk = try handle.read(upToCount: BlobParts.partSize), !chunk.isEmpty { try uploader.appendSync(chunk) }
            return ImportUpload(fileName: file.name, stored: try uploader.finishSync())
        }
    }

    public static func apply(_ uploads: [ImportUpload], to database: WholesailDatabase) throws -> (records: Int, seconds: Double) {
        let jobId = try database.createImportJobSync(files: uploads, source: "cli", userId: nil)
        guard try database.claimImportJob(id: jobId) != nil else { throw BenchError("could not claim import job \(jobId)") }
        let start = ContinuousClock.now
        try ImportPipeline(database: database, limits: ImportLimits()).run(jobId: jobId)
        let elapsed = ContinuousClock.now - start
        guard let job = try database.importJobSync(id: jobId), job.status == "succeeded" else {
            throw BenchError("import job \(jobId) did not succeed")
        }
        return (job.rowsDone, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Writes a file through a sink of chunks (the generator's output).
    public static func write(_ path: String, _ body: ((Data) throws -> Void) throws -> Void) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
        defer { try? handle.close() }
        try body { try handle.write(contentsOf: $0) }
    }
}
