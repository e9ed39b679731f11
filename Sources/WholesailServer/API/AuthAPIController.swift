import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// Bearer tokens for the JSON API: issue one for an e-mail and password, revoke it, see who you are.
struct AuthAPIController {
    let database: WholesailDatabase
    let hashGate: HashGate
    let hasher: PasswordHasher

    func mount(on routes: Routes) {
        routes.post("/api/v1/auth/token", .open, use: issue)
        routes.delete("/api/v1/auth/token", .signedIn, use: revoke)
        routes.get("/api/v1/me", .signedIn, use: me)
    }

    struct Credentials: Decodable {
        var email: String
        var password: String
    }

    struct UserDTO: Encodable {
        struct Company: Encodable {
            var id: Int64
            var name: String
            var inn: String?
        }

        var id: Int64
        var email: String
        var fullName: String
        var roles: [String]
        var permissions: [String]
        var counterparties: [Company]
        var currentCounterparty: Int64?

        enum CodingKeys: String, CodingKey {
            case id, email, roles, permissions, counterparties
            case fullName = "full_name"
            case currentCounterparty = "current_counterparty"
        }
    }

    struct TokenDTO: Encodable {
        var token: String
        var expiresAt: String
        var user: UserDTO

        enum CodingKeys: String, CodingKey {
            case token, user
            case expiresAt = "expires_at"
        }
    }

    func user(_ principal: Principal) async throws -> UserDTO {
        let companies = try await database.memberships(userId: principal.userId)
        return UserDTO(
            id: principal.userId, email: principal.email, fullName: principal.fullName, roles: principal.roles.sorted(),
            permissions: principal.permissions.sorted(), counterparties: companies.map { .init(id: $0.id, name: $0.name, inn: $0.inn) },
            currentCounterparty: principal.currentCounterpartyId ?? (companies.count == 1 ? companies[0].id : nil))
    }

    @Sendable func issue(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let credentials: Credentials
        do {
            credentials = try await request.decode(as: Credentials.self, context: context)
        } catch {
            throw DomainError(.malformed, code: "request.malformed", message: "Send JSON {\"email\": \"…\", \"password\": \"…\"}.")
        }
        let database = self.database
        let hasher = self.hasher
        let ip = context.remoteIP
        let userId = try await hashGate.run {
            try await database.verifyLogin(
                email: String(credentials.email.prefix(254)), password: String(credentials.password.prefix(1024)), ip: ip, hasher: hasher)
        }
        guard let principal = try await database.principal(userId: userId) else { throw AuthError.disabled }
        let issued = try await database.createAPIToken(userId: userId, name: "api")
        let expires = issued.expiresAt.replacingOccurrences(of: " ", with: "T").prefix(19) + "Z"
        return try JSONResponse.make(TokenDTO(token: issued.token, expiresAt: String(expires), user: try await user(principal)))
    }

    @Sendable func revoke(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        _ = try context.requireSignedIn()
        if let token = context.apiToken { try await database.revokeAPIToken(token: token) }
        return Response(status: .noContent)
    }

    @Sendable func me(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        return try JSONResponse.make(try await user(principal))
    }
}
