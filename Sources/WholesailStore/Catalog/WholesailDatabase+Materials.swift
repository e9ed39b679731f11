import Foundation
import GRDB
import WholesailCore

/// An advertising or media material: a file an editor publishes for all buyers or for the
/// members of some user groups.
public struct Material: Sendable, Equatable {
    public var id: Int64
    public var title: String
    public var description: String
    public var fileId: Int64
    public var fileName: String
    public var contentType: String
    public var size: Int
    /// nil: for everyone; else the ids of the groups it is for.
    public var groups: Set<Int64>?
    public var groupNames: [String]
    public var published: Bool
    public var publishedAt: String?
    public var createdAt: String
}

/// A new material from the editor's form.
public struct MaterialForm: Sendable, Equatable {
    public var title: String
    public var description: String
    /// nil: for everyone; else the groups (at least one).
    public var groups: Set<Int64>?
    public var publish: Bool

    public init(title: String, description: String = "", groups: Set<Int64>? = nil, publish: Bool = false) {
        self.title = title
        self.description = description
        self.groups = groups
        self.publish = publish
    }
}

/// A user group and how many members it has.
public struct UserGroupSummary: Sendable, Equatable {
    public var id: Int64
    public var code: String
    public var name: String
    public var members: Int
}

public enum MaterialRules {
    /// What a material may be: documents, pictures, presentations, archives (never SVG or HTML,
    /// which can carry scripts). Files are always handed out as attachments.
    public static let kinds: Set<ContentSniffer.Kind> = [.pdf, .png, .jpeg, .gif, .webp, .zip, .xlsx, .docx, .ole2]
    /// The limit of a page upload.
    public static let maxBytes = 10 * 1024 * 1024
}

extension WholesailDatabase {
    /// Who may see an object published for an audience; nil when there is no such object.
    public func audience(of kind: AudienceObjectKind, id: Int64) async throws -> Audience? {
        switch kind {
        case .material:
            try await read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT audience, published FROM material WHERE id = ?", arguments: [id]) else { return nil }
                let groups: Set<Int64>? =
                    row["audience"] as String == "all"
                    ? nil : Set(try Int64.fetchAll(db, sql: "SELECT userGroupId FROM materialGroup WHERE materialId = ?", arguments: [id]))
                return Audience(published: row["published"], groups: groups)
            }
        }
    }

    /// The materials a user may download: published, for everyone or for one of their groups;
    /// the newest first.
    public func materials(forGroups groups: Set<Int64>) async throws -> [Material] {
        try await fetchMaterials(
            condition: """
                m.published = 1 AND (m.audience = 'all'
                    OR EXISTS (SELECT 1 FROM materialGroup mg WHERE mg.materialId = m.id AND mg.userGroupId IN (SELECT value FROM json_each(:groups))))
                """, arguments: ["groups": Self.jsonIds(groups.sorted())])
    }

    /// Every material, published or not (the editor's list).
    public func allMaterials() async throws -> [Material] {
        try await fetchMaterials(condition: "1", arguments: [:])
    }

    public func material(id: Int64) async throws -> Material? {
        try await fetchMaterials(condition: "m.id = :id", arguments: ["id": id]).first
    }

    private func fetchMaterials(condition: String, arguments: [String: (any DatabaseValueConvertible & Sendable)?]) async throws -> [Material] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.id, m.title, m.description, m.fileId, m.audience, m.published, m.publishedAt, m.createdAt, f.fileName, b.contentType, b.size
                    FROM material m JOIN file f ON f.id = m.fileId JOIN blob b ON b.sha256 = f.blobSha256
                    WHERE \(condition) ORDER BY coalesce(m.publishedAt, m.createdAt) DESC, m.id DESC
                    """, arguments: StatementArguments(arguments.mapValues { $0 as (any DatabaseValueConvertible)? }))
            var groups: [Int64: [(Int64, String)]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT mg.materialId, g.id, g.name FROM materialGroup mg JOIN userGroup g ON g.id = mg.userGroupId ORDER BY g.name")
            {
                groups[row["materialId"], default: []].append((row["id"], row["name"]))
            }
            return rows.map { row in
                let id: Int64 = row["id"]
                let forGroups = row["audience"] as String == "groups"
                return Material(
                    id: id, title: row["title"], description: row["description"], fileId: row["fileId"], fileName: row["fileName"],
                    contentType: row["contentType"], size: row["size"], groups: forGroups ? Set((groups[id] ?? []).map(\.0)) : nil,
                    groupNames: forGroups ? (groups[id] ?? []).map(\.1) : [], published: row["published"], publishedAt: row["publishedAt"],
                    createdAt: row["createdAt"])
            }
        }
    }

    /// The file of a material (after the route's audience check).
    public func materialFileId(id: Int64) async throws -> Int64? {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT fileId FROM material WHERE id = ?", arguments: [id]) }
    }

    /// Stores a material's file in the blob store and adds it, published at once when asked.
    /// One transaction; audited (`material.add`, `material.publish`).
    @discardableResult
    public func addMaterial(_ form: MaterialForm, fileName: String, data: Data, actor: Principal, now: Date = Date()) async throws -> Int64 {
        var issues: [String: ValidationError.FieldIssue] = [:]
        let title = form.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { issues["title"] = .init(code: "field.required", message: "This field is required.") }
        if title.count > 200 { issues["title"] = .init(code: "field.too_long", message: "This is too long.") }
        if form.description.count > 2000 { issues["description"] = .init(code: "field.too_long", message: "This is too long.") }
        if data.isEmpty || data.count > MaterialRules.maxBytes || !MaterialRules.kinds.contains(ContentSniffer.sniff(data.prefix(4096))) {
            issues["file"] = .init(
                code: "material.bad_file", message: "A material must be a PDF, an image, an Office document or a ZIP archive up to 10 MB.")
        }
        if let groups = form.groups, groups.isEmpty {
            issues["audience"] = .init(code: "material.no_groups", message: "Choose at least one group, or publish for everyone.")
        }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        return try await write { db in
            if let groups = form.groups {
                let known = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM userGroup WHERE id IN (SELECT value FROM json_each(?))", arguments: [Self.jsonIds(groups.sorted())])
                guard known == groups.count else {
                    throw ValidationError(field: "audience", code: "material.no_groups", message: "Choose at least one group, or publish for everyone.")
                }
            }
            let sha = try Self.storeBlob(db, data)
            try db.execute(
                sql: "INSERT INTO file (blobSha256, fileName, title, kind) VALUES (?, ?, ?, 'document')",
                arguments: [sha, Self.safeFileName(fileName, fallback: "material"), title])
            let fileId = db.lastInsertedRowID
            let stamp = Self.stamp(now)
            try db.execute(
                sql: """
                    INSERT INTO material (title, description, fileId, audience, published, publishedAt, createdBy, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    title, form.description.trimmingCharacters(in: .whitespacesAndNewlines), fileId, form.groups == nil ? "all" : "groups",
                    form.publish, form.publish ? stamp : nil, actor.impersonatorId ?? actor.userId, stamp,
                ])
            let id = db.lastInsertedRowID
            for group in form.groups ?? [] {
                try db.execute(sql: "INSERT INTO materialGroup (materialId, userGroupId) VALUES (?, ?)", arguments: [id, group])
            }
            try Self.audit(db, actor: actor.impersonatorId ?? actor.userId, action: "material.add", objectType: "material", objectId: String(id))
            if form.publish {
                try Self.audit(db, actor: actor.impersonatorId ?? actor.userId, action: "material.publish", objectType: "material", objectId: String(id))
            }
            return id
        }
    }

    /// Changes a material's title, description and audience (the file stays).
    public func updateMaterial(id: Int64, _ form: MaterialForm, actor: Principal) async throws {
        let title = form.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty || title.count > 200 {
            throw ValidationError(field: "title", code: title.isEmpty ? "field.required" : "field.too_long", message: "Give the material a title.")
        }
        if let groups = form.groups, groups.isEmpty {
            throw ValidationError(field: "audience", code: "material.no_groups", message: "Choose at least one group, or publish for everyone.")
        }
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM material WHERE id = ?)", arguments: [id]) == true else {
                throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
            }
            try db.execute(
                sql: "UPDATE material SET title = ?, description = ?, audience = ? WHERE id = ?",
                arguments: [title, String(form.description.trimmingCharacters(in: .whitespacesAndNewlines).prefix(2000)), form.groups == nil ? "all" : "groups", id])
            try db.execute(sql: "DELETE FROM materialGroup WHERE materialId = ?", arguments: [id])
            for group in form.groups ?? [] {
                try db.execute(
                    sql: "INSERT INTO materialGroup (materialId, userGroupId) SELECT ?, id FROM userGroup WHERE id = ?", arguments: [id, group])
            }
            try Self.audit(db, actor: actor.impersonatorId ?? actor.userId, action: "material.edit", objectType: "material", objectId: String(id))
        }
    }

    /// Publishes or withdraws a material; audited.
    public func setMaterialPublished(id: Int64, _ published: Bool, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE material SET published = ?, publishedAt = CASE WHEN ? THEN ? ELSE publishedAt END WHERE id = ?",
                arguments: [published, published, Self.stamp(now), id])
            guard db.changesCount > 0 else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            try Self.audit(
                db, actor: actor.impersonatorId ?? actor.userId, action: published ? "material.publish" : "material.unpublish", objectType: "material",
                objectId: String(id))
        }
    }

    /// Deletes a material and its file entry (the blob stays if anything else stores the same bytes).
    public func deleteMaterial(id: Int64, actor: Principal) async throws {
        try await write { db in
            guard let fileId = try Int64.fetchOne(db, sql: "SELECT fileId FROM material WHERE id = ?", arguments: [id]) else {
                throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
            }
            try db.execute(sql: "DELETE FROM material WHERE id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM file WHERE id = ? AND NOT EXISTS (SELECT 1 FROM material WHERE fileId = ?)", arguments: [fileId, fileId])
            try Self.audit(db, actor: actor.impersonatorId ?? actor.userId, action: "material.delete", objectType: "material", objectId: String(id))
        }
    }

    // MARK: - User groups

    public func userGroupSummaries() async throws -> [UserGroupSummary] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT g.id, g.code, g.name, (SELECT count(*) FROM userGroupMember m WHERE m.userGroupId = g.id) AS members
                    FROM userGroup g ORDER BY g.name, g.id
                    """
            ).map { UserGroupSummary(id: $0["id"], code: $0["code"], name: $0["name"], members: $0["members"]) }
        }
    }

    /// The members of a group: id, e-mail, name and their companies.
    public func userGroupMembers(groupId: Int64) async throws -> [(id: Int64, email: String, name: String, companies: String)] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.id, u.email, u.fullName,
                        (SELECT group_concat(c.name, ', ') FROM userCounterparty uc JOIN counterparty c ON c.id = uc.counterpartyId WHERE uc.userId = u.id)
                            AS companies
                    FROM userGroupMember m JOIN user u ON u.id = m.userId WHERE m.userGroupId = ? ORDER BY u.email
                    """, arguments: [groupId]
            ).map { ($0["id"], $0["email"], $0["fullName"], $0["companies"] ?? "") }
        }
    }

    /// Adds a group (its code is unique; a code taken is a field error). Audited.
    @discardableResult
    public func createUserGroup(code: String, name: String, actor: Principal) async throws -> Int64 {
        let code = code.trimmingCharacters(in: .whitespaces).lowercased()
        let name = name.trimmingCharacters(in: .whitespaces)
        var issues: [String: ValidationError.FieldIssue] = [:]
        if code.isEmpty || code.count > 50 || !code.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_".unicodeScalars.contains($0) }) {
            issues["code"] = .init(code: "group.bad_code", message: "A code is up to 50 letters, digits, - or _.")
        }
        if name.isEmpty || name.count > 200 { issues["name"] = .init(code: "field.required", message: "This field is required.") }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        return try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM userGroup WHERE code = ?)", arguments: [code]) == false else {
                throw ValidationError(field: "code", code: "group.code_taken", message: "A group with this code exists.")
            }
            try db.execute(sql: "INSERT INTO userGroup (code, name) VALUES (?, ?)", arguments: [code, name])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor: actor.impersonatorId ?? actor.userId, action: "group.create", objectType: "userGroup", objectId: String(id))
            return id
        }
    }

    public func deleteUserGroup(id: Int64, actor: Principal) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM userGroup WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            try Self.audit(db, actor: actor.impersonatorId ?? actor.userId, action: "group.delete", objectType: "userGroup", objectId: String(id))
        }
    }

    /// Adds users to a group by e-mail (one per line or comma); unknown addresses are a field error
    /// and nothing is added. Audited.
    public func addUserGroupMembers(groupId: Int64, emails: [String], actor: Principal) async throws {
        let emails = emails.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard !emails.isEmpty else { throw ValidationError(field: "emails", code: "field.required", message: "This field is required.") }
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM userGroup WHERE id = ?)", arguments: [groupId]) == true else {
                throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
            }
            var ids: [Int64] = []
            var unknown: [String] = []
            for email in emails {
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE lower(email) = ?", arguments: [email]) { ids.append(id) } else { unknown.append(email) }
            }
            guard unknown.isEmpty else {
                throw ValidationError(
                    field: "emails", code: "group.unknown_users", message: "No accounts for: \(unknown.prefix(10).joined(separator: ", ")).")
            }
            for id in ids {
                try db.execute(sql: "INSERT INTO userGroupMember (userGroupId, userId) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [groupId, id])
            }
            try Self.audit(
                db, actor: actor.impersonatorId ?? actor.userId, action: "group.members_add", objectType: "userGroup", objectId: String(groupId),
                details: ["users": ids.map(String.init).joined(separator: ",")])
        }
    }

    public func removeUserGroupMember(groupId: Int64, userId: Int64, actor: Principal) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM userGroupMember WHERE userGroupId = ? AND userId = ?", arguments: [groupId, userId])
            try Self.audit(
                db, actor: actor.impersonatorId ?? actor.userId, action: "group.member_remove", objectType: "userGroup", objectId: String(groupId),
                details: ["user": String(userId)])
        }
    }
}
