import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// Downloads of a company's documents (bills, invoices, acts…), after the ownership check.
struct DocumentsController {
    let database: WholesailDatabase

    func mount(on routes: Routes) {
        routes.get("/documents/:document/file", .owned(.document, parameter: "document", permission: "documents.view"), use: file)
    }

    @Sendable func file(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("document", as: Int64.self), let fileId = try await database.documentFileId(id: id) else {
            throw DomainError(.notFound, code: "document.no_file", message: "This document has no file yet.")
        }
        return try await FilesController.download(fileId: fileId, database: database)
    }
}
