import Hummingbird
import WholesailCore
import WholesailStore

/// What a route asks of its caller. Declared with the route, enforced by `Routes` before the
/// handler runs, and listed in `RouteTable` so tests can check every route (tenant isolation).
public enum RouteAccess: Sendable, Equatable {
    /// Anyone, signed in or not (the public catalog, login, registration).
    case open
    /// Any signed-in user; the handler only touches the user's own data.
    case signedIn
    /// A portal-wide right (`admin.settings`, `import.run`).
    case permission(String)
    /// An object of a customer company named by a path parameter: the caller must see that
    /// company (404 otherwise) and hold the right (403 otherwise).
    case owned(OwnedObjectKind, parameter: String, permission: String)
    /// An object published for an audience (a material) named by a path parameter: the caller
    /// must be in its audience, or edit it (404 otherwise), and hold the right (403 otherwise).
    case audience(AudienceObjectKind, parameter: String, permission: String)
}

/// One declared route.
public struct RouteEntry: Sendable, Equatable {
    public var method: String
    public var path: String
    public var access: RouteAccess
}

/// Every route of the application, as declared.
public final class RouteTable: @unchecked Sendable {
    private var storage: [RouteEntry] = []
    public var entries: [RouteEntry] { storage }
    func add(_ entry: RouteEntry) { storage.append(entry) }
}

/// The only way routes are added: each one states its access, and the check runs through
/// `AccessPolicy` (the one authorization function) before the handler.
struct Routes {
    let router: Router<WholesailRequestContext>
    let database: WholesailDatabase
    let table: RouteTable

    func get<Output: ResponseGenerator>(
        _ path: String, _ access: RouteAccess,
        use handler: @escaping @Sendable (Request, WholesailRequestContext) async throws -> Output
    ) {
        add(.get, path, access, handler)
    }

    func post<Output: ResponseGenerator>(
        _ path: String, _ access: RouteAccess,
        use handler: @escaping @Sendable (Request, WholesailRequestContext) async throws -> Output
    ) {
        add(.post, path, access, handler)
    }

    func delete<Output: ResponseGenerator>(
        _ path: String, _ access: RouteAccess,
        use handler: @escaping @Sendable (Request, WholesailRequestContext) async throws -> Output
    ) {
        add(.delete, path, access, handler)
    }

    private func add<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess,
        _ handler: @escaping @Sendable (Request, WholesailRequestContext) async throws -> Output
    ) {
        table.add(RouteEntry(method: method.rawValue, path: path, access: access))
        let database = self.database
        router.on(RouterPath(path), method: method) { request, context -> Output in
            try await Self.authorize(access, context: context, database: database)
            return try await handler(request, context)
        }
    }

    static func authorize(_ access: RouteAccess, context: WholesailRequestContext, database: WholesailDatabase) async throws {
        switch access {
        case .open:
            return
        case .signedIn:
            _ = try context.requireSignedIn()
        case .permission(let permission):
            try context.require(permission)
        case .owned(let kind, let parameter, let permission):
            _ = try context.requireSignedIn()
            guard let id = context.parameters.get(parameter, as: Int64.self),
                let owners = try await database.owners(of: kind, id: id)
            else {
                throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
            }
            let scope: AccessScope = kind == .user ? .user(id: id, counterparties: owners) : .counterparty(owners.first!)
            try context.require(permission, on: scope)
        case .audience(let kind, let parameter, let permission):
            _ = try context.requireSignedIn()
            guard let id = context.parameters.get(parameter, as: Int64.self), let audience = try await database.audience(of: kind, id: id) else {
                throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
            }
            try context.require(permission, on: .audience(audience))
        }
    }
}
