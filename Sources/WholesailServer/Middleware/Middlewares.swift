import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WholesailCore
import WholesailStore

/// Gives each request an id, logs one line per request with its status and duration.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = WholesailRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.requestId = String(Crypto.randomToken(bytes: 6).prefix(8))
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.init("X-Request-Id")!] = context.requestId
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        context.logger.log(
            level: response.status.code >= 500 ? .error : .info,
            "\(request.method) \(request.uri.path) \(response.status.code)",
            metadata: [
                "request_id": .string(context.requestId),
                "status": .stringConvertible(response.status.code),
                "ms": .string(String(format: "%.2f", milliseconds)),
            ])
        return response
    }
}

/// Security headers on every response (ASVS V14.4); HSTS when browsers reach us over HTTPS.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    var strictTransportSecurity = false

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        if strictTransportSecurity {
            response.headers[.strictTransportSecurity] = "max-age=31536000"
        }
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] =
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
        }
        return response
    }
}

/// Picks the language: `?lang=` (remembered in a cookie), the `lang` cookie, `Accept-Language`,
/// then the admin's default language.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = WholesailRequestContext
    let settings: PortalSettingsCache

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let queryChoice = request.uri.queryParameters["lang"].map(String.init).flatMap { Language(rawValue: $0) }
        let cookieChoice = request.cookies["lang"]?.value
        if let language = Language.chosen(explicit: queryChoice?.rawValue ?? cookieChoice, acceptLanguage: request.headers[.acceptLanguage]) {
            context.language = language
        } else {
            context.language = Language(rawValue: await settings.current().defaultLanguage) ?? .ru
        }
        var response = try await next(request, context)
        if let queryChoice {
            response.setCookie(
                .init(name: "lang", value: queryChoice.rawValue, maxAge: 365 * 24 * 3600, path: "/", sameSite: .lax))
        }
        return response
    }
}

/// Turns every thrown error into the right answer: JSON under `/api` (API.md's shape), the
/// plain-text protocol under `/1c`, an HTML error page elsewhere. Unexpected errors are logged
/// with the request id and shown without internals.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = WholesailRequestContext
    let renderer: TemplateRenderer

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let localizer = renderer.localizer(context.language)
            let presented = PresentedError(error, localizer: localizer)
            if presented.status.code >= 500 {
                context.logger.error(
                    "request failed: \(String(reflecting: error))", metadata: ["request_id": .string(context.requestId)])
            }
            if Self.isAPI(request.uri.path) {
                return Self.jsonResponse(presented, requestId: context.requestId)
            }
            if presented.status == .unauthorized, request.method == .get {
                var components = URLComponents()
                components.path = "/login"
                components.queryItems = [URLQueryItem(name: "from", value: request.uri.string)]
                return .redirect(to: components.string ?? "/login")
            }
            let page: [String: Any] = [
                "title": "\(presented.status.code)",
                "status": presented.status.code,
                "message": presented.message,
                "notFound": presented.status == .notFound,
            ]
            var response = try renderer.render("error", page, request: request, context: context, status: presented.status)
                .response(from: request, context: context)
            for field in presented.headers { response.headers.append(field) }
            return response
        }
    }

    static func isAPI(_ path: String) -> Bool { path == "/api" || path.hasPrefix("/api/") }

    static func jsonResponse(_ presented: PresentedError, requestId: String) -> Response {
        let body = APIErrorBody(
            error: .init(
                code: presented.code, message: presented.message, fields: presented.fields,
                requestId: presented.status.code >= 500 ? requestId : nil))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data(#"{"error":{"code":"internal","message":"error"}}"#.utf8)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        for field in presented.headers { headers.append(field) }
        return Response(status: presented.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
