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

/// Reading spreadsheets people upload (until the shared readers land): CSV with `;`, `,` or tab,
/// UTF-8 (with or without BOM) or Windows-1251.
enum SpreadsheetReading {
    static func csvRows(_ data: Data) throws -> [(line: Int, cells: [String])] {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(data: bytes, encoding: .utf8) ?? String(data: bytes, encoding: .windowsCP1251) else {
            throw DomainError(.invalid, code: "quick.bad_encoding", message: "The file is neither UTF-8 nor Windows-1251 text.")
        }
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r" }
        let delimiter: Character = [";", "\t", ","].max { a, b in firstLine.filter { $0 == a }.count < firstLine.filter { $0 == b }.count } ?? ";"
        var rows: [(line: Int, cells: [String])] = []
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var line = 1
        var rowLine = 1
        var iterator = text.makeIterator()
        var pending: Character?
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { cell.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    cell.append(character)
                }
                continue
            }
            switch character {
            case "\"" where cell.isEmpty: quoted = true
            case delimiter:
                cells.append(cell)
                cell = ""
            case "\n", "\r\n", "\r":
                cells.append(cell)
                if cells.contains(where: { !$0.isEmpty }) { rows.append((rowLine, cells)) }
                cells = []
                cell = ""
                line += 1
                rowLine = line
            default: cell.append(character)
            }
            if rows.count > 100_000 { throw DomainError(.tooLarge, code: "quick.too_many_rows", message: "The file has more than 100,000 rows.") }
        }
        cells.append(cell)
        if cells.contains(where: { !$0.isEmpty }) { rows.append((rowLine, cells)) }
        return rows
    }

    static func xlsxRows(_ data: Data) throws -> [(line: Int, cells: [String])] {
        throw DomainError(.invalid, code: "quick.xlsx_unsupported", message: "Excel files are not read yet; save the sheet as CSV.")
    }
}
