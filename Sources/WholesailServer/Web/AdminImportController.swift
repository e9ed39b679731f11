import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WholesailCore
import WholesailStore

/// The admin's imports: upload files (streamed into the blob store, run in the background),
/// recent jobs with their status and counts, a job's page with its files and issues, and CSV
/// templates of the four layouts.
struct AdminImportController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let coordinator: ImportCoordinator

    /// The upload form posts here; its body is streamed by the handler, so the CSRF token comes
    /// in the query string (see `CSRFMiddleware.streamedUploadPaths`).
    static let uploadPath = "/admin/import"

    func mount(on routes: Routes) {
        routes.get("/admin/import", .permission("import.run"), use: page)
        routes.post(Self.uploadPath, .permission("import.run"), use: upload)
        routes.get("/admin/import/jobs/:id", .permission("import.run"), use: job)
        routes.get("/admin/import/templates/:layout", .permission("import.run"), use: template)
    }

    static func statusClass(_ status: String) -> String {
        switch status {
        case "succeeded", "done": "novelty"
        case "failed": "sale"
        default: ""
        }
    }

    func countsRows(_ counts: ImportCounts, _ t: Localizer, format: Formatter) -> [[String: Any]] {
        counts.entities.sorted { $0.key < $1.key }.map { entity, value in
            [
                "entity": t["import.entity.\(entity)"].hasPrefix("import.entity.") ? entity : t["import.entity.\(entity)"],
                "created": format.count(value.created), "updated": format.count(value.updated), "unchanged": format.count(value.unchanged),
                "deleted": format.count(value.deleted), "failed": format.count(value.failed), "hasFailed": value.failed > 0,
            ]
        }
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language)
        let jobs = try await database.importJobs(limit: 30)
        return renderer.render(
            "admin-import",
            [
                "title": t["import.title"],
                "uploadAction": "\(Self.uploadPath)?_csrf=\(context.csrfToken.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
                "maxSize": format.count(coordinator.limits.maxUploadBytes >> 20) + " MB",
                "layouts": ["products", "prices", "stock", "counterparties"].map { ["name": $0, "title": t["import.layout.\($0)"]] },
                "jobs": jobs.map { job -> [String: Any] in
                    [
                        "id": job.id, "created": job.createdAt.prefix(16).replacingOccurrences(of: "T", with: " "),
                        "source": t["import.source.\(job.source)"], "status": t["import.status.\(job.status)"],
                        "statusClass": Self.statusClass(job.status), "rows": format.count(job.rowsDone),
                        "changed": format.count(job.counts.changed), "issues": format.count(job.issueCount), "error": job.error ?? "",
                    ]
                },
                "hasJobs": !jobs.isEmpty,
            ], request: request, context: context)
    }

    @Sendable func upload(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let collected = try await ImportUploads.receive(request, database: database, limits: coordinator.limits)
        guard !collected.files.isEmpty else {
            return .redirect(to: "/admin/import?empty=1")
        }
        let jobId = try await database.createImportJob(files: collected.files, source: "admin", userId: principal.userId)
        try await database.recordAudit(actor: principal.userId, action: "import.upload", objectType: "importJob", objectId: String(jobId), ip: context.remoteIP)
        coordinator.wake()
        return .redirect(to: "/admin/import/jobs/\(jobId)")
    }

    @Sendable func job(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard let id = context.parameters.get("id", as: Int64.self), let job = try await database.importJob(id: id) else {
            throw DomainError.notFound("import")
        }
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language)
        let page = max(1, request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1)
        let perPage = 100
        let issues = try await database.importIssues(jobId: id, page: page, perPage: perPage)
        let dto = ImportAPIController.JobDTO(job)
        return renderer.render(
            "admin-import-job",
            [
                "title": t["import.job_title"].replacingOccurrences(of: "{id}", with: String(id)),
                "id": id, "status": t["import.status.\(job.status)"], "statusClass": Self.statusClass(job.status),
                "running": !job.isFinished, "source": t["import.source.\(job.source)"], "created": job.createdAt.prefix(19),
                "started": job.startedAt.map { String($0.prefix(19)) } ?? "", "finished": job.finishedAt.map { String($0.prefix(19)) } ?? "",
                "percent": dto.progress.percent, "rows": format.count(job.rowsDone),
                "bytes": format.count(dto.progress.bytesDone >> 10) + " / " + format.count(dto.progress.bytesTotal >> 10) + " KB",
                "error": job.error ?? "",
                "files": job.files.map { file -> [String: Any] in
                    [
                        "name": file.fileName, "format": file.format ?? "", "status": t["import.file_status.\(file.status)"],
                        "statusClass": Self.statusClass(file.status), "size": format.count(max(file.size >> 10, file.size > 0 ? 1 : 0)) + " KB",
                    ]
                },
                "counts": countsRows(job.counts, t, format: format), "hasCounts": !job.counts.entities.isEmpty,
                "issues": issues.items.map { issue -> [String: Any] in
                    var explained = issue.message
                    if let code = issue.code {
                        let translated = t.message(code: code, fallback: "")
                        if !translated.isEmpty && context.language != .en { explained = translated + " " + issue.message }
                    }
                    return [
                        "file": issue.fileName ?? "", "line": issue.line.map(String.init) ?? "", "entity": issue.entity ?? "", "erpId": issue.erpId ?? "",
                        "warning": issue.severity == "warning", "message": explained,
                    ]
                },
                "issueTotal": format.count(issues.total), "hasIssues": issues.total > 0,
                "pager": Pager(page: page, perPage: perPage, total: issues.total, path: "/admin/import/jobs/\(id)", query: [:]).links(t),
            ], request: request, context: context)
    }

    /// The header row of each layout in the page's language, and one example row.
    static func templateRows(_ layout: String, language: Language) -> [[String]]? {
        let ru = language == .ru
        switch layout {
        case "products":
            return [
                ru
                    ? ["Артикул", "Наименование", "Ид", "Единица", "Группа", "Штрихкод", "Описание", "Бренд", "НДС", "Вес", "Кратность", "Цена"]
                    : ["SKU", "Name", "ID", "Unit", "Group", "Barcode", "Description", "Brand", "VAT", "Weight", "Pack size", "Price"],
                ["CAB-3x2.5", "Кабель ВВГнг-LS 3x2,5", "", "м", "Кабель и провод/Силовой", "4601234567890", "", "Уралкабель", "20", "0,12", "1", "85,40"],
            ]
        case "prices":
            return [
                ru ? ["Артикул", "Цена", "Тип цены", "Единица", "Валюта"] : ["SKU", "Price", "Price type", "Unit", "Currency"],
                ["CAB-3x2.5", "85,40", ru ? "Оптовая" : "Wholesale", "м", "RUB"],
            ]
        case "stock":
            return [
                ru ? ["Артикул", "Количество", "Склад"] : ["SKU", "Quantity", "Warehouse"],
                ["CAB-3x2.5", "1500", ru ? "Основной склад" : "Main warehouse"],
            ]
        case "counterparties":
            return [
                ru
                    ? ["Наименование", "Ид", "Полное наименование", "ИНН", "КПП", "Email", "Телефон", "Адрес", "Контактное лицо", "Тип цены"]
                    : ["Name", "ID", "Full name", "INN", "KPP", "Email", "Phone", "Address", "Contact person", "Price type"],
                ["ООО «Ромашка»", "CP-001", "Общество с ограниченной ответственностью «Ромашка»", "7701234567", "770101001", "zakaz@romashka.ru",
                 "+7 495 123-45-67", "Москва, ул. Ленина, 1", "Иванов Иван", ru ? "Оптовая" : "Wholesale"],
            ]
        default:
            return nil
        }
    }

    @Sendable func template(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let raw = context.parameters.get("layout") ?? ""
        let layout = raw.hasSuffix(".csv") ? String(raw.dropLast(4)) : raw
        guard let rows = Self.templateRows(layout, language: context.language) else { throw DomainError.notFound("import") }
        return CSVFile.response(rows: rows, fileName: "\(layout).csv")
    }
}

extension Formatter {
    /// A whole number with thousands grouped ("12 345" in Russian, "12,345" in English).
    func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(language == .ru ? "\u{00A0}" : ",") }
            grouped.append(character)
        }
        return (value < 0 ? "-" : "") + String(grouped.reversed())
    }
}
