import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// A company's documents (bills, invoices, waybills, acts…), an order's bill as PDF, the finance
/// page (credit, debt, settlements) and the price list in the buyer's prices.
struct DocumentsController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let bills: BillService
    let pricing: PricingService
    let priceLists: PriceListService

    init(database: WholesailDatabase, renderer: TemplateRenderer, bills: BillService, pricing: PricingService) {
        self.database = database
        self.renderer = renderer
        self.bills = bills
        self.pricing = pricing
        self.priceLists = PriceListService(database: database, pricing: pricing)
    }

    func mount(on routes: Routes) {
        routes.get("/documents", .permission("documents.view"), use: list)
        routes.get("/documents/:document/file", .owned(.document, parameter: "document", permission: "documents.view"), use: file)
        routes.get("/orders/:order/bill.pdf", .owned(.customerOrder, parameter: "order", permission: "documents.view"), use: bill)
        routes.get("/finance", .permission("finance.view"), use: finance)
        routes.post("/finance/reconciliation", .permission("finance.view"), use: requestAct)
        routes.get("/shipments/:shipment/waybill.pdf", .owned(.shipment, parameter: "shipment", permission: "documents.view"), use: waybill)
        routes.get("/shipments/:shipment/invoice.pdf", .owned(.shipment, parameter: "shipment", permission: "documents.view"), use: invoice)
        routes.post("/staff/requests/:ticket/act", .owned(.ticket, parameter: "ticket", permission: "requests.handle"), use: uploadAct)
        routes.get(
            "/staff/companies/:company/finance", .owned(.counterparty, parameter: "company", permission: "customers.serve"), use: staffFinance)
        routes.get("/price-list", .permission("catalog.prices"), use: priceListPage)
        routes.get("/price-list.xlsx", .permission("catalog.prices"), use: priceListXLSX)
        routes.get("/price-list.pdf", .permission("catalog.prices"), use: priceListPDF)
    }

    static let kinds = ["bill", "invoice", "waybill", "upd", "act", "reconciliation", "price_list", "other"]

    @Sendable func list(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("documents.view")
        var filter = DocumentFilter(counterparties: OrderPagesController.visibleCompanies(principal))
        let query = request.uri.queryParameters
        filter.kind = query["kind"].map(String.init).flatMap { Self.kinds.contains($0) ? $0 : nil }
        filter.from = query["from"].map(String.init).flatMap { CheckoutForm.isDateText($0) ? $0 : nil }
        filter.to = query["to"].map(String.init).flatMap { CheckoutForm.isDateText($0) ? $0 : nil }
        filter.orderNumber = query["order"].map { String($0.prefix(50)) }
        let rows = try await database.documents(filter)
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        return renderer.render(
            "documents",
            [
                "title": t["documents.title"],
                "documents": rows.map { row in
                    [
                        "id": row.id, "kind": t["document.kind_" + row.kind], "number": row.number, "date": row.date, "company": row.counterparty,
                        "orderId": row.orderId ?? 0, "order": row.orderNumber ?? "", "amount": row.amountMinor.map { format.money($0, row.currency) } ?? "",
                        "hasFile": row.hasFile, "erp": row.source == "erp",
                    ] as [String: Any]
                },
                "hasDocuments": !rows.isEmpty,
                "kinds": Self.kinds.map { ["code": $0, "name": t["document.kind_" + $0], "selected": $0 == filter.kind] as [String: Any] },
                "values": ["from": filter.from ?? "", "to": filter.to ?? "", "order": filter.orderNumber ?? ""],
                "canFinance": principal.permissions.contains("finance.view"),
                "canMaterials": principal.permissions.contains("materials.view"),
            ], request: request, context: context)
    }

    @Sendable func file(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("document", as: Int64.self), let fileId = try await database.documentFileId(id: id) else {
            throw DomainError(.notFound, code: "document.no_file", message: "This document has no file yet.")
        }
        return try await FilesController.download(fileId: fileId, database: database)
    }

    /// The order's bill: made on first request (or when the order was placed) and kept.
    @Sendable func bill(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("order", as: Int64.self) else { throw HTTPError(.notFound) }
        let fileId = try await bills.ensureBill(orderId: id)
        return try await FilesController.download(fileId: fileId, database: database)
    }

    @Sendable func finance(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where key != "act" { values[String(key)] = String(value.prefix(20)) }
        return try await renderFinance(request, context: context, values: values, errors: [:])
    }

    /// The finance page: per company the debt, limit, overdue and settlements, and the form that
    /// asks for a reconciliation act (a month, a quarter, a year or two dates).
    func renderFinance(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let principal = try context.require("finance.view")
        let t = renderer.localizer(context.language)
        let today = PricingService.today()
        let chosenCompany = values["companyId"].flatMap { Int64($0) }
        var companies: [[String: Any]] = []
        var sellers: [[String: Any]] = []
        let finance = FinanceView(database: database)
        for company in try await database.companyNames(ids: principal.memberOf).prefix(20) {
            try context.require("finance.view", on: .counterparty(company.id))
            for seller in try await database.reconciliationSellers(counterpartyId: company.id) where !sellers.contains(where: { $0["id"] as? Int64 == seller.id }) {
                sellers.append(["id": seller.id, "name": seller.name, "selected": values["sellerId"] == String(seller.id)])
            }
            var view = try await finance.company(
                id: company.id, name: company.name, localizer: t, language: context.language, today: today, entries: 100)
            view["selected"] = chosenCompany == company.id
            companies.append(view)
        }
        // A reconciliation act just made: its download link.
        var ready: [String: Any]?
        if let actId = request.uri.queryParameters["act"].flatMap({ Int64($0) }) {
            var filter = DocumentFilter(counterparties: principal.memberOf)
            filter.kind = "reconciliation"
            if let document = try await database.documents(filter).first(where: { $0.id == actId }) {
                ready = ["id": document.id, "number": document.number, "company": document.counterparty]
            }
        }
        let year = Int(today.prefix(4)) ?? 2026
        let kind = ReconciliationPeriod.Kind(rawValue: values["period"] ?? "") ?? .month
        let month = values["month"].flatMap { Int($0) } ?? (Int(today.dropFirst(5).prefix(2)) ?? 1)
        let quarter = values["quarter"].flatMap { Int($0) } ?? ((month - 1) / 3 + 1)
        let chosenYear = values["year"].flatMap { Int($0) } ?? year
        return renderer.render(
            "finance",
            [
                "title": t["finance.title"], "companies": companies, "hasCompanies": !companies.isEmpty, "manyCompanies": companies.count > 1,
                "sellers": sellers, "manySellers": sellers.count > 1, "ready": ready ?? [:], "hasReady": ready != nil, "errors": errors, "hasErrors": !errors.isEmpty,
                "periods": ReconciliationPeriod.Kind.allCases.map { ["code": $0.rawValue, "name": t["finance.period_" + $0.rawValue], "selected": $0 == kind] },
                "months": (1...12).map { ["value": $0, "name": t["finance.month_\($0)"], "selected": $0 == month] },
                "quarters": (1...4).map { ["value": $0, "selected": $0 == quarter] },
                "years": (max(CalendarDay.supportedYears.lowerBound, year - 6)...year).reversed().map { ["value": $0, "selected": $0 == chosenYear] },
                "values": ["from": values["from"] ?? "", "to": values["to"] ?? "", "comment": values["comment"] ?? ""],
            ], request: request, context: context, status: status)
    }

    /// Asks for a reconciliation act. With settlement entries up to the period's end the act is
    /// made at once from them and kept among the company's documents; without, the request goes
    /// to the company's manager (a `reconciliation` request, e-mailed), who uploads the act made
    /// in the ERP, and the buyer is told when it is there.
    @Sendable func requestAct(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("finance.view")
        let f = context.form
        guard let companyId = f["companyId"].flatMap({ Int64($0) }) ?? principal.currentCounterpartyId ?? principal.memberOf.sorted().first,
            principal.memberOf.contains(companyId)
        else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
        try context.require("finance.view", on: .counterparty(companyId))
        let t = renderer.localizer(context.language)
        let period: ReconciliationPeriod
        do {
            period = try ReconciliationPeriod.parse(
                kind: f["period"], year: f["year"], month: f["month"], quarter: f["quarter"], from: f["from"], to: f["to"], today: PricingService.today())
        } catch {
            return try await renderFinance(
                request, context: context, values: context.echoedForm(limit: 2000), errors: t.fieldMessages(error), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        let sellerId = f["sellerId"].flatMap { Int64($0) }
        if let found = try await database.reconciliationAct(counterpartyId: companyId, sellerOrganizationId: sellerId, period: period) {
            let data = try ReconciliationActDocument.pdf(found.act)
            let stored = try await database.storeDocument(
                NewDocument(
                    kind: "reconciliation", number: period.label, date: period.to, counterpartyId: companyId,
                    sellerOrganizationId: found.sellerOrganizationId, currency: found.act.currency, fileName: ReconciliationActDocument.fileName(found.act),
                    data: data))
            return .redirect(to: "/finance?act=\(stored.documentId)", type: .normal)
        }
        let comment = (f["comment"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var body = t.format("finance.act_request_body", ["period": period.russianRange])
        if !comment.isEmpty { body += "\n\n" + String(comment.prefix(2000)) }
        var form = TicketForm(
            kind: .reconciliation, counterpartyId: companyId, userId: principal.userId,
            subject: t.format("finance.act_request_subject", ["period": period.russianRange]), body: body)
        form.details = ["from": period.from, "to": period.to, "period": period.kind.rawValue]
        if let sellerId { form.details["sellerId"] = String(sellerId) }
        let id = try await database.createTicket(form)
        return .redirect(to: "/requests/\(id)?sent=1", type: .normal)
    }

    /// A manager uploads the act made in the ERP (PDF) for a buyer's reconciliation request.
    @Sendable func uploadAct(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("requests.handle")
        guard let id = context.parameters.get("ticket", as: Int64.self) else { throw HTTPError(.notFound) }
        guard let part = context.uploads["file"], !part.data.isEmpty else {
            throw ValidationError(field: "file", code: "reconciliation.pdf_required", message: "Upload the act as a PDF file.")
        }
        try await database.attachReconciliationAct(
            ticketId: id, staffUserId: principal.impersonatorId ?? principal.userId, fileName: part.fileName ?? "act.pdf", data: part.data)
        return .redirect(to: "/staff/requests/\(id)", type: .normal)
    }

    @Sendable func waybill(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await shipmentDocument("waybill", context: context)
    }

    @Sendable func invoice(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await shipmentDocument("invoice", context: context)
    }

    /// A shipment's waybill or invoice: the ERP's file when it sent one (shown as it is), else
    /// the one the portal made, made now on first request for a shipped shipment and kept.
    func shipmentDocument(_ kind: String, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("shipment", as: Int64.self) else { throw HTTPError(.notFound) }
        if let fileId = try await database.shipmentDocumentFile(shipmentId: id, kind: kind) {
            return try await FilesController.download(fileId: fileId, database: database)
        }
        guard let source = try await database.shipmentDocument(shipmentId: id) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        guard ["shipped", "delivered"].contains(source.status) else {
            throw DomainError(.conflict, code: "document.shipment_not_shipped", message: "The shipment has not left the warehouse yet.")
        }
        let document = source.document
        let stored = try await database.storeDocument(
            NewDocument(
                kind: kind, number: document.number, date: document.date, counterpartyId: source.counterpartyId,
                sellerOrganizationId: source.sellerOrganizationId, orderId: source.orderId, shipmentId: id, amountMinor: document.totalMinor,
                currency: document.currency, fileName: ShipmentDocuments.fileName(kind: kind, document),
                data: try ShipmentDocuments.pdf(kind: kind, document)))
        return try await FilesController.download(fileId: stored.fileId, database: database)
    }

    /// The price list form: the categories to include (each with its descendants; none: the whole
    /// catalog) and the format, chosen by the button (XLSX or PDF).
    @Sendable func priceListPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("catalog.prices")
        let t = renderer.localizer(context.language)
        let tree = try await database.categoryTree()
        let chosen = Set(request.uri.queryParameters.getAll("category", as: Int64.self))
        let buyer = try await pricing.context(for: principal)
        var region = ""
        if let id = buyer.regionId { region = try await database.regionName(id: id) ?? "" }
        var company = ""
        if let id = buyer.counterpartyId { company = try await database.companyNames(ids: [id]).first?.name ?? "" }
        return renderer.render(
            "price-list",
            [
                "title": t["price_list.title"],
                "categories": tree.map { node in
                    [
                        "id": node.id, "name": node.name, "depth": node.depth, "indent": node.depth * 18, "count": node.productCount,
                        "checked": chosen.contains(node.id),
                    ] as [String: Any]
                },
                "hasCategories": !tree.isEmpty, "region": region, "company": company,
            ], request: request, context: context)
    }

    @Sendable func priceListXLSX(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await priceList(.xlsx, request, context: context)
    }

    @Sendable func priceListPDF(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await priceList(.pdf, request, context: context)
    }

    /// The chosen categories (`category`, repeatable; none: the whole catalog) with the buyer's
    /// own prices and the free stock in their region, made into a temporary file and streamed out.
    func priceList(_ format: PriceListFormat, _ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("catalog.prices")
        let categoryIds = Array(Set(request.uri.queryParameters.getAll("category", as: Int64.self))).sorted().prefix(500)
        let made = try await priceLists.make(
            format, categoryIds: Array(categoryIds), for: principal, localizer: renderer.localizer(context.language),
            directory: FileManager.default.temporaryDirectory)
        return try TemporaryFile.response(made.url, contentType: format.mediaType, fileName: made.fileName)
    }
}

/// A file made for one download (a price list): streamed from disk in chunks and gone afterwards.
enum TemporaryFile {
    static let chunkSize = 256 * 1024

    /// The file is unlinked at once: the open handle keeps its bytes readable until the response
    /// has been sent (or the client went away), and nothing is left behind either way.
    static func response(_ url: URL, contentType: String, fileName: String) throws -> Response {
        let handle: FileHandle
        let size: Int
        do {
            handle = try FileHandle(forReadingFrom: url)
            size = Int(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        try? FileManager.default.removeItem(at: url)
        let file = SendableFileHandle(handle)
        let body = ResponseBody(contentLength: size) { writer in
            defer { file.close() }
            var sent = 0
            while sent < size {
                guard let chunk = try file.read(chunkSize), !chunk.isEmpty else { break }
                try await writer.write(ByteBuffer(bytes: chunk))
                sent += chunk.count
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: contentType, .contentDisposition: ContentDisposition.attachment(fileName: fileName), .cacheControl: "private, no-store",
                .contentLength: String(size),
            ],
            body: body)
    }

    /// A read handle handed to the response writer (one task reads it).
    final class SendableFileHandle: @unchecked Sendable {
        private let handle: FileHandle
        init(_ handle: FileHandle) { self.handle = handle }
        func read(_ count: Int) throws -> Data? { try handle.read(upToCount: count) }
        func close() { try? handle.close() }
    }
}
