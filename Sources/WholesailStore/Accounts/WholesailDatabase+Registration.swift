import Foundation
import GRDB
import WholesailCore

/// A registration request as submitted by a visitor.
public struct RegistrationForm: Sendable, Equatable {
    public var companyName: String
    public var inn: String
    public var contactName: String
    public var email: String
    public var phone: String
    public var comment: String
    public var consent: Bool

    public init(companyName: String, inn: String, contactName: String, email: String, phone: String, comment: String = "", consent: Bool) {
        self.companyName = companyName
        self.inn = inn
        self.contactName = contactName
        self.email = email
        self.phone = phone
        self.comment = comment
        self.consent = consent
    }

    /// The consent version before any policy text was saved on the portal; a consent records the
    /// version in force (`policyVersion`, `/editor/policy`).
    public static let consentVersion = PolicyText.builtInVersion

    /// Every problem at once, keyed by field, so the form can show them all.
    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        func issue(_ field: String, _ code: String, _ message: String) { fields[field] = .init(code: code, message: message) }
        let company = companyName.trimmingCharacters(in: .whitespaces)
        if company.isEmpty { issue("companyName", "field.required", "Enter the company name.") }
        if company.count > 300 { issue("companyName", "field.too_long", "At most 300 characters.") }
        let digits = inn.trimmingCharacters(in: .whitespaces)
        if !(digits.count == 10 || digits.count == 12) || !digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            issue("inn", "registration.bad_inn", "A tax id (INN) has 10 digits for a company or 12 for a sole trader.")
        }
        if contactName.trimmingCharacters(in: .whitespaces).isEmpty { issue("contactName", "field.required", "Enter the contact person.") }
        if contactName.count > 200 { issue("contactName", "field.too_long", "At most 200 characters.") }
        if !EmailAddress.isValid(email.trimmingCharacters(in: .whitespaces)) {
            issue("email", "field.bad_email", "Enter a valid e-mail address.")
        }
        if !PhoneNumber.isPlausible(phone) { issue("phone", PhoneNumber.issue.code, PhoneNumber.issue.message) }
        if comment.count > 2000 { issue("comment", "field.too_long", "At most 2000 characters.") }
        if !consent { issue("consent", "registration.consent_required", "Consent to the processing of personal data is required.") }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}

extension WholesailDatabase {
    /// Stores a registration request with the consent (time and text version) and queues the
    /// e-mail to the applicant, in one transaction; refused while the admin has registration
    /// turned off. Returns the request id.
    @discardableResult
    public func submitRegistration(_ form: RegistrationForm, ip: String?, now: Date = Date()) async throws -> Int64 {
        if let error = form.validate() { throw error }
        return try await write { db in
            guard try Self.portalSettings(db).registrationOpen else {
                throw DomainError(.forbidden, code: "registration.closed", message: "Registration on the portal is closed. Please contact the distributor.")
            }
            let at = Self.stamp(now)
            try db.execute(
                sql: """
                    INSERT INTO registrationRequest (companyName, inn, contactName, email, phone, comment, consentAt, consentVersion, ip, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    form.companyName.trimmingCharacters(in: .whitespaces), form.inn.trimmingCharacters(in: .whitespaces),
                    form.contactName.trimmingCharacters(in: .whitespaces), form.email.trimmingCharacters(in: .whitespaces),
                    form.phone.trimmingCharacters(in: .whitespaces), form.comment, at, try Self.consentVersion(db), ip, at,
                ])
            let id = db.lastInsertedRowID
            try Outbox.publish(
                db, topic: "registration.received",
                payload: ["to": form.email, "company": form.companyName, "name": form.contactName, "requestId": String(id)],
                idempotencyKey: "registration.received.\(id)", now: now)
            try Outbox.publish(
                db, topic: "registration.new_for_managers",
                payload: ["company": form.companyName, "inn": form.inn, "requestId": String(id)],
                idempotencyKey: "registration.managers.\(id)", now: now)
            return id
        }
    }

    /// Starts a password reset: stores a one-time token (its hash) valid for an hour and queues
    /// the e-mail with the link. Does nothing for an unknown or inactive address, and the caller
    /// answers the same either way.
    public func startPasswordReset(email: String, baseURL: String, now: Date = Date()) async throws {
        let token = Crypto.randomToken()
        try await write { db in
            guard let userId = try Int64.fetchOne(
                db, sql: "SELECT id FROM user WHERE email = ? AND status = 'active'", arguments: [email.trimmingCharacters(in: .whitespaces)])
            else { return }
            let at = Self.stamp(now)
            try db.execute(
                sql: "INSERT INTO passwordReset (tokenHash, userId, createdAt, expiresAt) VALUES (?, ?, ?, ?)",
                arguments: [Self.tokenHash(token), userId, at, Self.stamp(now.addingTimeInterval(3600))])
            try Outbox.publish(
                db, topic: "password.reset",
                payload: ["to": email, "userId": String(userId), "link": "\(baseURL)/password/reset/\(token)"],
                idempotencyKey: "password.reset.\(db.lastInsertedRowID)", now: now)
            try db.execute(
                sql: "INSERT INTO auditLog (at, actorUserId, action, objectType, objectId) VALUES (?, ?, 'auth.password_reset_requested', 'user', ?)",
                arguments: [at, userId, String(userId)])
        }
    }

    /// Whether a reset token is valid now (for showing the form).
    public func passwordResetIsValid(token: String, now: Date = Date()) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM passwordReset WHERE tokenHash = ? AND usedAt IS NULL AND expiresAt > ?)",
                arguments: [Self.tokenHash(token), Self.stamp(now)]) ?? false
        }
    }

    /// Sets a new password with a valid one-time token, uses the token up and ends every session
    /// of the user. Throws `passwordReset.invalid` for an unknown, used or expired token.
    public func completePasswordReset(token: String, newPassword: String, hasher: PasswordHasher = .standard, now: Date = Date()) async throws {
        guard (8...1024).contains(newPassword.count) else {
            throw ValidationError(field: "password", code: "accounts.weak_password", message: AccountsError.weakPassword.message)
        }
        let hash = hasher.hash(newPassword)
        try await write { db in
            let at = Self.stamp(now)
            guard let row = try Row.fetchOne(
                db, sql: "SELECT id, userId FROM passwordReset WHERE tokenHash = ? AND usedAt IS NULL AND expiresAt > ?",
                arguments: [Self.tokenHash(token), at])
            else {
                throw DomainError(.invalid, code: "password_reset.invalid", message: "This link has expired or was already used. Ask for a new one.")
            }
            let userId: Int64 = row["userId"]
            try db.execute(sql: "UPDATE passwordReset SET usedAt = ? WHERE id = ?", arguments: [at, row["id"] as Int64])
            try db.execute(sql: "UPDATE user SET passwordHash = ? WHERE id = ?", arguments: [hash, userId])
            try db.execute(sql: "DELETE FROM session WHERE userId = ?", arguments: [userId])
            try db.execute(
                sql: "INSERT INTO auditLog (at, actorUserId, action, objectType, objectId) VALUES (?, ?, 'auth.password_reset', 'user', ?)",
                arguments: [at, userId, String(userId)])
        }
    }
}

/// A registration request as staff see it.
public struct RegistrationRequest: Sendable, Equatable {
    public var id: Int64
    public var companyName: String
    public var inn: String
    public var contactName: String
    public var email: String
    public var phone: String
    public var comment: String?
    public var status: String
    public var createdAt: String
    public var consentAt: String
    /// Counterparties already on the portal with the same tax id.
    public var matches: [Int64]
    /// When the applicant confirmed the phone with an SMS code, if they did.
    public var phoneVerifiedAt: String? = nil
}

extension WholesailDatabase {
    public func registrationRequests(status: String = "pending") async throws -> [RegistrationRequest] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, (SELECT group_concat(c.id) FROM counterparty c WHERE c.inn = r.inn) AS matches
                    FROM registrationRequest r WHERE r.status = ? ORDER BY r.createdAt, r.id
                    """, arguments: [status]
            ).map { row in
                RegistrationRequest(
                    id: row["id"], companyName: row["companyName"], inn: row["inn"], contactName: row["contactName"], email: row["email"],
                    phone: row["phone"], comment: row["comment"], status: row["status"], createdAt: row["createdAt"], consentAt: row["consentAt"],
                    matches: ((row["matches"] as String?) ?? "").split(separator: ",").compactMap { Int64($0) },
                    phoneVerifiedAt: row["phoneVerifiedAt"])
            }
        }
    }

    /// Accepts a pending request: links the applicant to an existing counterparty, or creates
    /// one from the request's company name and tax id; creates the user as that company's buyer
    /// admin (its first user) or buyer, and e-mails a one-time link to set the password (valid
    /// 7 days). One transaction; audited. Returns the new user's id.
    @discardableResult
    public func acceptRegistration(
        id: Int64, counterpartyId: Int64?, actor: Principal, baseURL: String, now: Date = Date()
    ) async throws -> Int64 {
        let token = Crypto.randomToken()
        return try await write { db in
            guard let request = try Row.fetchOne(db, sql: "SELECT * FROM registrationRequest WHERE id = ? AND status = 'pending'", arguments: [id])
            else { throw DomainError(.conflict, code: "registration.not_pending", message: "This request was already handled.") }
            let email: String = request["email"]
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM user WHERE email = ?)", arguments: [email]) == true {
                throw DomainError(.conflict, code: "accounts.duplicate_email", message: AccountsError.duplicateEmail(email).message)
            }
            let at = Self.stamp(now)
            let company: Int64
            if let counterpartyId {
                company = counterpartyId
            } else {
                try db.execute(
                    sql: "INSERT INTO counterparty (name, inn, kpp, createdAt) VALUES (?, ?, ?, ?)",
                    arguments: [request["companyName"] as String, request["inn"] as String, request["kpp"] as String?, at])
                company = db.lastInsertedRowID
            }
            let hasUsers = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM userCounterparty WHERE counterpartyId = ?)", arguments: [company]) ?? false
            let role = hasUsers ? "buyer" : "buyer_admin"
            try db.execute(
                sql: "INSERT INTO user (email, fullName, phone, status, defaultCounterpartyId, createdAt) VALUES (?, ?, ?, 'active', ?, ?)",
                arguments: [email, request["contactName"] as String, request["phone"] as String, company, at])
            let userId = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO userRole (userId, roleId) SELECT ?, id FROM role WHERE code = ?", arguments: [userId, role])
            try db.execute(sql: "INSERT INTO userCounterparty (userId, counterpartyId) VALUES (?, ?)", arguments: [userId, company])
            try db.execute(
                sql: "UPDATE registrationRequest SET status = 'accepted', counterpartyId = ?, userId = ?, decidedBy = ?, decidedAt = ? WHERE id = ?",
                arguments: [company, userId, actor.userId, at, id])
            try db.execute(
                sql: "INSERT INTO passwordReset (tokenHash, userId, createdAt, expiresAt) VALUES (?, ?, ?, ?)",
                arguments: [Self.tokenHash(token), userId, at, Self.stamp(now.addingTimeInterval(7 * 24 * 3600))])
            try Outbox.publish(
                db, topic: "registration.accepted",
                payload: ["to": email, "userId": String(userId), "name": request["contactName"] as String, "link": "\(baseURL)/password/reset/\(token)"],
                idempotencyKey: "registration.accepted.\(id)", now: now)
            try Self.audit(
                db, actor: actor.userId, action: "registration.accept", objectType: "registrationRequest", objectId: String(id),
                details: ["user": String(userId), "counterparty": String(company), "role": role], now: now)
            return userId
        }
    }

    /// Declines a pending request with a reason, e-mailed to the applicant. Audited.
    public func declineRegistration(id: Int64, reason: String, actor: Principal, now: Date = Date()) async throws {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 1000 else {
            throw ValidationError(field: "reason", code: "field.required", message: "Say why the request is declined.")
        }
        try await write { db in
            guard let email = try String.fetchOne(db, sql: "SELECT email FROM registrationRequest WHERE id = ? AND status = 'pending'", arguments: [id])
            else { throw DomainError(.conflict, code: "registration.not_pending", message: "This request was already handled.") }
            let at = Self.stamp(now)
            try db.execute(
                sql: "UPDATE registrationRequest SET status = 'declined', declineReason = ?, decidedBy = ?, decidedAt = ? WHERE id = ?",
                arguments: [reason, actor.userId, at, id])
            try Outbox.publish(
                db, topic: "registration.declined", payload: ["to": email, "reason": reason],
                idempotencyKey: "registration.declined.\(id)", now: now)
            try Self.audit(db, actor: actor.userId, action: "registration.decline", objectType: "registrationRequest", objectId: String(id), now: now)
        }
    }

    /// A user edits their own name, phone and language.
    public func updateProfile(userId: Int64, fullName: String, phone: String, locale: String, smsOptIn: Bool? = nil) async throws {
        var fields: [String: ValidationError.FieldIssue] = [:]
        if fullName.trimmingCharacters(in: .whitespaces).isEmpty { fields["fullName"] = .init(code: "field.required", message: "This field is required.") }
        if fullName.count > 200 { fields["fullName"] = .init(code: "field.too_long", message: "This is too long.") }
        if !phone.isEmpty {
            if !PhoneNumber.isPlausible(phone) { fields["phone"] = PhoneNumber.issue }
        }
        if !["ru", "en"].contains(locale) { fields["locale"] = .init(code: "field.required", message: "This field is required.") }
        if !fields.isEmpty { throw ValidationError(fields: fields) }
        try await write { db in
            try db.execute(
                sql: "UPDATE user SET fullName = ?, phone = ?, locale = ?, smsOptIn = coalesce(?, smsOptIn) WHERE id = ?",
                arguments: [fullName.trimmingCharacters(in: .whitespaces), phone.isEmpty ? nil : phone, locale, smsOptIn.map { $0 ? 1 : 0 }, userId])
        }
    }
}
