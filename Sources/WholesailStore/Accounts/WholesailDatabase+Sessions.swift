import Foundation
import GRDB
import WholesailCore

/// A signed-in browser session, as read back from its cookie.
public struct SessionInfo: Sendable, Equatable {
    public var id: Int64
    public var userId: Int64
    public var actingAsUserId: Int64?
    public var currentCounterpartyId: Int64?
    public var csrfToken: String
}

/// Session lifetimes: idle timeout and absolute lifetime (ASVS V3.3).
public struct SessionPolicy: Sendable {
    public var idle: TimeInterval = 8 * 3600
    public var absolute: TimeInterval = 14 * 24 * 3600
    /// `lastSeenAt` is refreshed at most this often, to keep reads cheap.
    public var touchEvery: TimeInterval = 60
    public init() {}
}

/// Login throttling: failures per account and per address in a sliding window (ASVS V2.2.1).
public struct ThrottlePolicy: Sendable {
    public var window: TimeInterval = 15 * 60
    public var perAccount = 5
    public var perAddress = 30
    public init() {}
}

public enum AuthError: WholesailError, Equatable {
    case invalidCredentials
    case throttled
    case disabled
    case pending

    public var kind: ErrorKind {
        switch self {
        case .invalidCredentials: .unauthenticated
        case .throttled: .rateLimited
        case .disabled, .pending: .forbidden
        }
    }

    public var code: String {
        switch self {
        case .invalidCredentials: "auth.invalid_credentials"
        case .throttled: "auth.throttled"
        case .disabled: "auth.disabled"
        case .pending: "auth.pending"
        }
    }

    public var message: String {
        switch self {
        case .invalidCredentials: "The e-mail or password is wrong."
        case .throttled: "Too many failed attempts. Try again in 15 minutes."
        case .disabled: "This account is disabled. Contact your manager."
        case .pending: "This account is waiting for approval by a manager."
        }
    }
}

extension WholesailDatabase {
    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%03d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!,
            (c.nanosecond ?? 0) / 1_000_000)
    }

    static func tokenHash(_ token: String) -> String { Crypto.sha256Hex(Data(token.utf8)) }

    /// Checks an e-mail and password: throttling first, then the account, then the password.
    /// Every attempt is recorded; failures and successes are audited. Returns the user id.
    ///
    /// The scrypt comparison runs outside any transaction (it is slow on purpose); the caller
    /// bounds how many run at once.
    public func verifyLogin(
        email rawEmail: String, password: String, ip: String?, now: Date = Date(), throttle: ThrottlePolicy = ThrottlePolicy(),
        hasher: PasswordHasher = .standard
    ) async throws -> Int64 {
        let email = rawEmail.trimmingCharacters(in: .whitespaces)
        let since = Self.stamp(now.addingTimeInterval(-throttle.window))
        let account = try await read { db -> (throttled: Bool, user: (id: Int64, hash: String?, status: String)?) in
            let byAccount = try Int.fetchOne(
                db.cached("SELECT count(*) FROM loginAttempt WHERE email = ? AND succeeded = 0 AND at >= ?"), arguments: [email, since]) ?? 0
            let byAddress = try ip.map {
                try Int.fetchOne(db.cached("SELECT count(*) FROM loginAttempt WHERE ip = ? AND succeeded = 0 AND at >= ?"), arguments: [$0, since]) ?? 0
            } ?? 0
            let user = try Row.fetchOne(db.cached("SELECT id, passwordHash, status FROM user WHERE email = ?"), arguments: [email]).map {
                (id: $0["id"] as Int64, hash: $0["passwordHash"] as String?, status: $0["status"] as String)
            }
            return (byAccount >= throttle.perAccount || byAddress >= throttle.perAddress, user)
        }
        let at = Self.stamp(now)
        func record(_ succeeded: Bool, userId: Int64?, action: String) async throws {
            try await write { db in
                try db.cached("INSERT INTO loginAttempt (email, ip, succeeded, at) VALUES (?, ?, ?, ?)").execute(arguments: [String(email.prefix(254)), ip, succeeded, at])
                try db.cached("INSERT INTO auditLog (at, actorUserId, action, objectType, objectId, ip) VALUES (?, ?, ?, 'user', ?, ?)").execute(arguments: [at, userId, action, userId.map(String.init) ?? String(email.prefix(254)), ip])
            }
        }
        if account.throttled {
            try await record(false, userId: nil, action: "auth.login_throttled")
            throw AuthError.throttled
        }
        // Compare against a dummy hash when the account does not exist, so timing tells nothing.
        let stored = account.user?.hash
        let ok = PasswordHasher.verify(password, against: stored ?? Self.dummyHash)
        guard let user = account.user, stored != nil, ok else {
            try await record(false, userId: account.user?.id, action: "auth.login_failed")
            throw AuthError.invalidCredentials
        }
        let userId = user.id
        switch user.status {
        case "disabled":
            try await record(false, userId: userId, action: "auth.login_disabled")
            throw AuthError.disabled
        case "pending":
            try await record(false, userId: userId, action: "auth.login_pending")
            throw AuthError.pending
        default:
            break
        }
        try await record(true, userId: userId, action: "auth.login")
        // The upgrade path: a hash made with weaker parameters is replaced now that the password is known.
        let upgraded = hasher.needsRehash(user.hash ?? "") ? hasher.hash(password) : nil
        try await write { db in
            try db.cached("UPDATE user SET lastLoginAt = ? WHERE id = ?").execute(arguments: [at, userId])
            if let upgraded { try db.cached("UPDATE user SET passwordHash = ? WHERE id = ?").execute(arguments: [upgraded, userId]) }
        }
        return userId
    }

    private static let dummyHash = PasswordHasher.standard.hash("not a password", salt: Array(repeating: 7, count: 16))

    /// Starts a session for a user and returns the cookie value (stored only as its hash) and the
    /// session's CSRF token. A new session id on every login defeats session fixation.
    public func createSession(
        userId: Int64, ip: String?, userAgent: String?, now: Date = Date(), policy: SessionPolicy = SessionPolicy()
    ) async throws -> (token: String, csrf: String) {
        let token = Crypto.randomToken()
        let csrf = Crypto.randomToken(bytes: 24)
        try await write { db in
            let counterparty = try Int64.fetchOne(
                db.cached("""
                    SELECT coalesce(
                        (SELECT defaultCounterpartyId FROM user u WHERE u.id = :user
                            AND EXISTS (SELECT 1 FROM userCounterparty uc WHERE uc.userId = u.id AND uc.counterpartyId = u.defaultCounterpartyId)),
                        (SELECT min(counterpartyId) FROM userCounterparty WHERE userId = :user))
                    """), arguments: ["user": userId])
            try db.cached("""
                    INSERT INTO session (tokenHash, userId, currentCounterpartyId, csrfToken, createdAt, lastSeenAt, expiresAt, ip, userAgent)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [
                    Self.tokenHash(token), userId, counterparty, csrf, Self.stamp(now), Self.stamp(now),
                    Self.stamp(now.addingTimeInterval(policy.absolute)), ip, userAgent.map { String($0.prefix(300)) },
                ])
        }
        return (token, csrf)
    }

    /// The live session behind a cookie value, or nil when unknown, idle too long, past its
    /// absolute lifetime, or its user is no longer active. Expired sessions are deleted.
    public func session(token: String, now: Date = Date(), policy: SessionPolicy = SessionPolicy()) async throws -> SessionInfo? {
        guard !token.isEmpty, token.count <= 100 else { return nil }
        let hash = Self.tokenHash(token)
        let found = try await read { db -> (info: SessionInfo, lastSeen: String, expires: String, active: Bool)? in
            try Row.fetchOne(
                db.cached("""
                    SELECT s.id, s.userId, s.actingAsUserId, s.currentCounterpartyId, s.csrfToken, s.lastSeenAt, s.expiresAt, u.status
                    FROM session s JOIN user u ON u.id = s.userId WHERE s.tokenHash = ?
                    """), arguments: [hash]
            ).map { row in
                (
                    SessionInfo(
                        id: row["id"], userId: row["userId"], actingAsUserId: row["actingAsUserId"],
                        currentCounterpartyId: row["currentCounterpartyId"], csrfToken: row["csrfToken"]),
                    row["lastSeenAt"], row["expiresAt"], row["status"] as String == "active"
                )
            }
        }
        guard let found else { return nil }
        let id = found.info.id
        let lastSeen = found.lastSeen
        let expires = found.expires
        let nowStamp = Self.stamp(now)
        if expires <= nowStamp || lastSeen <= Self.stamp(now.addingTimeInterval(-policy.idle)) || !found.active {
            try await write { db in try db.cached("DELETE FROM session WHERE id = ?").execute(arguments: [id]) }
            return nil
        }
        if lastSeen <= Self.stamp(now.addingTimeInterval(-policy.touchEvery)) {
            try await write { db in
                try db.cached("UPDATE session SET lastSeenAt = ? WHERE id = ?").execute(arguments: [nowStamp, id])
            }
        }
        return found.info
    }

    public func deleteSession(token: String) async throws {
        try await write { db in
            try db.cached("DELETE FROM session WHERE tokenHash = ?").execute(arguments: [Self.tokenHash(token)])
        }
    }

    /// Ends every session of a user (logout everywhere, password change, account disabled).
    public func deleteAllSessions(userId: Int64) async throws {
        try await write { db in try db.cached("DELETE FROM session WHERE userId = ?").execute(arguments: [userId]) }
    }

    /// Switches the counterparty a session orders for; only one the acting user belongs to.
    public func switchCounterparty(sessionId: Int64, userId: Int64, to counterpartyId: Int64) async throws {
        try await write { db in
            guard try Bool.fetchOne(
                db.cached("SELECT EXISTS (SELECT 1 FROM userCounterparty WHERE userId = ? AND counterpartyId = ?)"),
                arguments: [userId, counterpartyId]) == true
            else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            try db.cached("UPDATE session SET currentCounterpartyId = ? WHERE id = ?").execute(arguments: [counterpartyId, sessionId])
        }
    }

    /// Everything the access policy needs about a user: roles, permissions (narrowed by what a
    /// buyer admin denied them), the companies they work for and those they serve as staff.
    public func principal(userId: Int64, currentCounterpartyId: Int64? = nil, impersonatorId: Int64? = nil) async throws -> Principal? {
        try await read { db in
            guard let user = try Row.fetchOne(db.cached("SELECT email, fullName, status, defaultCounterpartyId FROM user WHERE id = ?"), arguments: [userId]),
                user["status"] as String == "active"
            else { return nil }
            // Without a session's choice (API tokens), the user's default company is the current one.
            let currentCounterpartyId = currentCounterpartyId ?? (user["defaultCounterpartyId"] as Int64?)
            let roles = try Set(String.fetchAll(
                db.cached("SELECT r.code FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = ?"), arguments: [userId]))
            var permissions = try Set(String.fetchAll(
                db.cached("SELECT DISTINCT rp.permissionCode FROM userRole ur JOIN rolePermission rp ON rp.roleId = ur.roleId WHERE ur.userId = ?"),
                arguments: [userId]))
            let memberships = try Row.fetchAll(
                db.cached("SELECT counterpartyId, deniedPermissions FROM userCounterparty WHERE userId = ?"), arguments: [userId])
            let memberOf = Set(memberships.map { $0["counterpartyId"] as Int64 })
            if let current = currentCounterpartyId, let membership = memberships.first(where: { $0["counterpartyId"] as Int64 == current }) {
                let denied = (membership["deniedPermissions"] as String).split(separator: ",").map(String.init)
                permissions.subtract(denied)
            }
            let serves = try Set(Int64.fetchAll(
                db.cached("""
                    SELECT counterpartyId FROM managerAssignment WHERE userId = :user AND counterpartyId IS NOT NULL
                    UNION SELECT c.id FROM managerAssignment m JOIN counterparty c ON c.holdingId = m.holdingId WHERE m.userId = :user
                    """), arguments: ["user": userId]))
            let current = currentCounterpartyId.flatMap { memberOf.contains($0) ? $0 : nil }
            let groups = try Set(Int64.fetchAll(db.cached("SELECT userGroupId FROM userGroupMember WHERE userId = ?"), arguments: [userId]))
            return Principal(
                userId: userId, email: user["email"], fullName: user["fullName"], roles: roles, permissions: permissions,
                memberOf: memberOf, serves: serves, currentCounterpartyId: current, impersonatorId: impersonatorId, userGroups: groups)
        }
    }

    /// Issues an API bearer token; only its hash is stored. Returns the token and its expiry.
    public func createAPIToken(userId: Int64, name: String, scope: String = "api", now: Date = Date(), lifetime: TimeInterval = 30 * 24 * 3600)
        async throws -> (token: String, expiresAt: String)
    {
        let token = "wst_" + Crypto.randomToken()
        let expires = Self.stamp(now.addingTimeInterval(lifetime))
        try await write { db in
            try db.cached("INSERT INTO apiToken (tokenHash, userId, name, scope, createdAt, expiresAt) VALUES (?, ?, ?, ?, ?, ?)").execute(arguments: [Self.tokenHash(token), userId, String(name.prefix(100)), scope, Self.stamp(now), expires])
            try db.cached("INSERT INTO auditLog (at, actorUserId, action, objectType, objectId) VALUES (?, ?, 'auth.token_issued', 'user', ?)").execute(arguments: [Self.stamp(now), userId, String(userId)])
        }
        return (token, expires)
    }

    /// The user behind a bearer token, or nil when unknown, revoked, expired or the user is inactive.
    public func apiTokenUser(token: String, now: Date = Date()) async throws -> (userId: Int64, scope: String)? {
        guard token.hasPrefix("wst_"), token.count <= 100 else { return nil }
        let nowStamp = Self.stamp(now)
        return try await read { db in
            try Row.fetchOne(
                db.cached("""
                    SELECT t.userId, t.scope FROM apiToken t JOIN user u ON u.id = t.userId
                    WHERE t.tokenHash = ? AND t.revokedAt IS NULL AND (t.expiresAt IS NULL OR t.expiresAt > ?) AND u.status = 'active'
                    """), arguments: [Self.tokenHash(token), nowStamp]
            ).map { ($0["userId"], $0["scope"]) }
        }
    }

    public func revokeAPIToken(token: String, now: Date = Date()) async throws {
        try await write { db in
            try db.cached("UPDATE apiToken SET revokedAt = ? WHERE tokenHash = ? AND revokedAt IS NULL").execute(arguments: [Self.stamp(now), Self.tokenHash(token)])
        }
    }

    /// The counterparties a user may pick as current, with names.
    public func memberships(userId: Int64) async throws -> [(id: Int64, name: String, inn: String?)] {
        try await read { db in
            try Row.fetchAll(
                db.cached("SELECT c.id, c.name, c.inn FROM userCounterparty uc JOIN counterparty c ON c.id = uc.counterpartyId WHERE uc.userId = ? ORDER BY c.name"),
                arguments: [userId]
            ).map { ($0["id"], $0["name"], $0["inn"]) }
        }
    }
}

extension WholesailDatabase {
    /// Display names of roles by code, in the given language (`ru` or `en`).
    public func roleNames(codes: Set<String>, russian: Bool) async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: "SELECT \(russian ? "nameRu" : "nameEn") FROM role WHERE code IN (SELECT value FROM json_each(?)) ORDER BY id",
                arguments: [String(decoding: try JSONEncoder().encode(codes.sorted()), as: UTF8.self)])
        }
    }
}
