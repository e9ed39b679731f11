/// What went wrong, in terms the web layer maps to a status once (`WholesailError+Status`).
public enum ErrorKind: String, Sendable, Codable {
    case invalid
    case malformed
    case notFound
    case conflict
    case forbidden
    case unauthenticated
    case tooLarge
    case rateLimited
    case unavailable
}

/// Every domain error: a stable dotted `code` (`cart.product_unavailable`) and a `message`
/// that is safe to show to a customer. Core never mentions HTTP statuses.
public protocol WholesailError: Error, Sendable {
    var kind: ErrorKind { get }
    var code: String { get }
    var message: String { get }
    /// Values for the `{name}` placeholders of the translated message (a minimum quantity, a SKU).
    var values: [String: String] { get }
}

extension WholesailError {
    public var values: [String: String] { [:] }
}

/// A general-purpose domain error for cases that need no enum of their own.
public struct DomainError: WholesailError, Equatable {
    public var kind: ErrorKind
    public var code: String
    public var message: String
    public var values: [String: String]

    public init(_ kind: ErrorKind, code: String, message: String, values: [String: String] = [:]) {
        self.kind = kind
        self.code = code
        self.message = message
        self.values = values
    }

    public static func notFound(_ what: String) -> DomainError {
        DomainError(.notFound, code: "\(what).not_found", message: "The \(what) was not found.")
    }
}

/// Field-level problems with a submitted form or JSON body.
public struct ValidationError: WholesailError, Equatable {
    public struct FieldIssue: Sendable, Equatable, Codable {
        public var code: String
        public var message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var fields: [String: FieldIssue]
    public var kind: ErrorKind { .invalid }
    public var code: String { "validation.failed" }
    public var message: String {
        fields.keys.sorted().compactMap { fields[$0].map { "\($0.message)" } }.joined(separator: " ")
    }

    public init(fields: [String: FieldIssue]) {
        self.fields = fields
    }

    public init(field: String, code: String, message: String) {
        self.fields = [field: FieldIssue(code: code, message: message)]
    }
}
