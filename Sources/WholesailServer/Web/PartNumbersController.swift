import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The company's own product numbers: edited one by one or imported from a spreadsheet (XLSX or
/// CSV, read by the same reader as the quick-order upload): a column with the company's number
/// and one with ours (stock number, article or barcode).
struct PartNumbersController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    static let ownHeaders: Set<String> = [
        "own number", "your number", "part number", "customer sku", "ваш артикул", "ваш код", "свой артикул", "артикул покупателя", "код покупателя",
    ]

    func mount(on routes: Routes) {
        routes.get("/company/part-numbers", .permission("partnumbers.manage"), use: page)
        routes.post("/company/part-numbers", .permission("partnumbers.manage"), use: add)
        routes.post("/company/part-numbers/import", .permission("partnumbers.manage"), use: importFile)
        routes.post("/company/part-numbers/:number/delete", .owned(.partNumber, parameter: "number", permission: "partnumbers.manage"), use: delete)
    }

    static func currentCompany(_ context: WholesailRequestContext) throws -> Int64 {
        let principal = try context.requireSignedIn()
        guard let id = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil) else {
            throw DomainError(.conflict, code: "company.none_selected", message: "Choose the company you work for in your account first.")
        }
        try context.require("partnumbers.manage", on: .counterparty(id))
        return id
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, values: [:])
    }

    func render(_ request: Request, context: WholesailRequestContext, values: [String: Any], status: HTTPResponse.Status = .ok) async throws -> HTML {
        let company = try Self.currentCompany(context)
        let t = renderer.localizer(context.language)
        let numbers = try await database.partNumbers(counterpartyId: company)
        let card = try await database.counterpartyCard(id: company)
        var page = values
        page["title"] = t["partnumbers.title"]
        page["company"] = card?.name ?? ""
        page["numbers"] = numbers.map { ["id": $0.id, "number": $0.number, "sku": $0.sku, "name": $0.name, "productId": $0.productId] as [String: Any] }
        page["hasNumbers"] = !numbers.isEmpty
        page["saved"] = page["saved"] ?? request.uri.queryParameters["saved"].map(String.init) ?? ""
        return renderer.render("part-numbers", page, request: request, context: context, status: status)
    }

    func problems(_ result: PartNumberImport, t: Localizer) -> [[String: String]] {
        result.problems.map { problem in
            ["line": problem.line > 0 ? String(problem.line) : "", "number": problem.number, "message": t.message(code: problem.code, fallback: problem.code)]
        }
    }

    @Sendable func add(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let company = try Self.currentCompany(context)
        let t = renderer.localizer(context.language)
        let result = try await database.savePartNumbers(
            counterpartyId: company, pairs: [(0, context.form["number"] ?? "", context.form["sku"] ?? "")], principal: principal)
        guard result.problems.isEmpty else {
            return try await render(
                request, context: context,
                values: ["problems": problems(result, t: t), "hasProblems": true, "number": context.form["number"] ?? "", "sku": context.form["sku"] ?? ""],
                status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/company/part-numbers?saved=1", type: .normal)
    }

    @Sendable func importFile(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.requireSignedIn()
        let company = try Self.currentCompany(context)
        let t = renderer.localizer(context.language)
        guard let upload = context.uploads["file"], !upload.data.isEmpty else {
            return try await render(request, context: context, values: ["uploadError": t["quick.no_file"]], status: .unprocessableContent)
        }
        let pairs: [(line: Int, number: String, code: String)]
        do {
            pairs = try Self.pairs(from: upload.data)
        } catch let error as any WholesailError {
            return try await render(request, context: context, values: ["uploadError": t.message(for: error)], status: .unprocessableContent)
        }
        let result = try await database.savePartNumbers(counterpartyId: company, pairs: pairs, principal: principal)
        let listed = problems(result, t: t)
        return try await render(
            request, context: context,
            values: ["imported": t.format("partnumbers.imported", ["n": String(result.saved)]), "problems": listed, "hasProblems": !listed.isEmpty],
            status: result.saved == 0 && !listed.isEmpty ? .unprocessableContent : .ok)
    }

    /// (company's number, our code) pairs of a spreadsheet: columns found by their headers, else
    /// the first two columns.
    static func pairs(from data: Data) throws -> [(line: Int, number: String, code: String)] {
        guard data.count <= 10 * 1024 * 1024 else {
            throw DomainError(.tooLarge, code: "quick.file_too_large", message: "The file is larger than 10 MB.")
        }
        let table = data.starts(with: [0x50, 0x4B, 0x03, 0x04]) ? try SpreadsheetReading.xlsxRows(data) : try SpreadsheetReading.csvRows(data)
        guard let first = table.first else { throw DomainError(.invalid, code: "quick.empty_file", message: "The file has no rows.") }
        let header = first.cells.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var ownColumn = header.firstIndex { ownHeaders.contains($0) }
        var skuColumn = header.firstIndex { QuickOrderSheet.skuHeaders.contains($0) }
        var body = table.dropFirst()
        if ownColumn == nil && skuColumn == nil {
            ownColumn = 0
            skuColumn = 1
            body = table[...]
        }
        guard let ownColumn, let skuColumn else {
            throw DomainError(.invalid, code: "partnumbers.no_columns", message: "The file needs a column with your numbers and one with ours.")
        }
        return body.compactMap { row in
            guard ownColumn < row.cells.count, skuColumn < row.cells.count else { return nil }
            let number = row.cells[ownColumn].trimmingCharacters(in: .whitespaces)
            let code = row.cells[skuColumn].trimmingCharacters(in: .whitespaces)
            guard !number.isEmpty || !code.isEmpty else { return nil }
            return (row.line, String(number.prefix(200)), String(code.prefix(100)))
        }
    }

    @Sendable func delete(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("number", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.deletePartNumber(id: id, principal: principal)
        return .redirect(to: "/company/part-numbers", type: .normal)
    }
}
