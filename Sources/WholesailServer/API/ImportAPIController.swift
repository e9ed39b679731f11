import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WholesailCore
import WholesailStore

/// The ERP's door: `POST /api/v1/import` (multipart, field `file` repeatable) queues a job and
/// answers 202 at once; `GET /api/v1/import/{id}` reports it; `GET /api/v1/orders/export`
/// hands orders to ERPs other than 1C as JSON.
struct ImportAPIController {
    let database: WholesailDatabase
    let coordinator: ImportCoordinator

    func mount(on routes: Routes) {
        routes.post("/api/v1/import", .permission("import.run"), use: upload)
        routes.get("/api/v1/import/:id", .permission("import.run"), use: show)
        routes.get("/api/v1/orders/export", .permission("import.run"), use: exportOrders)
    }

    struct JobDTO: Encodable {
        struct FileDTO: Encodable {
            var name: String
            var format: String?
            var status: String
            var size: Int
        }

        struct ProgressDTO: Encodable {
            var bytesDone: Int
            var bytesTotal: Int
            var rowsDone: Int
            var percent: Int
        }

        var id: Int64
        var status: String
        var source: String
        var createdAt: String
        var startedAt: String?
        var finishedAt: String?
        var progress: ProgressDTO
        var counts: [String: ImportCounts.Entity]
        var error: String?
        var files: [FileDTO]
        var issueCount: Int

        init(_ job: ImportJobInfo) {
            id = job.id
            status = job.status
            source = job.source
            createdAt = Self.iso(job.createdAt)
            startedAt = job.startedAt.map(Self.iso)
            finishedAt = job.finishedAt.map(Self.iso)
            let files = job.files.filter { $0.format != ImportFileFormat.zip.rawValue || $0.status != "done" }
            let total = max(files.filter { $0.format != ImportFileFormat.attachment.rawValue }.reduce(0) { $0 + $1.size }, 0)
            progress = ProgressDTO(
                bytesDone: min(job.bytesDone, max(total, job.bytesDone)), bytesTotal: total, rowsDone: job.rowsDone,
                percent: job.isFinished ? 100 : (total > 0 ? min(99, job.bytesDone * 100 / total) : 0))
            counts = job.counts.entities
            error = job.error
            self.files = job.files.map { FileDTO(name: $0.fileName, format: $0.format, status: $0.status, size: $0.size) }
            issueCount = job.issueCount
        }

        static func iso(_ stamp: String) -> String { stamp.replacingOccurrences(of: " ", with: "T").prefix(23) + "Z" }
    }

    struct IssueDTO: Encodable {
        var file: String?
        var line: Int?
        var entity: String?
        var erpId: String?
        var severity: String
        var code: String?
        var message: String

        init(_ issue: ImportIssueInfo) {
            file = issue.fileName
            line = issue.line
            entity = issue.entity
            erpId = issue.erpId
            severity = issue.severity
            code = issue.code
            message = issue.message
        }
    }

    struct IssuePageDTO: Encodable {
        var items: [IssueDTO]
        var page: Int
        var perPage: Int
        var total: Int
    }

    struct JobEnvelope: Encodable {
        var job: JobDTO
        var issues: IssuePageDTO?
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    @Sendable func upload(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let collected = try await ImportUploads.receive(request, database: database, limits: coordinator.limits)
        guard !collected.files.isEmpty else {
            throw DomainError(.malformed, code: "import.no_files", message: "No file was sent: put each file in a multipart field named file.")
        }
        let jobId = try await database.createImportJob(files: collected.files, source: "api", userId: principal.userId)
        coordinator.wake()
        guard let job = try await database.importJob(id: jobId) else { throw DomainError.notFound("import") }
        var response = try Self.json(JobEnvelope(job: JobDTO(job)), status: .accepted)
        response.headers[.location] = "/api/v1/import/\(jobId)"
        return response
    }

    @Sendable func show(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let job = try await database.importJob(id: id) else {
            throw DomainError.notFound("import")
        }
        let query = request.uri.queryParameters
        let page = max(1, query["page"].flatMap { Int(String($0)) } ?? 1)
        let perPage = min(1000, max(1, query["per_page"].flatMap { Int(String($0)) } ?? 100))
        let issues = try await database.importIssues(jobId: id, page: page, perPage: perPage)
        return try Self.json(
            JobEnvelope(job: JobDTO(job), issues: IssuePageDTO(items: issues.items.map(IssueDTO.init), page: page, perPage: perPage, total: issues.total)))
    }

    struct OrderExportDTO: Encodable {
        var orders: [ExportedOrder]
        var nextSince: String?
    }

    @Sendable func exportOrders(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let since = query["since"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if let since, since.range(of: #"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?)?$"#, options: .regularExpression) == nil {
            throw ValidationError(field: "since", code: "import.bad_since", message: "since must be a date and time like 2026-01-31T12:00:00.000Z.")
        }
        let limit = min(1000, max(1, query["limit"].flatMap { Int(String($0)) } ?? 500))
        let result = try await database.ordersChanged(since: since, limit: limit)
        return try Self.json(OrderExportDTO(orders: result.orders, nextSince: result.next.map(JobDTO.iso)))
    }
}
