import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Cookie and bearer-token names, in one place.
enum AuthCookies {
    static let session = "ws_session"
    static let csrf = "ws_csrf"
}

/// Finds who is calling: a bearer token under `/api`, the session cookie elsewhere. Pages of
/// visitors who are not signed in get a CSRF cookie (double-submit) for their forms.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WholesailRequestContext
    let database: WholesailDatabase
    let secureCookies: Bool

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        var newCSRFCookie: String?
        if ErrorMiddleware.isAPI(request.uri.path) {
            if let header = request.headers[.authorization] {
                guard header.lowercased().hasPrefix("bearer ") else {
                    throw DomainError(.unauthenticated, code: "auth.invalid_token", message: "The bearer token is missing or invalid.")
                }
                let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
                guard let found = try await database.apiTokenUser(token: token),
                    let principal = try await database.principal(userId: found.userId)
                else {
                    throw DomainError(.unauthenticated, code: "auth.invalid_token", message: "The bearer token is missing or invalid.")
                }
                context.principal = principal
                context.apiToken = token
            }
        } else if let cookie = request.cookies[AuthCookies.session]?.value, let session = try await database.session(token: cookie) {
            let actingUser = session.actingAsUserId ?? session.userId
            context.session = session
            context.csrfToken = session.csrfToken
            context.principal = try await database.principal(
                userId: actingUser, currentCounterpartyId: session.currentCounterpartyId,
                impersonatorId: session.actingAsUserId == nil ? nil : session.userId)
        }
        if context.session == nil && !ErrorMiddleware.isAPI(request.uri.path) {
            if let existing = request.cookies[AuthCookies.csrf]?.value, existing.count >= 20, existing.count <= 64 {
                context.csrfToken = existing
            } else {
                let token = Crypto.randomToken(bytes: 24)
                context.csrfToken = token
                newCSRFCookie = token
            }
        }
        var response = try await next(request, context)
        if let newCSRFCookie {
            response.setCookie(
                .init(name: AuthCookies.csrf, value: newCSRFCookie, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        }
        return response
    }
}

/// Every state-changing request outside `/api` (which uses bearer tokens, not cookies) must
/// carry the page's CSRF token in the `_csrf` field or the `X-CSRF-Token` header. Forms are
/// decoded here, once, into `context.form`.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = WholesailRequestContext
    let maxFormBytes: Int
    /// Upload forms (documents attached to requests) may be larger than plain forms.
    let maxUploadBytes: Int
    /// Multipart posts whose handler reads the body itself (import uploads).
    static let streamedUploadPaths: Set<String> = [AdminImportController.uploadPath]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let safe: Set<HTTPRequest.Method> = [.get, .head, .options]
        let path = request.uri.path
        guard !safe.contains(request.method), !ErrorMiddleware.isAPI(path), !path.hasPrefix("/1c/"), !path.hasPrefix("/bitrix/")
        else { return try await next(request, context) }
        var request = request
        var context = context
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        var submitted = request.headers[HTTPField.Name("X-CSRF-Token")!]
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: maxFormBytes)
            } catch {
                throw DomainError(.tooLarge, code: "request.too_large", message: "The request is too large.")
            }
            context.form = FormDecoder.decode(String(buffer: body))
            submitted = submitted ?? context.form["_csrf"]
        } else if contentType.hasPrefix("multipart/form-data"), Self.streamedUploadPaths.contains(path) {
            // Import uploads may be gigabytes: their handler streams the body into the blob
            // store, so the token comes in the query string (or the header), not in the body.
            submitted = submitted ?? request.uri.queryParameters["_csrf"].map(String.init)
        } else if contentType.hasPrefix("multipart/form-data") {
            guard let boundary = MultipartParser.boundary(from: request.headers[.contentType] ?? "") else {
                throw DomainError(.malformed, code: "request.malformed", message: "The request could not be read.")
            }
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: maxUploadBytes)
            } catch {
                throw DomainError(.tooLarge, code: "upload.too_large", message: "The file is too large.")
            }
            guard let parts = try? MultipartParser.parse(body, boundary: boundary) else {
                throw DomainError(.malformed, code: "request.malformed", message: "The request could not be read.")
            }
            for part in parts {
                if part.fileName != nil {
                    context.uploads[part.name] = part
                } else {
                    context.form[part.name] = part.text
                }
            }
            submitted = submitted ?? context.form["_csrf"]
        }
        guard let submitted, !context.csrfToken.isEmpty,
            Crypto.constantTimeEqual(Array(submitted.utf8), Array(context.csrfToken.utf8))
        else {
            throw DomainError(.forbidden, code: "csrf.invalid", message: "The form has expired. Reload the page and try again.")
        }
        return try await next(request, context)
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, percent escapes are UTF-8,
/// repeated names keep the last value, malformed escapes are kept literally.
enum FormDecoder {
    static func decode(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            if !name.isEmpty { fields[name] = value }
        }
        return fields
    }

    static func unescape(_ text: Substring) -> String {
        let plus = text.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }
}
