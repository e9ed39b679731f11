import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// Streams the `file` parts of a multipart upload into the blob store (never the whole body in
/// memory), keeping small text fields. Refuses bodies past the upload limit with 413 and leaves
/// nothing stored behind when it refuses.
enum ImportUploads {
    struct Collected {
        var files: [ImportUpload]
        var fields: [String: String]
    }

    static func receive(_ request: Request, database: WholesailDatabase, limits: ImportLimits) async throws -> Collected {
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = MultipartParser.boundary(from: contentType)
        else {
            throw DomainError(.malformed, code: "import.not_multipart", message: "Send the files as multipart/form-data, each in a field named file.")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limits.maxUploadBytes + 64 * 1024 {
            throw tooLarge(limits)
        }
        var collector = Collector(database: database, maxBytes: limits.maxUploadBytes)
        do {
            try await MultipartStream.read(request.body, boundary: boundary, into: &collector)
        } catch is UploadTooLarge {
            await collector.discard()
            throw tooLarge(limits)
        } catch is MultipartStream.Malformed {
            await collector.discard()
            throw DomainError(.malformed, code: "request.malformed", message: "The request could not be read.")
        } catch {
            await collector.discard()
            throw error
        }
        return Collected(files: collector.files, fields: collector.fields)
    }

    static func tooLarge(_ limits: ImportLimits) -> DomainError {
        DomainError(
            .tooLarge, code: "import.too_large", message: "The upload is larger than the limit of \(limits.maxUploadBytes) bytes.",
            values: ["limit": String(limits.maxUploadBytes)])
    }

    struct Collector: MultipartSink {
        let database: WholesailDatabase
        let maxBytes: Int
        var files: [ImportUpload] = []
        var fields: [String: String] = [:]
        var finished: [BlobUploader] = []
        var current: BlobUploader?
        var currentHeader: MultipartPartHeader?
        var field: [UInt8] = []
        var total = 0

        init(database: WholesailDatabase, maxBytes: Int) {
            self.database = database
            self.maxBytes = maxBytes
        }

        mutating func begin(_ part: MultipartPartHeader) async throws {
            currentHeader = part
            field = []
            if part.fileName != nil, ["file", "files", "file[]", "files[]"].contains(part.name) {
                current = BlobUploader(database: database, maxBytes: max(0, maxBytes - total))
            } else {
                current = nil
            }
        }

        mutating func data(_ bytes: ArraySlice<UInt8>) async throws {
            total += bytes.count
            if total > maxBytes { throw UploadTooLarge(limit: maxBytes) }
            if current != nil {
                try await current!.append(bytes)
            } else {
                field.append(contentsOf: bytes)
                if field.count > 64 * 1024 { throw MultipartStream.Malformed() }
            }
        }

        mutating func end() async throws {
            guard let header = currentHeader else { return }
            if var uploader = current {
                current = nil
                let stored = try await uploader.finish()
                finished.append(uploader)
                let raw = header.fileName ?? ""
                guard !(raw.isEmpty && stored.size == 0) else { return }  // a file input left empty
                let name = ImportFiles.normalizedPath(raw) ?? "upload-\(files.count + 1)"
                files.append(ImportUpload(fileName: name, stored: stored))
            } else {
                fields[header.name] = String(decoding: field, as: UTF8.self)
            }
        }

        mutating func discard() async {
            if var uploader = current { await uploader.discard() }
            for index in finished.indices { await finished[index].discard() }
            current = nil
            finished = []
            files = []
        }
    }
}
