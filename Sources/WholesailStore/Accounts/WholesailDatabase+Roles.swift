import Foundation
import GRDB
import WholesailCore

public struct RoleInfo: Sendable, Equatable {
    public var id: Int64
    public var code: String
    public var nameEn: String
    public var nameRu: String
    public var isBuiltIn: Bool
    public var isStaff: Bool
    public var permissions: Set<String>
}

public struct PermissionInfo: Sendable, Equatable {
    public var code: String
    public var section: String
    public var nameEn: String
    public var nameRu: String
}

/// Rights a buyer admin may take away from a colleague within their company.
public enum NarrowableRights {
    public static let codes = ["orders.place", "documents.view", "finance.view", "requests.create", "catalog.prices", "orders.approve"]
}

extension WholesailDatabase {
    public func roles() async throws -> [RoleInfo] {
        try await read { db in
            let grants = try Row.fetchAll(db, sql: "SELECT roleId, permissionCode FROM rolePermission")
            var byRole: [Int64: Set<String>] = [:]
            for grant in grants { byRole[grant["roleId"], default: []].insert(grant["permissionCode"]) }
            return try Row.fetchAll(db, sql: "SELECT * FROM role ORDER BY isBuiltIn DESC, id").map { row in
                RoleInfo(
                    id: row["id"], code: row["code"], nameEn: row["nameEn"], nameRu: row["nameRu"], isBuiltIn: row["isBuiltIn"],
                    isStaff: row["isStaff"], permissions: byRole[row["id"]] ?? [])
            }
        }
    }

    public func permissions() async throws -> [PermissionInfo] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM permission ORDER BY section, code").map {
                PermissionInfo(code: $0["code"], section: $0["section"], nameEn: $0["nameEn"], nameRu: $0["nameRu"])
            }
        }
    }

    /// An admin composes a custom role from permissions. Codes are lower-case `[a-z0-9_]`, unique.
    @discardableResult
    public func createRole(code: String, nameEn: String, nameRu: String, staff: Bool, permissions: Set<String>, actor: Principal) async throws -> Int64 {
        var issues: [String: ValidationError.FieldIssue] = [:]
        if !(2...40).contains(code.count) || !code.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }) {
            issues["code"] = .init(code: "roles.bad_code", message: "Use 2 to 40 lower-case Latin letters, digits or _.")
        }
        for (field, value) in [("nameEn", nameEn), ("nameRu", nameRu)] {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { issues[field] = .init(code: "field.required", message: "This field is required.") }
            if value.count > 100 { issues[field] = .init(code: "field.too_long", message: "This is too long.") }
        }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        return try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM role WHERE code = ?)", arguments: [code]) == true {
                throw ValidationError(field: "code", code: "roles.duplicate", message: "A role with this code already exists.")
            }
            try db.execute(
                sql: "INSERT INTO role (code, nameEn, nameRu, isBuiltIn, isStaff) VALUES (?, ?, ?, 0, ?)",
                arguments: [code, nameEn.trimmingCharacters(in: .whitespaces), nameRu.trimmingCharacters(in: .whitespaces), staff])
            let id = db.lastInsertedRowID
            try Self.grant(db, roleId: id, permissions: permissions)
            try Self.audit(db, actor: actor.userId, action: "role.create", objectType: "role", objectId: code, details: ["permissions": permissions.sorted().joined(separator: ",")])
            return id
        }
    }

    /// Replaces the permissions of a custom role (built-in roles are fixed).
    public func setRolePermissions(roleId: Int64, permissions: Set<String>, actor: Principal) async throws {
        try await write { db in
            guard let builtIn = try Bool.fetchOne(db, sql: "SELECT isBuiltIn FROM role WHERE id = ?", arguments: [roleId]) else {
                throw DomainError.notFound("role")
            }
            guard !builtIn else { throw DomainError(.conflict, code: "roles.built_in", message: "Built-in roles cannot be changed; create a custom role.") }
            try db.execute(sql: "DELETE FROM rolePermission WHERE roleId = ?", arguments: [roleId])
            try Self.grant(db, roleId: roleId, permissions: permissions)
            try Self.audit(db, actor: actor.userId, action: "role.update", objectType: "role", objectId: String(roleId), details: ["permissions": permissions.sorted().joined(separator: ",")])
        }
    }

    static func grant(_ db: Database, roleId: Int64, permissions: Set<String>) throws {
        let known = try Set(String.fetchAll(db, sql: "SELECT code FROM permission"))
        let unknown = permissions.subtracting(known)
        guard unknown.isEmpty else {
            throw ValidationError(field: "permissions", code: "roles.unknown_permission", message: "Unknown permission: \(unknown.sorted().joined(separator: ", ")).")
        }
        for permission in permissions.sorted() {
            try db.execute(sql: "INSERT INTO rolePermission (roleId, permissionCode) VALUES (?, ?)", arguments: [roleId, permission])
        }
    }

    /// Sets a user's roles (an admin's act); ends their sessions so the new rights apply at once.
    public func setUserRoles(userId: Int64, roles: Set<String>, actor: Principal) async throws {
        guard !roles.isEmpty else { throw ValidationError(field: "roles", code: "roles.none", message: "Choose at least one role.") }
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM user WHERE id = ?)", arguments: [userId]) == true else {
                throw DomainError.notFound("user")
            }
            let ids = try Int64.fetchAll(
                db, sql: "SELECT id FROM role WHERE code IN (SELECT value FROM json_each(?))",
                arguments: [String(decoding: try JSONEncoder().encode(roles.sorted()), as: UTF8.self)])
            guard ids.count == roles.count else { throw ValidationError(field: "roles", code: "accounts.unknown_role", message: "Unknown role.") }
            if userId == actor.userId && !roles.contains("admin") {
                throw DomainError(.conflict, code: "roles.self_demote", message: "You cannot take the admin role from yourself.")
            }
            try db.execute(sql: "DELETE FROM userRole WHERE userId = ?", arguments: [userId])
            for id in ids { try db.execute(sql: "INSERT INTO userRole (userId, roleId) VALUES (?, ?)", arguments: [userId, id]) }
            if userId != actor.userId { try db.execute(sql: "DELETE FROM session WHERE userId = ?", arguments: [userId]) }
            try Self.audit(db, actor: actor.userId, action: "user.roles", objectType: "user", objectId: String(userId), details: ["roles": roles.sorted().joined(separator: ",")])
        }
    }

    /// A buyer admin narrows a colleague's rights within one company.
    public func setDeniedPermissions(userId: Int64, counterpartyId: Int64, denied: Set<String>, actor: Principal) async throws {
        let allowed = Set(NarrowableRights.codes)
        try await write { db in
            guard try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM userCounterparty WHERE userId = ? AND counterpartyId = ?)", arguments: [userId, counterpartyId]) == true
            else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            guard userId != actor.userId else {
                throw DomainError(.conflict, code: "accounts.self_change", message: "You cannot change your own rights.")
            }
            try db.execute(
                sql: "UPDATE userCounterparty SET deniedPermissions = ? WHERE userId = ? AND counterpartyId = ?",
                arguments: [denied.intersection(allowed).sorted().joined(separator: ","), userId, counterpartyId])
            try Self.audit(
                db, actor: actor.impersonatorId ?? actor.userId, actingAs: actor.impersonatorId == nil ? nil : actor.userId,
                action: "user.rights", objectType: "user", objectId: String(userId), details: ["denied": denied.sorted().joined(separator: ",")])
        }
    }

    /// The rights a buyer admin took from a user in a company.
    public func deniedPermissions(userId: Int64, counterpartyId: Int64) async throws -> Set<String> {
        try await read { db in
            let text = try String.fetchOne(
                db, sql: "SELECT deniedPermissions FROM userCounterparty WHERE userId = ? AND counterpartyId = ?", arguments: [userId, counterpartyId]) ?? ""
            return Set(text.split(separator: ",").map(String.init))
        }
    }

    /// Users found by e-mail or name, for the admin's users page.
    public func findUsers(matching text: String, limit: Int = 50) async throws -> [CompanyUser] {
        let pattern = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.id, u.email, u.fullName, u.phone, u.status, u.lastLoginAt,
                        (SELECT group_concat(r.code) FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = u.id) AS roles
                    FROM user u WHERE u.email LIKE ? OR u.fullName LIKE ? ORDER BY u.email LIMIT ?
                    """, arguments: [pattern, pattern, limit]
            ).map { row in
                CompanyUser(
                    id: row["id"], email: row["email"], fullName: row["fullName"], phone: row["phone"], status: row["status"],
                    roles: ((row["roles"] as String?) ?? "").split(separator: ",").map(String.init).sorted(), lastLoginAt: row["lastLoginAt"])
            }
        }
    }
}
