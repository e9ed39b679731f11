/// Who is acting: a signed-in user with their rights and the companies they may see.
/// Built once per request from the database (Store) and handed to `AccessPolicy`.
public struct Principal: Sendable, Equatable {
    public var userId: Int64
    public var email: String
    public var fullName: String
    public var roles: Set<String>
    public var permissions: Set<String>
    /// Counterparties the user works for (buyers, buyer admins).
    public var memberOf: Set<Int64>
    /// Counterparties assigned to the user as manager or assistant (holdings expanded).
    public var serves: Set<Int64>
    /// The counterparty the user currently orders for, if any.
    public var currentCounterpartyId: Int64?
    /// The staff user who logged in as this user, when acting as them.
    public var impersonatorId: Int64?
    /// The user groups the user belongs to (materials published for a group, price rules).
    public var userGroups: Set<Int64>

    public init(
        userId: Int64, email: String, fullName: String = "", roles: Set<String>, permissions: Set<String>,
        memberOf: Set<Int64> = [], serves: Set<Int64> = [], currentCounterpartyId: Int64? = nil, impersonatorId: Int64? = nil,
        userGroups: Set<Int64> = []
    ) {
        self.userId = userId
        self.email = email
        self.fullName = fullName
        self.roles = roles
        self.permissions = permissions
        self.memberOf = memberOf
        self.serves = serves
        self.currentCounterpartyId = currentCounterpartyId
        self.impersonatorId = impersonatorId
        self.userGroups = userGroups
    }

    public var isStaff: Bool { !roles.isDisjoint(with: ["admin", "executive", "manager", "assistant", "editor"]) }
    public var seesAllCustomers: Bool { permissions.contains("customers.serve_all") }
}

/// What an action touches: nothing in particular (a section of the portal), a counterparty's
/// data (its orders, documents, users, prices), or one user account.
public enum AccessScope: Sendable, Equatable {
    case portal
    case counterparty(Int64)
    case user(id: Int64, counterparties: Set<Int64>)
    /// Something published for an audience (an advertising material): everyone, or the members
    /// of some user groups; unpublished, only its editors.
    case audience(Audience)
    /// Something of a company assigned to named people (an order waiting for its approvers):
    /// only they may act on it, and only while they see the company.
    case assigned(counterparty: Int64, to: Set<Int64>)
}

/// Who may see a published thing.
public struct Audience: Sendable, Equatable {
    public var published: Bool
    /// nil: every user holding the permission; else the members of these groups.
    public var groups: Set<Int64>?

    public init(published: Bool, groups: Set<Int64>?) {
        self.published = published
        self.groups = groups
    }
}

/// The one authorization function: may this principal do `permission` on `scope`?
///
/// Every route asks it, through the web layer's single helper. Objects of a company the user
/// cannot see answer `notFound`, never `forbidden`, so ids of other companies reveal nothing.
public enum AccessPolicy {
    public enum Decision: Sendable, Equatable {
        case allow
        case unauthenticated
        case forbidden
        case notFound
    }

    public static func decide(_ principal: Principal?, _ permission: String, on scope: AccessScope = .portal) -> Decision {
        guard let principal else { return .unauthenticated }
        switch scope {
        case .portal:
            return principal.permissions.contains(permission) ? .allow : .forbidden
        case .counterparty(let id):
            guard canSee(principal, counterparty: id) else { return .notFound }
            return principal.permissions.contains(permission) ? .allow : .forbidden
        case .user(let id, let counterparties):
            if id == principal.userId { return .allow }
            guard counterparties.contains(where: { canSee(principal, counterparty: $0) }) || principal.seesAllCustomers else {
                return .notFound
            }
            return principal.permissions.contains(permission) ? .allow : .forbidden
        case .audience(let audience):
            // Editors see every material, published or not, whoever it is for.
            if principal.permissions.contains("content.edit") { return .allow }
            guard audience.published, audience.groups.map({ !$0.isDisjoint(with: principal.userGroups) }) ?? true else { return .notFound }
            return principal.permissions.contains(permission) ? .allow : .forbidden
        case .assigned(let counterparty, let assignees):
            guard canSee(principal, counterparty: counterparty) else { return .notFound }
            return principal.permissions.contains(permission) && assignees.contains(principal.userId) ? .allow : .forbidden
        }
    }

    /// Whether the principal may see anything of a counterparty at all.
    public static func canSee(_ principal: Principal, counterparty id: Int64) -> Bool {
        principal.seesAllCustomers || principal.memberOf.contains(id) || principal.serves.contains(id)
    }

    /// The error to throw for a refusal.
    public static func error(for decision: Decision, permission: String) -> DomainError? {
        switch decision {
        case .allow: nil
        case .unauthenticated: DomainError(.unauthenticated, code: "auth.required", message: "Please sign in.")
        case .forbidden: DomainError(.forbidden, code: "access.forbidden", message: "You do not have access to this.")
        case .notFound: DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
    }
}
