import Foundation
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

    func mount(on routes: Routes) {
        routes.get("/documents", .permission("documents.view"), use: list)
        routes.get("/documents/:document/file", .owned(.document, parameter: "document", permission: "documents.view"), use: file)
        routes.get("/orders/:order/bill.pdf", .owned(.customerOrder, parameter: "order", permission: "documents.view"), use: bill)
        routes.get("/finance", .permission("finance.view"), use: finance)
        routes.get("/price-list.xlsx", .permission("catalog.prices"), use: priceList)
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
        let principal = try context.require("finance.view")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        var companies: [[String: Any]] = []
        for company in try await database.companyNames(ids: principal.memberOf).prefix(20) {
            try context.require("finance.view", on: .counterparty(company.id))
            let state = try await database.creditState(counterpartyId: company.id, today: PricingService.today())
            let entries = try await database.settlements(counterpartyId: company.id, limit: 100)
            companies.append([
                "id": company.id, "name": company.name, "debt": format.money(state.debtMinor, state.currency),
                "limit": state.limitMinor > 0 ? format.money(state.limitMinor, state.currency) : "",
                "available": state.limitMinor > 0 ? format.money(max(0, state.limitMinor - state.debtMinor), state.currency) : "",
                "overdue": state.overdueMinor > 0 ? format.money(state.overdueMinor, state.currency) : "",
                "locked": state.refusal(orderMinor: 0) != nil || state.blocked,
                "entries": entries.map { entry in
                    [
                        "date": entry.date, "due": entry.dueDate ?? "", "description": entry.description ?? "", "order": entry.orderNumber ?? "",
                        "debit": entry.amountMinor > 0 ? format.money(entry.amountMinor, entry.currency) : "",
                        "credit": entry.amountMinor < 0 ? format.money(-entry.amountMinor, entry.currency) : "",
                    ]
                },
                "hasEntries": !entries.isEmpty,
            ])
        }
        return renderer.render(
            "finance", ["title": t["finance.title"], "companies": companies, "hasCompanies": !companies.isEmpty], request: request, context: context)
    }

    /// The catalog (or one category) with the buyer's own prices and regional stock, as Excel.
    @Sendable func priceList(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("catalog.prices")
        let buyer = try await pricing.context(for: principal)
        let prices = pricing.view(for: buyer)
        let categoryId = request.uri.queryParameters["category"].flatMap { Int64($0) }
        let t = renderer.localizer(context.language)
        var sheet = XLSXSheet(name: t["documents.price_list"])
        sheet.columns = [XLSXColumn(width: 16), XLSXColumn(width: 56), XLSXColumn(width: 16), XLSXColumn(width: 8), XLSXColumn(width: 14, format: .money), XLSXColumn(width: 12)]
        sheet.addTitle("\(t["documents.price_list"]) — \(PricingService.today())")
        sheet.addHeader([t["cart.col_sku"], t["cart.col_name"], t["product.brand"], t["cart.col_unit"], t["cart.col_price"], t["product.stock"]])
        var page = 1
        var written = 0
        while written < 200_000 {
            var query = ProductListQuery(categoryId: categoryId, sort: .name, page: page, perPage: 5_000)
            query.regionId = buyer.regionId
            var hidden: (@Sendable (Int64) -> Bool)?
            if prices.hidesAny { hidden = { @Sendable id in prices.hides(id) } }
            let result = try await database.listProducts(query, isHidden: hidden)
            for item in result.items where !prices.hides(item.id) {
                let price: XLSXCell = prices.price(of: item.id).map { XLSXCell.money(Money(minorUnits: $0, currency: prices.currency)) } ?? .empty
                let stock = XLSXCell.decimal(ExactDecimal(units: item.stockMilli, scale: 1000), format: .decimal(places: 0))
                sheet.addRow([.text(item.sku), .text(item.name), .text(item.brand ?? ""), .text(item.unit), price, stock])
                written += 1
            }
            if result.items.count < 5_000 { break }
            page += 1
        }
        var workbook = XLSXWriter(title: t["documents.price_list"])
        workbook.addSheet(sheet)
        return XLSXFile.response(try workbook.data(), fileName: "price-list-\(PricingService.today()).xlsx")
    }
}
