import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WholesailStore

/// The admin's backups: make one now (online), list them, download one.
struct AdminBackupController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let folder: BackupFolder
    let keep: Int

    func mount(on routes: Routes) {
        routes.get("/admin/backups", .permission("admin.backups"), use: page)
        routes.post("/admin/backups", .permission("admin.backups"), use: create)
        routes.get("/admin/backups/:name", .permission("admin.backups"), use: download)
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language)
        return renderer.render(
            "admin-backups",
            [
                "title": t["backups.title"], "folder": folder.path, "keep": keep,
                "backups": folder.list().map { entry in
                    ["name": entry.name, "size": format.quantity(Int64(entry.size / 1024) * 1000) + " KB"]
                },
                "created": request.uri.queryParameters["created"] != nil,
            ], request: request, context: context)
    }

    @Sendable func create(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let folder = self.folder
        let database = self.database
        let keep = max(keep, 1)
        // A backup reads the whole file: off the event loop.
        let entry = try await Task.detached { try folder.create(from: database, keep: keep) }.value
        try await database.recordAudit(actor: principal.userId, action: "admin.backup", objectType: "backup", objectId: entry.name, ip: context.remoteIP)
        return .redirect(to: "/admin/backups?created=1")
    }

    @Sendable func download(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let name = context.parameters.get("name"), let path = folder.fullPath(of: name),
            let handle = FileHandle(forReadingAtPath: path)
        else { throw HTTPError(.notFound) }
        try await database.recordAudit(actor: principal.userId, action: "admin.backup_download", objectType: "backup", objectId: name, ip: context.remoteIP)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let body = ResponseBody(contentLength: size) { writer in
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/vnd.sqlite3", .contentDisposition: ContentDisposition.attachment(fileName: name),
                .cacheControl: "private, no-store",
            ],
            body: body)
    }
}
