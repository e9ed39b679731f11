import Foundation
import GRDB
import WholesailCore

/// The fields of a user a manager creates for a customer company; validated together.
public struct CompanyUserForm: Sendable, Equatable {
    public var email: String
    public var fullName: String
    public var phone: String
    public var role: String

    public init(email: String, fullName: String, phone: String = "", role: String = "buyer") {
        self.email = email.trimmingCharacters(in: .whitespaces)
        self.fullName = fullName.trimmingCharacters(in: .whitespaces)
        self.phone = phone.trimmingCharacters(in: .whitespaces)
        self.role = role
    }

    /// Every problem at once, keyed by field.
    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        if !EmailAddress.isValid(email) { fields["email"] = .init(code: "field.bad_email", message: "Enter a valid e-mail address.") }
        if fullName.isEmpty { fields["fullName"] = .init(code: "field.required", message: "This field is required.") }
        if fullName.count > 200 { fields["fullName"] = .init(code: "field.too_long", message: "This is too long.") }
        if !phone.isEmpty {
            let digits = phone.filter { $0.isASCII && $0.isNumber }
            if digits.count < 10 || digits.count > 15 || phone.count > 40 {
                fields["phone"] = .init(code: "field.bad_phone", message: "Enter a phone number with 10 to 15 digits.")
            }
        }
        if !["buyer", "buyer_admin"].contains(role) {
            fields["role"] = .init(code: "accounts.unknown_role", message: "Choose buyer or buyer administrator.")
        }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}

/// What staff do to the users of a customer company from its page: create (with an invitation),
/// send the invitation or a password link again, link an existing account, enable, disable and
/// remove from the company. Each is one transaction that writes the change, an audit row and the
/// user's e-mail (through the outbox) together. The caller has already checked, through the
/// access policy, that the actor may act on the company; these methods check that the user
/// works for it (404 otherwise, as for any object one cannot see).
extension WholesailDatabase {
    /// How long an invitation link lasts (a password reset link lasts an hour).
    public static let invitationLifetime: TimeInterval = 7 * 24 * 3600

    /// The audit actor of a principal: the staff member when acting as a user.
    static func auditActor(_ principal: Principal) -> (actor: Int64, actingAs: Int64?) {
        (principal.impersonatorId ?? principal.userId, principal.impersonatorId == nil ? nil : principal.userId)
    }

    static func requireMember(_ db: Database, userId: Int64, counterpartyId: Int64) throws -> (email: String, fullName: String, status: String, hasPassword: Bool) {
        guard let row = try Row.fetchOne(
            db,
            sql: """
                SELECT u.email, u.fullName, u.status, u.passwordHash IS NOT NULL AS hasPassword
                FROM userCounterparty uc JOIN user u ON u.id = uc.userId WHERE uc.userId = ? AND uc.counterpartyId = ?
                """,
            arguments: [userId, counterpartyId])
        else { throw DomainError(.notFound, code: "user.not_found", message: "The user was not found.") }
        return (row["email"], row["fullName"], row["status"], row["hasPassword"] == 1)
    }

    static func counterpartyName(_ db: Database, id: Int64) throws -> String {
        guard let name = try String.fetchOne(db, sql: "SELECT name FROM counterparty WHERE id = ?", arguments: [id]) else {
            throw DomainError(.notFound, code: "counterparty.not_found", message: "The counterparty was not found.")
        }
        return name
    }

    static func isStaffUser(_ db: Database, userId: Int64) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = ? AND r.isStaff = 1)",
            arguments: [userId]) ?? false
    }

    /// Stores a one-time set-password link for the user (older unused links stop working) and
    /// returns the link.
    static func issuePasswordLink(_ db: Database, userId: Int64, lifetime: TimeInterval, baseURL: String, now: Date) throws -> (link: String, id: Int64) {
        let token = Crypto.randomToken()
        let at = stamp(now)
        try db.execute(sql: "UPDATE passwordReset SET usedAt = ? WHERE userId = ? AND usedAt IS NULL", arguments: [at, userId])
        try db.execute(
            sql: "INSERT INTO passwordReset (tokenHash, userId, createdAt, expiresAt) VALUES (?, ?, ?, ?)",
            arguments: [tokenHash(token), userId, at, stamp(now.addingTimeInterval(lifetime))])
        return ("\(baseURL)/password/reset/\(token)", db.lastInsertedRowID)
    }

    /// Staff create a user of a customer company: active at once but without a password; the
    /// user gets an invitation with a set-password link valid for 7 days (`account.invited`).
    /// The first user of a company may be its buyer administrator. One transaction; audited.
    @discardableResult
    public func inviteCompanyUser(
        counterpartyId: Int64, _ form: CompanyUserForm, actor: Principal, baseURL: String, now: Date = Date()
    ) async throws -> Int64 {
        if let error = form.validate() { throw error }
        return try await write { db in
            let company = try Self.counterpartyName(db, id: counterpartyId)
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM user WHERE email = ?)", arguments: [form.email]) == true {
                throw ValidationError(field: "email", code: "accounts.duplicate_email", message: AccountsError.duplicateEmail(form.email).message)
            }
            try db.execute(
                sql: "INSERT INTO user (email, fullName, phone, status, defaultCounterpartyId, createdAt) VALUES (?, ?, ?, 'active', ?, ?)",
                arguments: [form.email, form.fullName, form.phone.isEmpty ? nil : form.phone, counterpartyId, Self.stamp(now)])
            let userId = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO userRole (userId, roleId) SELECT ?, id FROM role WHERE code = ?", arguments: [userId, form.role])
            try db.execute(sql: "INSERT INTO userCounterparty (userId, counterpartyId) VALUES (?, ?)", arguments: [userId, counterpartyId])
            let (link, linkId) = try Self.issuePasswordLink(db, userId: userId, lifetime: Self.invitationLifetime, baseURL: baseURL, now: now)
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: "user.create", objectType: "user", objectId: String(userId),
                details: ["role": form.role, "counterparty": String(counterpartyId), "by": "staff"], now: now)
            try Outbox.publish(
                db, topic: "account.invited",
                payload: ["to": form.email, "userId": String(userId), "name": form.fullName, "company": company, "link": link],
                idempotencyKey: "account.invited.\(linkId)", now: now)
            return userId
        }
    }

    /// Sends a company user a fresh link: the invitation again while they have no password yet
    /// (`account.invited`, 7 days), else a password reset link (`password.reset`, one hour).
    /// Earlier unused links stop working. Disabled users get nothing: enable them first.
    public func resendInvitation(userId: Int64, counterpartyId: Int64, actor: Principal, baseURL: String, now: Date = Date()) async throws {
        try await write { db in
            let user = try Self.requireMember(db, userId: userId, counterpartyId: counterpartyId)
            guard user.status == "active" else {
                throw DomainError(.conflict, code: "accounts.not_active", message: "This account is disabled; enable it first.")
            }
            let company = try Self.counterpartyName(db, id: counterpartyId)
            let who = Self.auditActor(actor)
            if user.hasPassword {
                let (link, linkId) = try Self.issuePasswordLink(db, userId: userId, lifetime: 3600, baseURL: baseURL, now: now)
                try Self.audit(
                    db, actor: who.actor, actingAs: who.actingAs, action: "user.password_link", objectType: "user", objectId: String(userId),
                    details: ["counterparty": String(counterpartyId)], now: now)
                try Outbox.publish(
                    db, topic: "password.reset", payload: ["to": user.email, "userId": String(userId), "link": link],
                    idempotencyKey: "password.reset.staff.\(linkId)", now: now)
            } else {
                let (link, linkId) = try Self.issuePasswordLink(db, userId: userId, lifetime: Self.invitationLifetime, baseURL: baseURL, now: now)
                try Self.audit(
                    db, actor: who.actor, actingAs: who.actingAs, action: "user.invite", objectType: "user", objectId: String(userId),
                    details: ["counterparty": String(counterpartyId)], now: now)
                try Outbox.publish(
                    db, topic: "account.invited",
                    payload: ["to": user.email, "userId": String(userId), "name": user.fullName, "company": company, "link": link],
                    idempotencyKey: "account.invited.\(linkId)", now: now)
            }
        }
    }

    /// Links an existing customer account (found by e-mail) to one more company; the user is told
    /// (`account.linked`). Staff accounts and users already in the company are refused.
    @discardableResult
    public func linkCompanyUser(email rawEmail: String, counterpartyId: Int64, actor: Principal, now: Date = Date()) async throws -> Int64 {
        let email = rawEmail.trimmingCharacters(in: .whitespaces)
        guard EmailAddress.isValid(email) else {
            throw ValidationError(field: "linkEmail", code: "field.bad_email", message: "Enter a valid e-mail address.")
        }
        return try await write { db in
            let company = try Self.counterpartyName(db, id: counterpartyId)
            guard let row = try Row.fetchOne(db, sql: "SELECT id, email, fullName, defaultCounterpartyId FROM user WHERE email = ?", arguments: [email]) else {
                throw ValidationError(field: "linkEmail", code: "accounts.unknown_email", message: "There is no account with this e-mail.")
            }
            let userId: Int64 = row["id"]
            if try Self.isStaffUser(db, userId: userId) {
                throw ValidationError(field: "linkEmail", code: "accounts.staff_not_customer", message: "Staff accounts cannot work for a customer company.")
            }
            if try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM userCounterparty WHERE userId = ? AND counterpartyId = ?)", arguments: [userId, counterpartyId]) == true
            {
                throw ValidationError(field: "linkEmail", code: "accounts.already_member", message: "This user already works for this company.")
            }
            try db.execute(sql: "INSERT INTO userCounterparty (userId, counterpartyId) VALUES (?, ?)", arguments: [userId, counterpartyId])
            if (row["defaultCounterpartyId"] as Int64?) == nil {
                try db.execute(sql: "UPDATE user SET defaultCounterpartyId = ? WHERE id = ?", arguments: [counterpartyId, userId])
            }
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: "user.link", objectType: "user", objectId: String(userId),
                details: ["counterparty": String(counterpartyId)], now: now)
            let auditId = db.lastInsertedRowID
            try Outbox.publish(
                db, topic: "account.linked",
                payload: ["to": row["email"] as String, "userId": String(userId), "name": row["fullName"] as String, "company": company],
                idempotencyKey: "account.linked.\(auditId)", now: now)
            return userId
        }
    }

    /// Enables or disables a user of a company; the user is told (`account.enabled` /
    /// `account.disabled`). See `setUserStatus`.
    public func setCompanyUserStatus(userId: Int64, counterpartyId: Int64, active: Bool, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            _ = try Self.requireMember(db, userId: userId, counterpartyId: counterpartyId)
            try Self.changeUserStatus(db, userId: userId, active: active, actor: actor, counterpartyId: counterpartyId, now: now)
        }
    }

    /// Enables or disables an account: disabling ends its sessions (and staff sessions acting as
    /// it). Staff accounts need `admin.users`; nobody changes their own. Audited, and the user
    /// gets an e-mail; setting the status it already has changes nothing.
    static func changeUserStatus(_ db: Database, userId: Int64, active: Bool, actor: Principal, counterpartyId: Int64?, now: Date) throws {
        guard userId != actor.userId, userId != actor.impersonatorId else {
            throw DomainError(.conflict, code: "accounts.self_change", message: "You cannot disable your own account.")
        }
        if try isStaffUser(db, userId: userId), !actor.permissions.contains("admin.users") {
            throw DomainError(.forbidden, code: "access.forbidden", message: "You do not have access to this.")
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT email, fullName, status FROM user WHERE id = ?", arguments: [userId]) else {
            throw DomainError(.notFound, code: "user.not_found", message: "The user was not found.")
        }
        let status = active ? "active" : "disabled"
        guard (row["status"] as String) != status else { return }
        try db.execute(sql: "UPDATE user SET status = ? WHERE id = ?", arguments: [status, userId])
        if !active { try db.execute(sql: "DELETE FROM session WHERE userId = ? OR actingAsUserId = ?", arguments: [userId, userId]) }
        let who = auditActor(actor)
        try audit(
            db, actor: who.actor, actingAs: who.actingAs, action: active ? "user.enable" : "user.disable", objectType: "user",
            objectId: String(userId), details: counterpartyId.map { ["counterparty": String($0)] }, now: now)
        let auditId = db.lastInsertedRowID
        var payload = ["to": row["email"] as String, "userId": String(userId), "name": row["fullName"] as String]
        if let counterpartyId { payload["company"] = try counterpartyName(db, id: counterpartyId) }
        try Outbox.publish(
            db, topic: active ? "account.enabled" : "account.disabled", payload: payload, idempotencyKey: "account.status.\(auditId)", now: now)
    }

    /// Removes a user from a company (the account stays, with its other companies): their
    /// sessions stop working for it, and the user is told (`account.removed`). Audited.
    public func removeCompanyUser(userId: Int64, counterpartyId: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            let user = try Self.requireMember(db, userId: userId, counterpartyId: counterpartyId)
            let company = try Self.counterpartyName(db, id: counterpartyId)
            try db.execute(sql: "DELETE FROM userCounterparty WHERE userId = ? AND counterpartyId = ?", arguments: [userId, counterpartyId])
            try db.execute(
                sql: """
                    UPDATE user SET defaultCounterpartyId = (SELECT min(counterpartyId) FROM userCounterparty WHERE userId = :user)
                    WHERE id = :user AND defaultCounterpartyId = :company
                    """,
                arguments: ["user": userId, "company": counterpartyId])
            try db.execute(
                sql: "UPDATE session SET currentCounterpartyId = NULL WHERE (userId = ? OR actingAsUserId = ?) AND currentCounterpartyId = ?",
                arguments: [userId, userId, counterpartyId])
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: "user.unlink", objectType: "user", objectId: String(userId),
                details: ["counterparty": String(counterpartyId)], now: now)
            let auditId = db.lastInsertedRowID
            try Outbox.publish(
                db, topic: "account.removed", payload: ["to": user.email, "userId": String(userId), "name": user.fullName, "company": company],
                idempotencyKey: "account.removed.\(auditId)", now: now)
        }
    }

    /// Whether a pending registration request names the tax id of this company (the requests a
    /// company's page lists and may decide).
    public func registrationMatches(requestId: Int64, counterpartyId: Int64) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM registrationRequest r JOIN counterparty c ON c.inn = r.inn
                        WHERE r.id = ? AND c.id = ? AND r.status = 'pending')
                    """, arguments: [requestId, counterpartyId]) ?? false
        }
    }
}
