import Hummingbird
import Logging
import WholesailCore
import WholesailStore

/// The context of every request: language, request id, who is signed in, the CSRF token of the
/// page's forms and, for form posts, the decoded fields.
public struct WholesailRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The language of pages and messages for this request.
    public var language: Language = .ru
    /// Short id echoed in `X-Request-Id` and in 500 pages, to find the log line.
    public var requestId: String = ""
    /// The signed-in user (or the user a staff member acts as), with rights and companies.
    public var principal: Principal?
    /// The browser session behind the cookie, if any.
    public var session: SessionInfo?
    /// The bearer token of an API call, if any.
    public var apiToken: String?
    /// The token every form of this page carries in `_csrf`.
    public var csrfToken: String = ""
    /// Fields of a submitted `application/x-www-form-urlencoded` form (CSRF already checked).
    public var form: [String: String] = [:]
    /// Files of a submitted `multipart/form-data` form, by field name.
    public var uploads: [String: MultipartPart] = [:]
    /// The peer's address (the reverse proxy's, when behind one).
    public var remoteIP: String?
    /// A buyer's personal manager and assistant, for the pages' widget (see PersonalManagerMiddleware).
    public var personalManagers: [StaffContact] = []
    /// The chat link and unread count for the page's header (see ChatMiddleware).
    public var chat: ChatHeader?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteIP = source.channel.remoteAddress?.ipAddress
    }

    /// The one authorization check every route makes (through `AccessPolicy.decide`): throws
    /// 401 when nobody is signed in, 404 for another company's objects, 403 for a missing right.
    @discardableResult
    public func require(_ permission: String, on scope: AccessScope = .portal) throws -> Principal {
        let decision = AccessPolicy.decide(principal, permission, on: scope)
        if let error = AccessPolicy.error(for: decision, permission: permission) { throw error }
        return principal!
    }

    /// The submitted form fields to show again in a form that failed validation: without the CSRF
    /// token and any secret fields, each cut to `limit` characters.
    public func echoedForm(limit: Int, dropping secrets: Set<String> = []) -> [String: String] {
        form.filter { $0.key != "_csrf" && !secrets.contains($0.key) }.mapValues { String($0.prefix(limit)) }
    }

    /// Throws 401 unless someone is signed in.
    public func requireSignedIn() throws -> Principal {
        guard let principal else { throw DomainError(.unauthenticated, code: "auth.required", message: "Please sign in.") }
        return principal
    }
}
