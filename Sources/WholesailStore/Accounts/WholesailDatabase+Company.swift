import Foundation
import GRDB
import WholesailCore

/// A colleague as the buyer admin's users page lists them.
public struct CompanyUser: Sendable, Equatable {
    public var id: Int64
    public var email: String
    public var fullName: String
    public var phone: String?
    public var status: String
    public var roles: [String]
    public var lastLoginAt: String?
    /// False for an invited user who has not set a password yet.
    public var hasPassword: Bool = true
}

/// A delivery address of a counterparty.
public struct DeliveryAddress: Sendable, Equatable {
    public var id: Int64
    public var address: String
    public var consignee: String?
    public var contactName: String?
    public var contactPhone: String?
    public var comment: String?
    public var isDefault: Bool
}

/// The fields of a new delivery address, validated together.
public struct AddressForm: Sendable {
    public var address: String
    public var consignee: String
    public var contactName: String
    public var contactPhone: String
    public var comment: String

    public init(address: String, consignee: String = "", contactName: String = "", contactPhone: String = "", comment: String = "") {
        self.address = address
        self.consignee = consignee
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.comment = comment
    }

    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let trimmed = address.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { fields["address"] = .init(code: "field.required", message: "This field is required.") }
        if address.count > 1000 { fields["address"] = .init(code: "field.too_long", message: "This is too long.") }
        for (name, value) in [("consignee", consignee), ("contactName", contactName), ("comment", comment)] where value.count > 500 {
            fields[name] = .init(code: "field.too_long", message: "This is too long.")
        }
        if !contactPhone.isEmpty {
            if !PhoneNumber.isPlausible(contactPhone) { fields["contactPhone"] = PhoneNumber.issue }
        }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}

extension WholesailDatabase {
    /// Writes one audit record inside the caller's transaction; `actor` is who really acted
    /// (the manager, when acting as a user), `actingAs` the user whose session it was.
    public static func audit(
        _ db: Database, actor: Int64?, actingAs: Int64? = nil, action: String, objectType: String? = nil, objectId: String? = nil,
        details: [String: String]? = nil, ip: String? = nil, now: Date = Date()
    ) throws {
        let json = try details.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try db.execute(
            sql: "INSERT INTO auditLog (at, actorUserId, actingAsUserId, action, objectType, objectId, details, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [stamp(now), actor, actingAs, action, objectType, objectId, json, ip])
    }

    /// The users of a counterparty, for its buyer admin and its managers.
    public func companyUsers(counterpartyId: Int64) async throws -> [CompanyUser] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.id, u.email, u.fullName, u.phone, u.status, u.lastLoginAt, u.passwordHash IS NOT NULL AS hasPassword,
                        (SELECT group_concat(r.code) FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = u.id) AS roles
                    FROM userCounterparty uc JOIN user u ON u.id = uc.userId
                    WHERE uc.counterpartyId = ? ORDER BY u.fullName, u.email
                    """, arguments: [counterpartyId]
            ).map { row in
                CompanyUser(
                    id: row["id"], email: row["email"], fullName: row["fullName"], phone: row["phone"], status: row["status"],
                    roles: ((row["roles"] as String?) ?? "").split(separator: ",").map(String.init).sorted(), lastLoginAt: row["lastLoginAt"],
                    hasPassword: row["hasPassword"] == 1)
            }
        }
    }

    /// A buyer admin creates an account for a colleague of their own company: role `buyer` or
    /// `buyer_admin` only, active at once, with a password they pass on (or a reset link later).
    /// Validates before writing; audited; one transaction.
    @discardableResult
    public func createColleague(
        counterpartyId: Int64, email rawEmail: String, fullName: String, phone: String, role: String, password: String,
        actor: Principal, hasher: PasswordHasher = .standard, now: Date = Date()
    ) async throws -> Int64 {
        let email = rawEmail.trimmingCharacters(in: .whitespaces)
        var fields: [String: ValidationError.FieldIssue] = [:]
        if !EmailAddress.isValid(email) { fields["email"] = .init(code: "field.bad_email", message: "Enter a valid e-mail address.") }
        if fullName.trimmingCharacters(in: .whitespaces).isEmpty { fields["fullName"] = .init(code: "field.required", message: "This field is required.") }
        if fullName.count > 200 { fields["fullName"] = .init(code: "field.too_long", message: "This is too long.") }
        if phone.count > 40 { fields["phone"] = .init(code: "field.too_long", message: "This is too long.") }
        if !["buyer", "buyer_admin"].contains(role) {
            fields["role"] = .init(code: "accounts.unknown_role", message: "Choose buyer or buyer administrator.")
        }
        if !(8...1024).contains(password.count) { fields["password"] = .init(code: "accounts.weak_password", message: AccountsError.weakPassword.message) }
        if !fields.isEmpty { throw ValidationError(fields: fields) }
        let hash = hasher.hash(password)
        return try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM user WHERE email = ?)", arguments: [email]) == true {
                throw ValidationError(field: "email", code: "accounts.duplicate_email", message: AccountsError.duplicateEmail(email).message)
            }
            try db.execute(
                sql: "INSERT INTO user (email, fullName, phone, passwordHash, status, defaultCounterpartyId, createdAt) VALUES (?, ?, ?, ?, 'active', ?, ?)",
                arguments: [email, fullName.trimmingCharacters(in: .whitespaces), phone.isEmpty ? nil : phone, hash, counterpartyId, Self.stamp(now)])
            let userId = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO userRole (userId, roleId) SELECT ?, id FROM role WHERE code = ?", arguments: [userId, role])
            try db.execute(sql: "INSERT INTO userCounterparty (userId, counterpartyId) VALUES (?, ?)", arguments: [userId, counterpartyId])
            try Self.audit(
                db, actor: actor.impersonatorId ?? actor.userId, actingAs: actor.impersonatorId == nil ? nil : actor.userId,
                action: "user.create", objectType: "user", objectId: String(userId), details: ["role": role, "counterparty": String(counterpartyId)],
                now: now)
            try Outbox.publish(
                db, topic: "account.created", payload: ["to": email, "name": fullName, "userId": String(userId)], idempotencyKey: "account.created.\(userId)", now: now)
            return userId
        }
    }

    /// Enables or disables a user (a buyer admin's colleague); disabling ends their sessions.
    /// Staff accounts and oneself cannot be changed this way. Audited; the user gets an e-mail.
    public func setUserStatus(userId: Int64, active: Bool, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            try Self.changeUserStatus(db, userId: userId, active: active, actor: actor, counterpartyId: nil, now: now)
        }
    }

    // MARK: Addresses

    public func deliveryAddresses(counterpartyId: Int64) async throws -> [DeliveryAddress] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM deliveryAddress WHERE counterpartyId = ? ORDER BY isDefault DESC, address", arguments: [counterpartyId]
            ).map { row in
                DeliveryAddress(
                    id: row["id"], address: row["address"], consignee: row["consignee"], contactName: row["contactName"],
                    contactPhone: row["contactPhone"], comment: row["comment"], isDefault: row["isDefault"])
            }
        }
    }

    @discardableResult
    public func addDeliveryAddress(counterpartyId: Int64, _ form: AddressForm, actor: Principal) async throws -> Int64 {
        if let error = form.validate() { throw error }
        return try await write { db in
            func optional(_ text: String) -> String? {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                return trimmed.isEmpty ? nil : trimmed
            }
            let isFirst = try Int.fetchOne(db, sql: "SELECT count(*) FROM deliveryAddress WHERE counterpartyId = ?", arguments: [counterpartyId]) == 0
            try db.execute(
                sql: """
                    INSERT INTO deliveryAddress (counterpartyId, address, consignee, contactName, contactPhone, comment, isDefault)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    counterpartyId, form.address.trimmingCharacters(in: .whitespacesAndNewlines), optional(form.consignee),
                    optional(form.contactName), optional(form.contactPhone), optional(form.comment), isFirst,
                ])
            let id = db.lastInsertedRowID
            try Self.audit(
                db, actor: actor.impersonatorId ?? actor.userId, actingAs: actor.impersonatorId == nil ? nil : actor.userId,
                action: "address.create", objectType: "deliveryAddress", objectId: String(id))
            return id
        }
    }

    public func deleteDeliveryAddress(id: Int64, actor: Principal) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM deliveryAddress WHERE id = ?", arguments: [id])
            try Self.audit(
                db, actor: actor.impersonatorId ?? actor.userId, actingAs: actor.impersonatorId == nil ? nil : actor.userId,
                action: "address.delete", objectType: "deliveryAddress", objectId: String(id))
        }
    }

    // MARK: Log in as a user

    /// A manager (for their customers) or an admin (for anyone) starts acting as a buyer in
    /// their own session; audited with both identities, and the user gets an e-mail saying who
    /// did (`account.acted_as`). Staff accounts cannot be impersonated.
    public func startActingAs(sessionId: Int64, staff: Principal, target userId: Int64, ip: String?, now: Date = Date()) async throws {
        try await write { db in
            let targetIsStaff = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = ? AND r.isStaff = 1)",
                arguments: [userId]) ?? false
            guard !targetIsStaff, userId != staff.userId else {
                throw DomainError(.forbidden, code: "access.impersonate_staff", message: "Staff accounts cannot be impersonated.")
            }
            guard try String.fetchOne(db, sql: "SELECT status FROM user WHERE id = ?", arguments: [userId]) == "active" else {
                throw DomainError(.conflict, code: "access.impersonate_inactive", message: "This account is not active.")
            }
            let counterparty = try Int64.fetchOne(
                db, sql: "SELECT coalesce(defaultCounterpartyId, (SELECT min(counterpartyId) FROM userCounterparty WHERE userId = ?)) FROM user WHERE id = ?",
                arguments: [userId, userId])
            try db.execute(
                sql: "UPDATE session SET actingAsUserId = ?, currentCounterpartyId = ? WHERE id = ?", arguments: [userId, counterparty, sessionId])
            try Self.audit(db, actor: staff.userId, actingAs: userId, action: "auth.act_as_start", objectType: "user", objectId: String(userId), ip: ip, now: now)
            // The user is told who opened the portal as them (no webhooks: it is about one person).
            let auditId = db.lastInsertedRowID
            let target = try Row.fetchOne(db, sql: "SELECT email, fullName FROM user WHERE id = ?", arguments: [userId])
            try Outbox.publish(
                db, topic: "account.acted_as",
                payload: [
                    "to": target?["email"] ?? "", "userId": String(userId), "name": target?["fullName"] ?? "",
                    "staff": staff.fullName.isEmpty ? staff.email : staff.fullName,
                ],
                idempotencyKey: "account.acted_as.\(auditId)", now: now)
        }
    }

    /// Returns the session to the staff member's own identity.
    public func stopActingAs(sessionId: Int64, staffUserId: Int64, actingAs: Int64, ip: String?, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE session SET actingAsUserId = NULL, currentCounterpartyId = NULL WHERE id = ?", arguments: [sessionId])
            try Self.audit(db, actor: staffUserId, actingAs: actingAs, action: "auth.act_as_stop", objectType: "user", objectId: String(actingAs), ip: ip, now: now)
        }
    }

    /// The counterparty card: what its own users and its managers see.
    public func counterpartyCard(id: Int64) async throws -> CounterpartyCard? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT c.id, c.name, c.inn, c.kpp, c.legalAddress, c.creditLimitMinor, c.currency, c.paymentTermDays, c.blocked,
                        h.name AS holding, r.name AS region,
                        (SELECT ifnull(sum(amountMinor), 0) FROM settlement s WHERE s.counterpartyId = c.id) AS balanceMinor
                    FROM counterparty c LEFT JOIN holding h ON h.id = c.holdingId LEFT JOIN region r ON r.id = c.regionId WHERE c.id = ?
                    """, arguments: [id]
            ).map { row in
                CounterpartyCard(
                    id: row["id"], name: row["name"], inn: row["inn"], kpp: row["kpp"], legalAddress: row["legalAddress"],
                    holding: row["holding"], region: row["region"], creditLimitMinor: row["creditLimitMinor"], currency: row["currency"],
                    paymentTermDays: row["paymentTermDays"], blocked: row["blocked"], balanceMinor: row["balanceMinor"])
            }
        }
    }
}

/// A counterparty as its users and managers see it: tax ids, region, credit terms and balance
/// (positive: the company owes; from the settlements the ERP reports).
public struct CounterpartyCard: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var inn: String?
    public var kpp: String?
    public var legalAddress: String?
    public var holding: String?
    public var region: String?
    public var creditLimitMinor: Int64
    public var currency: String
    public var paymentTermDays: Int
    public var blocked: Bool
    public var balanceMinor: Int64
}

extension WholesailDatabase {
    /// A user's own editable details.
    public func userProfile(id: Int64) async throws -> (fullName: String, phone: String, locale: String)? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT fullName, phone, locale FROM user WHERE id = ?", arguments: [id])
                .map { (fullName: $0["fullName"] as String, phone: ($0["phone"] as String?) ?? "", locale: $0["locale"] as String) }
        }
    }

    /// Records one audit entry in its own transaction (for actions that write nothing else).
    public func recordAudit(
        actor: Int64?, actingAs: Int64? = nil, action: String, objectType: String? = nil, objectId: String? = nil, ip: String? = nil
    ) async throws {
        try await write { db in
            try Self.audit(db, actor: actor, actingAs: actingAs, action: action, objectType: objectType, objectId: objectId, ip: ip)
        }
    }
}
