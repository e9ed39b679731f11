import HTTPTypes
import Hummingbird
import WholesailCore

extension ErrorKind {
    /// The only mapping from domain error kinds to HTTP statuses.
    var status: HTTPResponse.Status {
        switch self {
        case .invalid: .unprocessableContent
        case .malformed: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .forbidden: .forbidden
        case .unauthenticated: .unauthorized
        case .tooLarge: .contentTooLarge
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }
}

/// The public shape of every error under `/api`: `{"error":{"code","message","fields"?}}`.
struct APIErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
        var fields: [String: ValidationError.FieldIssue]?
        var requestId: String?
    }

    var error: Detail
}

/// A normalized error, whatever was thrown: what the error middlewares render.
struct PresentedError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var fields: [String: ValidationError.FieldIssue]?
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, code: String, message: String, fields: [String: ValidationError.FieldIssue]? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
    }

    /// Turns any thrown error into status, code and a message safe to show.
    /// Unknown errors become a 500 whose message says nothing about internals.
    init(_ error: any Error, localizer: Localizer) {
        switch error {
        case let error as ValidationError:
            let fields = error.fields.mapValues {
                ValidationError.FieldIssue(code: $0.code, message: localizer.message(code: $0.code, fallback: $0.message))
            }
            self.init(
                status: error.kind.status, code: error.code,
                message: localizer.message(code: error.code, fallback: error.message), fields: fields)
        case let error as any WholesailError:
            self.init(status: error.kind.status, code: error.code, message: localizer.message(for: error))
            // A client told to slow down is told for how long.
            if let limited = error as? RateLimited {
                headers[.retryAfter] = String(limited.retryAfter)
            } else if error.kind == .rateLimited, error.code == "auth.throttled" {
                headers[.retryAfter] = "900"
            }
        case let error as HTTPError:
            let code = Self.code(for: error.status)
            self.init(
                status: error.status, code: code,
                message: error.body ?? localizer.message(code: code, fallback: error.status.reasonPhrase))
            self.headers = error.headers
        case let error as any HTTPResponseError:
            let code = Self.code(for: error.status)
            self.init(status: error.status, code: code, message: localizer.message(code: code, fallback: error.status.reasonPhrase))
        case is DecodingError:
            self.init(
                status: .badRequest, code: "request.malformed",
                message: localizer.message(code: "request.malformed", fallback: "The request body could not be read."))
        default:
            self.init(
                status: .internalServerError, code: "internal",
                message: localizer.message(code: "internal", fallback: "Something went wrong on our side."))
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "request.malformed"
        case 401: "auth.required"
        case 403: "access.forbidden"
        case 404: "not_found"
        case 405: "request.method_not_allowed"
        case 409: "conflict"
        case 413: "request.too_large"
        case 422: "validation.failed"
        case 429: "rate_limited"
        case 503: "unavailable"
        default: status.code >= 500 ? "internal" : "request.failed"
        }
    }
}
