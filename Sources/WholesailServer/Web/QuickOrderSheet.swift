import Foundation
import WholesailCore

/// A row of an uploaded quick-order spreadsheet.
struct SpreadsheetRow: Sendable, Equatable {
    var line: Int
    var sku: String
    var qty: String?
}

/// Reads the quick-order template back: a stock-number column and a quantity column, found by
/// their headers in English or Russian (or the first two columns when there is no header).
enum QuickOrderSheet {
    static let skuHeaders: Set<String> = ["sku", "код", "артикул", "article", "stock number", "номенклатура.код", "code", "код товара"]
    static let qtyHeaders: Set<String> = ["qty", "quantity", "количество", "кол-во", "кол.", "amount"]

    static func rows(from data: Data, fileName: String) throws -> [SpreadsheetRow] {
        guard data.count <= 10 * 1024 * 1024 else {
            throw DomainError(.tooLarge, code: "quick.file_too_large", message: "The file is larger than 10 MB.")
        }
        let table: [(line: Int, cells: [String])]
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            table = try SpreadsheetReading.xlsxRows(data)
        } else {
            table = try SpreadsheetReading.csvRows(data)
        }
        guard let first = table.first else { throw DomainError(.invalid, code: "quick.empty_file", message: "The file has no rows.") }
        let header = first.cells.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var skuColumn = header.firstIndex { skuHeaders.contains($0) }
        var qtyColumn = header.firstIndex { qtyHeaders.contains($0) }
        var body = table.dropFirst()
        if skuColumn == nil && qtyColumn == nil {
            skuColumn = 0
            qtyColumn = 1
            body = table[...]
        }
        guard let skuColumn else {
            throw DomainError(.invalid, code: "quick.no_sku_column", message: "The file has no stock-number column (SKU / Артикул).")
        }
        return body.compactMap { row in
            guard skuColumn < row.cells.count else { return nil }
            let sku = row.cells[skuColumn].trimmingCharacters(in: .whitespaces)
            guard !sku.isEmpty else { return nil }
            let qty = qtyColumn.flatMap { $0 < row.cells.count ? row.cells[$0].trimmingCharacters(in: .whitespaces) : nil }
            return SpreadsheetRow(line: row.line, sku: String(sku.prefix(100)), qty: qty?.isEmpty == true ? nil : qty)
        }
    }
}

/// Reading spreadsheets people upload: XLSX through the portal's own reader, CSV through the
/// exchange's streaming reader (UTF-8 with or without BOM, Windows-1251; `;`, `,` or tab).
enum SpreadsheetReading {
    static let maxRows = 100_000

    static func csvRows(_ data: Data) throws -> [(line: Int, cells: [String])] {
        let reader = CSVReader(input: .data(data))
        var rows: [(line: Int, cells: [String])] = []
        while let record = try reader.next() {
            guard record.fields.contains(where: { !$0.isEmpty }) else { continue }
            rows.append((record.line, record.fields))
            if rows.count > maxRows { throw DomainError(.tooLarge, code: "quick.too_many_rows", message: "The file has more than 100,000 rows.") }
        }
        return rows
    }

    static func xlsxRows(_ data: Data) throws -> [(line: Int, cells: [String])] {
        var rows: [(line: Int, cells: [String])] = []
        try XLSXReader(data: data).forEachRow { row in
            guard row.cells.contains(where: { !$0.isEmpty }) else { return }
            rows.append((row.number, row.cells))
            if rows.count > maxRows { throw DomainError(.tooLarge, code: "quick.too_many_rows", message: "The file has more than 100,000 rows.") }
        }
        return rows
    }
}
