import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import WholesailCore

/// How many requests of one kind a client address may make in a window (ASVS V2.2.1, V11.1.4).
public struct RateLimitRule: Sendable, Equatable {
    public var limit: Int
    public var window: TimeInterval

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }
}

/// The limits on the endpoints worth guessing at or flooding: sign-in (form and token),
/// registration, password reset, import uploads and the 1C exchange. Counted per client
/// address; the login throttle in the database (failures per account and address) and the
/// exchange's password throttle still apply beneath.
public struct RateLimits: Sendable, Equatable {
    public var enabled = true
    public var login = RateLimitRule(limit: 30, window: 60)
    public var registration = RateLimitRule(limit: 10, window: 3600)
    public var passwordReset = RateLimitRule(limit: 10, window: 900)
    public var importUpload = RateLimitRule(limit: 30, window: 60)
    /// Every request to the 1C exchange (GET and POST): a real exchange asks a few dozen times
    /// (checkauth, init, 32 MB file chunks, import polled until it stops answering `progress`).
    public var exchange = RateLimitRule(limit: 1_200, window: 60)

    public init() {}

    /// No limits (load tests, the hostile-input tests that post hundreds of forms).
    public static var off: RateLimits {
        var limits = RateLimits()
        limits.enabled = false
        return limits
    }
}

/// 429 with `Retry-After`: the message says when to try again, in the page's language.
public struct RateLimited: WholesailError, Equatable {
    public var retryAfter: Int
    public var kind: ErrorKind { .rateLimited }
    public var code: String { "rate_limited_retry" }
    public var message: String { "Too many requests. Try again in \(retryAfter) s." }
    public var values: [String: String] { ["seconds": String(retryAfter)] }
}

/// Fixed-window counters per (rule, client address), held in memory: a restart forgets them,
/// which is fine for limits measured in minutes. The table is bounded: past `maxKeys` the expired
/// windows are dropped, and if all are live the oldest half goes.
final class RateLimiter: Sendable {
    struct Window {
        var start: Double
        var count: Int
    }

    let maxKeys: Int
    let clock: @Sendable () -> Double
    private let windows = Mutex<[String: Window]>([:])

    init(maxKeys: Int = 100_000, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.maxKeys = maxKeys
        self.clock = clock
    }

    /// Keys held (bounded by `maxKeys`).
    var size: Int { windows.withLock { $0.count } }

    /// Counts one request; returns the seconds to wait when it is over the limit.
    func hit(_ key: String, rule: RateLimitRule) -> Int? {
        let now = clock()
        return windows.withLock { table in
            if table.count >= maxKeys {
                table = table.filter { now - $0.value.start < rule.window }
                if table.count >= maxKeys {
                    let sorted = table.sorted { $0.value.start < $1.value.start }
                    for (old, _) in sorted.prefix(table.count / 2) { table[old] = nil }
                }
            }
            var window = table[key] ?? Window(start: now, count: 0)
            if now - window.start >= rule.window { window = Window(start: now, count: 0) }
            window.count += 1
            table[key] = window
            guard window.count > rule.limit else { return nil }
            return max(1, Int((window.start + rule.window - now).rounded(.up)))
        }
    }
}

/// Applies `RateLimits` before the body is read or a password hashed.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = WholesailRequestContext
    let limits: RateLimits
    let limiter = RateLimiter()

    func rule(for request: Request) -> (String, RateLimitRule)? {
        guard limits.enabled else { return nil }
        let path = request.uri.path
        if ExchangeController.paths.contains(path) { return ("exchange", limits.exchange) }
        guard request.method == .post else { return nil }
        switch path {
        case "/login", "/api/v1/auth/token": return ("login", limits.login)
        case "/register", "/register/resend": return ("register", limits.registration)
        case "/password/forgot": return ("reset", limits.passwordReset)
        case "/api/v1/import", AdminImportController.uploadPath: return ("import", limits.importUpload)
        default:
            if path.hasPrefix("/password/reset/") { return ("reset", limits.passwordReset) }
            return nil
        }
    }

    /// The client's address: the peer, or, when the peer is a reverse proxy on this machine,
    /// the last address it appended to `X-Forwarded-For`.
    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }

    static func clientAddress(_ request: Request, peer: String?) -> String {
        let peer = peer ?? "unknown"
        if Self.isLoopback(peer), let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!] {
            let last = forwarded.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if !last.isEmpty, last.count <= 64 { return last }
        }
        return peer
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let (name, rule) = rule(for: request) else { return try await next(request, context) }
        let key = name + " " + Self.clientAddress(request, peer: context.remoteIP)
        if let wait = limiter.hit(key, rule: rule) {
            context.logger.notice("rate limited", metadata: ["limit": .string(name), "request_id": .string(context.requestId)])
            if name == "exchange" {
                // 1C shows the text after "failure" to the operator.
                return Response(
                    status: .tooManyRequests,
                    headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: String(wait)],
                    body: .init(byteBuffer: ByteBuffer(string: "failure\nToo many requests. Try again in \(wait) s.")))
            }
            throw RateLimited(retryAfter: wait)
        }
        return try await next(request, context)
    }
}
