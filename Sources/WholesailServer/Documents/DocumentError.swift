import WholesailCore

/// Why a spreadsheet could not be read or a document could not be written.
///
/// The `code` is stable (the server translates it through `error.<code>` in `Resources/i18n`);
/// the English `message` may carry a detail such as a sheet name for the logs and the CLI.
public struct DocumentError: WholesailError, Equatable {
    public var kind: ErrorKind
    public var code: String
    public var message: String

    public init(_ kind: ErrorKind, code: String, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    // MARK: Reading spreadsheets

    static let emptyFile = DocumentError(.invalid, code: "xlsx.empty_file", message: "The file is empty.")

    static let notAnXLSX = DocumentError(
        .invalid, code: "xlsx.not_xlsx", message: "The file is not an Excel workbook (.xlsx).")

    static func tooManyEntries(_ count: Int, limit: Int) -> DocumentError {
        DocumentError(
            .tooLarge, code: "xlsx.too_many_entries",
            message: "The workbook has \(count) parts; at most \(limit) are accepted.")
    }

    static func tooLarge(limit: Int64) -> DocumentError {
        DocumentError(
            .tooLarge, code: "xlsx.too_large",
            message: "The workbook unpacks to more than \(limit / 1_000_000) MB.")
    }

    static func suspiciousCompression(_ path: String) -> DocumentError {
        DocumentError(
            .invalid, code: "xlsx.compression_ratio",
            message: "The workbook part \(path) is compressed suspiciously well (a zip bomb?).")
    }

    static func unsafePath(_ path: String) -> DocumentError {
        DocumentError(
            .invalid, code: "xlsx.unsafe_path",
            message: "The workbook contains an entry with an unsafe path: \(path.debugDescription).")
    }

    static func doctype(_ path: String) -> DocumentError {
        DocumentError(
            .invalid, code: "xlsx.doctype", message: "The workbook part \(path) declares a DOCTYPE, which is refused.")
    }

    static func missingPart(_ path: String) -> DocumentError {
        DocumentError(
            .invalid, code: "xlsx.missing_part", message: "The workbook has no \(path); it is not a valid .xlsx file.")
    }

    static func sheetNotFound(_ name: String?) -> DocumentError {
        DocumentError(
            .invalid, code: "xlsx.sheet_not_found",
            message: name.map { "The workbook has no sheet named \($0.debugDescription)." }
                ?? "The workbook has no sheets.")
    }

    static func malformed(_ path: String, _ detail: String) -> DocumentError {
        DocumentError(.invalid, code: "xlsx.malformed", message: "The workbook part \(path) is damaged: \(detail).")
    }

    // MARK: Writing spreadsheets

    static func sheetTooBig(_ sheet: String) -> DocumentError {
        DocumentError(
            .invalid, code: "xlsx.sheet_too_big",
            message: "The sheet \(sheet.debugDescription) exceeds 1,048,576 rows or 16,384 columns.")
    }

    static func cellTooLong(_ sheet: String, row: Int) -> DocumentError {
        DocumentError(
            .invalid, code: "xlsx.cell_too_long",
            message: "A cell in row \(row) of \(sheet.debugDescription) is longer than 32,767 characters.")
    }

    // MARK: Writing PDF

    static func unsupportedImage(_ detail: String) -> DocumentError {
        DocumentError(.invalid, code: "pdf.image_unsupported", message: "The image cannot be embedded: \(detail).")
    }

    static func malformedImage(_ detail: String) -> DocumentError {
        DocumentError(.invalid, code: "pdf.image_malformed", message: "The image is damaged: \(detail).")
    }

    static func fontUnavailable(_ name: String) -> DocumentError {
        DocumentError(.unavailable, code: "pdf.font_unavailable", message: "The font \(name) cannot be loaded.")
    }
}
