/// Why an exchange file (CommerceML XML or CSV) could not be read at all. Thrown by
/// `XMLPullParser`, `CommerceMLReader` and `CSVReader`; the whole file is rejected.
///
/// `code` is stable (`xml.doctype_forbidden`) so the server can translate it; `line` is the
/// 1-based line of the input where the problem was found; `detail` is an English explanation
/// that names the element, entity or limit involved.
public struct ExchangeError: WholesailError, Equatable {
    public enum Reason: String, Sendable, CaseIterable {
        // XML
        case doctypeForbidden = "xml.doctype_forbidden"
        case unsupportedEncoding = "xml.unsupported_encoding"
        case invalidUTF8 = "xml.invalid_utf8"
        case malformed = "xml.malformed"
        case mismatchedTag = "xml.mismatched_tag"
        case truncated = "xml.truncated"
        case unknownEntity = "xml.unknown_entity"
        case invalidCharacterReference = "xml.invalid_character_reference"
        case duplicateAttribute = "xml.duplicate_attribute"
        case tooDeep = "xml.too_deep"
        case nameTooLong = "xml.name_too_long"
        case textTooLarge = "xml.text_too_large"
        case tooManyAttributes = "xml.too_many_attributes"
        case tooManyNames = "xml.too_many_names"
        // CommerceML
        case notCommerceML = "cml.not_commerceml"
        // CSV
        case csvInvalidUTF8 = "csv.invalid_utf8"
        case csvUnterminatedQuote = "csv.unterminated_quote"
        case csvFieldTooLarge = "csv.field_too_large"
        case csvTooManyFields = "csv.too_many_fields"
        case csvEmpty = "csv.empty"
        case csvMissingColumn = "csv.missing_column"
        case csvDuplicateColumn = "csv.duplicate_column"
        // Any source
        case readFailed = "exchange.read_failed"
    }

    public var reason: Reason
    /// 1-based input line; 0 when the problem is not tied to a line (a failed read).
    public var line: Int
    public var detail: String

    public init(_ reason: Reason, line: Int, _ detail: String) {
        self.reason = reason
        self.line = line
        self.detail = detail
    }

    public var kind: ErrorKind { reason == .readFailed ? .unavailable : .invalid }
    public var code: String { reason.rawValue }
    public var message: String { line > 0 ? "Line \(line): \(detail)" : detail }
}

/// A problem with one record of an otherwise readable file: the record is still delivered, with
/// the offending field left out, so the importer can report it per row and go on.
public struct ExchangeIssue: Sendable, Equatable {
    public enum Reason: String, Sendable, CaseIterable {
        /// A number field (price, quantity, coefficient, rate) holds something that is not a number.
        case badNumber = "cml.bad_number"
        /// A record lacks its `Ид`; it cannot be matched with anything and is skipped.
        case missingID = "cml.missing_id"
    }

    public var reason: Reason
    public var line: Int
    /// The element path of the field, e.g. `Предложение/Цены/Цена/ЦенаЗаЕдиницу`.
    public var field: String
    /// The raw text found (cut to 200 characters).
    public var value: String
    /// The `Ид` of the record the field belongs to, when known.
    public var recordID: String?

    public init(_ reason: Reason, line: Int, field: String, value: String, recordID: String?) {
        self.reason = reason
        self.line = line
        self.field = field
        self.value = String(value.prefix(200))
        self.recordID = recordID
    }

    public var code: String { reason.rawValue }
    public var message: String {
        switch reason {
        case .badNumber: "Line \(line): \(field) is not a number: \"\(value)\"."
        case .missingID: "Line \(line): \(field) has no Ид and was skipped."
        }
    }
}
