import Foundation
import GRDB
import WholesailCore

/// A stored news item.
public struct NewsItem: Sendable, Equatable {
    public var id: Int64
    public var title: String
    public var bodyHtml: String
    public var date: String
    public var published: Bool
}

/// A saved version of the personal-data policy.
public struct PolicyVersion: Sendable, Equatable {
    public var version: String
    public var bodyHtml: String
    public var createdAt: String
}

extension WholesailDatabase {
    // MARK: News

    static func newsItem(_ row: Row) -> NewsItem {
        NewsItem(id: row["id"], title: row["title"], bodyHtml: row["bodyHtml"], date: row["newsDate"], published: row["published"])
    }

    /// News newest first: published only (buyers) or all (editors), optionally matching a search
    /// in the title, a page at a time.
    public func newsList(publishedOnly: Bool, search: String = "", page: Int = 1, perPage: Int = 20) async throws -> (items: [NewsItem], total: Int) {
        if search.isEmpty {
            return try await read { db in
                let arguments: StatementArguments = ["all": !publishedOnly, "limit": perPage, "offset": max(0, page - 1) * perPage]
                let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM news WHERE :all OR published = 1", arguments: arguments) ?? 0
                let items = try Row.fetchAll(
                    db, sql: "SELECT * FROM news WHERE :all OR published = 1 ORDER BY newsDate DESC, id DESC LIMIT :limit OFFSET :offset", arguments: arguments
                ).map(Self.newsItem)
                return (items, total)
            }
        }
        // A search in titles, case-insensitive in any alphabet (SQLite's LIKE folds ASCII only).
        let rows = try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, title, '' AS bodyHtml, newsDate, published FROM news WHERE ? OR published = 1 ORDER BY newsDate DESC, id DESC",
                arguments: [!publishedOnly]
            ).map(Self.newsItem)
        }
        let found = rows.filter { Self.matches(search, [$0.title]) }
        return (Self.pageOf(found, page: page, perPage: perPage), found.count)
    }

    public func newsItem(id: Int64) async throws -> NewsItem? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM news WHERE id = ?", arguments: [id]).map(Self.newsItem) }
    }

    /// Creates or updates a news item; the body is sanitized to the safe HTML subset. Audited.
    @discardableResult
    public func saveNews(_ entry: NewsEntry, actor: Principal, now: Date = Date()) async throws -> Int64 {
        if let error = entry.validate() { throw error }
        let title = entry.title.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = HTMLSanitizer.sanitize(entry.bodyHtml)
        return try await write { db in
            let at = Self.stamp(now)
            let id = try Self.saveRow(
                db, table: "news", id: entry.id, columns: ["title", "bodyHtml", "newsDate", "published", "updatedAt"],
                values: [title, body, entry.date, entry.published, at], insertOnly: [("createdBy", actor.userId), ("createdAt", at)])
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: entry.id == nil ? "news.create" : "news.update", objectType: "news",
                objectId: String(id), details: ["title": title, "published": entry.published ? "1" : "0"], now: now)
            return id
        }
    }

    public func deleteNews(id: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            guard let title = try String.fetchOne(db, sql: "SELECT title FROM news WHERE id = ?", arguments: [id]) else { throw Self.notFoundError }
            try db.execute(sql: "DELETE FROM news WHERE id = ?", arguments: [id])
            let who = Self.auditActor(actor)
            try Self.audit(db, actor: who.actor, actingAs: who.actingAs, action: "news.delete", objectType: "news", objectId: String(id), details: ["title": title], now: now)
        }
    }

    // MARK: The personal-data policy

    /// The version in force: the newest saved one (nil before any was saved: the built-in text).
    public func currentPolicy() async throws -> PolicyVersion? {
        try await read { db in try Self.currentPolicy(db) }
    }

    static func currentPolicy(_ db: Database) throws -> PolicyVersion? {
        try Row.fetchOne(db, sql: "SELECT version, bodyHtml, createdAt FROM policyVersion ORDER BY id DESC LIMIT 1").map {
            PolicyVersion(version: $0["version"], bodyHtml: $0["bodyHtml"], createdAt: $0["createdAt"])
        }
    }

    /// The version a consent given now refers to.
    static func consentVersion(_ db: Database) throws -> String {
        try String.fetchOne(db, sql: "SELECT version FROM policyVersion ORDER BY id DESC LIMIT 1") ?? PolicyText.builtInVersion
    }

    /// Every saved version, newest first.
    public func policyVersions() async throws -> [PolicyVersion] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT version, bodyHtml, createdAt FROM policyVersion ORDER BY id DESC").map {
                PolicyVersion(version: $0["version"], bodyHtml: $0["bodyHtml"], createdAt: $0["createdAt"])
            }
        }
    }

    public func policyVersion(_ version: String) async throws -> PolicyVersion? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT version, bodyHtml, createdAt FROM policyVersion WHERE version = ?", arguments: [version]).map {
                PolicyVersion(version: $0["version"], bodyHtml: $0["bodyHtml"], createdAt: $0["createdAt"])
            }
        }
    }

    /// Saves the policy text as a new version named by the day (`2026-11-29`, then `2026-11-29.2`
    /// for a second save that day); the text is sanitized. Audited. Returns the version.
    @discardableResult
    public func savePolicy(bodyHtml: String, actor: Principal, now: Date = Date()) async throws -> String {
        if let error = PolicyText.validate(bodyHtml) { throw error }
        let body = HTMLSanitizer.sanitize(bodyHtml.trimmingCharacters(in: .whitespacesAndNewlines))
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError(field: "body", code: "field.required", message: "This field is required.")
        }
        return try await write { db in
            let at = Self.stamp(now)
            let day = String(at.prefix(10))
            let sameDay = try Int.fetchOne(db, sql: "SELECT count(*) FROM policyVersion WHERE version = ? OR version LIKE ?", arguments: [day, day + ".%"]) ?? 0
            let version = sameDay == 0 ? day : "\(day).\(sameDay + 1)"
            try db.execute(
                sql: "INSERT INTO policyVersion (version, bodyHtml, createdBy, createdAt) VALUES (?, ?, ?, ?)", arguments: [version, body, actor.userId, at])
            let who = Self.auditActor(actor)
            try Self.audit(db, actor: who.actor, actingAs: who.actingAs, action: "policy.save", objectType: "policyVersion", objectId: version, now: now)
            return version
        }
    }
}

/// A stored banner with its image.
public struct BannerRow: Sendable, Equatable {
    public var entry: BannerEntry
    public var imageSha256: String
    public var fileName: String
    public var groupName: String?
}

extension WholesailDatabase {
    // MARK: Banners

    static func bannerRow(_ row: Row) -> BannerRow {
        BannerRow(
            entry: BannerEntry(
                id: row["id"], title: row["title"], link: row["link"] ?? "", position: row["position"], startsOn: row["startsOn"] ?? "",
                endsOn: row["endsOn"] ?? "", userGroupId: row["userGroupId"], active: row["active"], sortOrder: row["sortOrder"]),
            imageSha256: row["blobSha256"], fileName: row["fileName"], groupName: row["groupName"])
    }

    static let bannerSelect = """
        SELECT b.*, f.blobSha256, f.fileName, g.name AS groupName FROM banner b JOIN file f ON f.id = b.fileId
        LEFT JOIN userGroup g ON g.id = b.userGroupId
        """

    /// Every banner (editors), by position and order.
    public func banners() async throws -> [BannerRow] {
        try await read { db in
            try Row.fetchAll(db, sql: Self.bannerSelect + " ORDER BY b.position, b.sortOrder, b.id").map(Self.bannerRow)
        }
    }

    public func banner(id: Int64) async throws -> BannerRow? {
        try await read { db in try Row.fetchOne(db, sql: Self.bannerSelect + " WHERE b.id = ?", arguments: [id]).map(Self.bannerRow) }
    }

    /// The banners a person sees on the front page today: active, within their days, and for
    /// everyone or for one of the person's user groups (`userId` nil: a visitor).
    public func visibleBanners(userId: Int64?, day: String) async throws -> [BannerRow] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: Self.bannerSelect + """
                     WHERE b.active = 1 AND (b.startsOn IS NULL OR b.startsOn <= :day) AND (b.endsOn IS NULL OR b.endsOn >= :day)
                        AND (b.userGroupId IS NULL OR b.userGroupId IN (SELECT userGroupId FROM userGroupMember WHERE userId = :user))
                    ORDER BY b.position, b.sortOrder, b.id
                    """, arguments: ["day": day, "user": userId]
            ).map(Self.bannerRow)
        }
    }

    /// Creates a banner (an image is required) or updates one (a new image replaces the old).
    /// The image must be PNG, JPEG, WebP or GIF up to 10 MB; it is stored as a public image file.
    /// Audited. Returns the id.
    @discardableResult
    public func saveBanner(_ entry: BannerEntry, image: (fileName: String, data: Data)?, actor: Principal, now: Date = Date()) async throws -> Int64 {
        var problems = entry.validate()?.fields ?? [:]
        if let image, !image.data.isEmpty {
            if image.data.count > EditingRules.maxBytes || !EditingRules.imageKinds.contains(ContentSniffer.sniff(image.data.prefix(4096))) {
                problems["image"] = .init(code: "editor.bad_image", message: "A photo must be a PNG, JPEG, WebP or GIF image up to 10 MB.")
            }
        } else if entry.id == nil {
            problems["image"] = .init(code: "field.required", message: "This field is required.")
        }
        if !problems.isEmpty { throw ValidationError(fields: problems) }
        let title = entry.title.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await write { db in
            if let group = entry.userGroupId, try Bool.fetchOne(db, sql: "SELECT 1 FROM userGroup WHERE id = ?", arguments: [group]) == nil {
                throw ValidationError(field: "userGroupId", code: "field.invalid", message: "Choose one of the options.")
            }
            var fileId: Int64?
            if let image, !image.data.isEmpty {
                let sha = try Self.storeBlob(db, image.data)
                try db.execute(
                    sql: "INSERT INTO file (blobSha256, fileName, kind) VALUES (?, ?, 'image')", arguments: [sha, Self.safeFileName(image.fileName, fallback: "banner")])
                fileId = db.lastInsertedRowID
            }
            let at = Self.stamp(now)
            let values: StatementArguments = [
                title, entry.link.isEmpty ? nil : entry.link, entry.position, entry.startsOn.isEmpty ? nil : entry.startsOn,
                entry.endsOn.isEmpty ? nil : entry.endsOn, entry.userGroupId, entry.active, entry.sortOrder, at,
            ]
            let id: Int64
            if let existing = entry.id {
                try db.execute(
                    sql: """
                        UPDATE banner SET title = ?, link = ?, position = ?, startsOn = ?, endsOn = ?, userGroupId = ?, active = ?, sortOrder = ?, updatedAt = ?,
                            fileId = coalesce(?, fileId) WHERE id = ?
                        """, arguments: values + [fileId, existing])
                guard db.changesCount == 1 else { throw Self.notFoundError }
                id = existing
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO banner (title, link, position, startsOn, endsOn, userGroupId, active, sortOrder, updatedAt, fileId)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: values + [fileId])
                id = db.lastInsertedRowID
            }
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: entry.id == nil ? "banner.create" : "banner.update", objectType: "banner",
                objectId: String(id), details: ["title": title, "position": entry.position], now: now)
            return id
        }
    }

    public func deleteBanner(id: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            guard let title = try String.fetchOne(db, sql: "SELECT title FROM banner WHERE id = ?", arguments: [id]) else { throw Self.notFoundError }
            try db.execute(sql: "DELETE FROM banner WHERE id = ?", arguments: [id])
            let who = Self.auditActor(actor)
            try Self.audit(db, actor: who.actor, actingAs: who.actingAs, action: "banner.delete", objectType: "banner", objectId: String(id), details: ["title": title], now: now)
        }
    }
}
