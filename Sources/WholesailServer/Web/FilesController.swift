import Foundation
import HTTPTypes
import Hummingbird
import WholesailResources
import WholesailCore
import WholesailStore

/// Static assets from the binary (`/static/…`) and stored files from the database (`/files/<sha256>`).
struct FilesController {
    let database: WholesailDatabase

    func mount(on routes: Routes) {
        routes.get("/static/**", .open, use: staticAsset)
        routes.get("/files/:sha256", .open, use: storedFile)
        routes.get("/files/:sha256/:name", .open, use: storedFile)
        routes.get("/favicon.ico", .open, use: favicon)
    }

    @Sendable func staticAsset(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let path = context.parameters.getCatchAll().joined(separator: "/")
        guard !path.isEmpty, !path.contains(".."), let data = Assets.data("static/" + path) else {
            throw HTTPError(.notFound)
        }
        let etag = "\"" + String(Crypto.sha256Hex(data).prefix(16)) + "\""
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: [.eTag: etag])
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: MediaTypes.forFileName(path), .eTag: etag,
                .cacheControl: "public, max-age=3600",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    @Sendable func favicon(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let data = Assets.data("static/favicon.svg") else { throw HTTPError(.notFound) }
        return Response(
            status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Streams a stored blob in chunks, so a large PDF never sits whole in memory. Blobs are
    /// content-addressed, hence immutable: the hash is the ETag and caches may keep them forever.
    @Sendable func storedFile(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let sha = context.parameters.get("sha256"), BlobStore.isValidKey(sha) else {
            throw HTTPError(.notFound)
        }
        guard try await database.isPublicBlob(sha256: sha), let info = try await database.blobInfo(sha256: sha) else {
            throw HTTPError(.notFound)
        }
        let etag = "\"\(sha)\""
        var headers: HTTPFields = [
            .contentType: info.contentType, .eTag: etag,
            .cacheControl: "public, max-age=31536000, immutable",
        ]
        if let name = context.parameters.get("name") {
            headers[.contentDisposition] = ContentDisposition.inline(fileName: name)
        }
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        return Self.stream(sha, size: info.size, headers: headers, database: database)
    }

    /// A stored blob streamed in chunks (memory stays flat whatever its size).
    static func stream(_ sha: String, size: Int, headers: HTTPFields, database: WholesailDatabase) -> Response {
        var headers = headers
        headers[.contentLength] = String(size)
        let body = ResponseBody(contentLength: size) { writer in
            var offset = 0
            while offset < size {
                let chunk = try await database.blobChunk(sha256: sha, offset: offset, length: BlobStore.chunkSize)
                if chunk.isEmpty { break }
                try await writer.write(ByteBuffer(bytes: chunk))
                offset += chunk.count
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// A private file (a document, an attachment) as a download, after the route's access check.
    static func download(fileId: Int64, database: WholesailDatabase) async throws -> Response {
        guard let file = try await database.fileInfo(id: fileId), let info = try await database.blobInfo(sha256: file.sha256) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        let headers: HTTPFields = [
            .contentType: info.contentType, .contentDisposition: ContentDisposition.attachment(fileName: file.fileName),
            .cacheControl: "private, no-store",
        ]
        return stream(file.sha256, size: info.size, headers: headers, database: database)
    }
}

enum ContentDisposition {
    /// `inline; filename="…"; filename*=UTF-8''…` with the name sanitized for the header.
    static func inline(fileName: String) -> String { make("inline", fileName) }
    static func attachment(fileName: String) -> String { make("attachment", fileName) }

    private static func make(_ kind: String, _ fileName: String) -> String {
        let ascii = String(fileName.unicodeScalars.map { $0.isASCII && $0.value >= 32 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? ascii
        return "\(kind); filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}

enum MediaTypes {
    static func forFileName(_ name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "ttf": "font/ttf"
        case "json": "application/json"
        case "pdf": "application/pdf"
        case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
