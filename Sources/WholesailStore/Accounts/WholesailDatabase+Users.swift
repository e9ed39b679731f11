import Foundation
import GRDB
import WholesailCore

/// Why a user could not be created.
public enum AccountsError: WholesailError, Equatable {
    case invalidEmail(String)
    case weakPassword
    case unknownRole(String)
    case unknownCounterparty(String)
    case duplicateEmail(String)
    case counterpartyRequired(String)

    public var kind: ErrorKind {
        switch self {
        case .duplicateEmail: .conflict
        default: .invalid
        }
    }

    public var code: String {
        switch self {
        case .invalidEmail: "accounts.invalid_email"
        case .weakPassword: "accounts.weak_password"
        case .unknownRole: "accounts.unknown_role"
        case .unknownCounterparty: "accounts.unknown_counterparty"
        case .duplicateEmail: "accounts.duplicate_email"
        case .counterpartyRequired: "accounts.counterparty_required"
        }
    }

    public var message: String {
        switch self {
        case .invalidEmail(let email): "\"\(email)\" is not a valid e-mail address."
        case .weakPassword: "The password must be 8 to 1024 characters long."
        case .unknownRole(let role):
            "Unknown role \"\(role)\"; use one of admin, executive, manager, assistant, editor, buyer_admin, buyer."
        case .unknownCounterparty(let erpId): "No counterparty has the ERP id \"\(erpId)\"."
        case .duplicateEmail(let email): "A user with the e-mail \(email) already exists."
        case .counterpartyRequired(let role): "A \(role) must belong to a counterparty (--counterparty ERP_ID)."
        }
    }
}

public enum EmailAddress {
    /// A pragmatic check: one `@`, a non-empty local part, a dotted domain, no spaces, at most 254.
    public static func isValid(_ email: String) -> Bool {
        guard email.count <= 254, !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," }) else { return false }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }
}

extension WholesailDatabase {
    /// Creates an active user with one role, optionally a member of a counterparty (by ERP id).
    /// Validates everything before writing; one transaction; nothing is written on failure.
    /// The password is hashed by the caller's hasher outside the transaction.
    @discardableResult
    public func addUser(
        email rawEmail: String, password: String, role: String, counterpartyErpId: String?, fullName: String = "",
        hasher: PasswordHasher = .standard
    ) async throws -> Int64 {
        let email = rawEmail.trimmingCharacters(in: .whitespaces)
        guard EmailAddress.isValid(email) else { throw AccountsError.invalidEmail(email) }
        guard (8...1024).contains(password.count) else { throw AccountsError.weakPassword }
        let hash = hasher.hash(password)
        return try await write { db in
            guard let roleRow = try Row.fetchOne(db, sql: "SELECT id, isStaff FROM role WHERE code = ?", arguments: [role]) else {
                throw AccountsError.unknownRole(role)
            }
            let isStaff: Bool = roleRow["isStaff"]
            var counterpartyId: Int64?
            if let erpId = counterpartyErpId {
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM counterparty WHERE erpId = ?", arguments: [erpId]) else {
                    throw AccountsError.unknownCounterparty(erpId)
                }
                counterpartyId = id
            } else if !isStaff {
                throw AccountsError.counterpartyRequired(role)
            }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM user WHERE email = ?)", arguments: [email]) == true {
                throw AccountsError.duplicateEmail(email)
            }
            try db.execute(
                sql: "INSERT INTO user (email, fullName, passwordHash, status, defaultCounterpartyId) VALUES (?, ?, ?, 'active', ?)",
                arguments: [email, fullName, hash, counterpartyId])
            let userId = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO userRole (userId, roleId) VALUES (?, ?)", arguments: [userId, roleRow["id"] as Int64])
            if let counterpartyId {
                try db.execute(
                    sql: "INSERT INTO userCounterparty (userId, counterpartyId) VALUES (?, ?)", arguments: [userId, counterpartyId])
            }
            try db.execute(
                sql: "INSERT INTO auditLog (action, objectType, objectId, details) VALUES ('user.create', 'user', ?, json_object('role', ?, 'via', 'cli'))",
                arguments: [String(userId), role])
            return userId
        }
    }
}
