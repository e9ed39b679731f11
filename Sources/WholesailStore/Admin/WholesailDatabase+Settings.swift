import Foundation
import GRDB
import WholesailCore

extension WholesailDatabase {
    /// The portal-wide settings (defaults for missing rows).
    public func portalSettings() async throws -> PortalSettings {
        try await read { db in try Self.portalSettings(db) }
    }

    static func portalSettings(_ db: Database) throws -> PortalSettings {
        let keys = PortalSettings.Key.all.map { "'\($0)'" }.joined(separator: ", ")
        var rows: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM setting WHERE key IN (\(keys))") {
            rows[row["key"]] = row["value"]
        }
        return PortalSettings(rows: rows)
    }

    /// Saves the portal-wide settings in one transaction, audited with the new values.
    public func savePortalSettings(_ settings: PortalSettings, actor: Principal, now: Date = Date()) async throws {
        guard ["ru", "en"].contains(settings.defaultLanguage) else {
            throw ValidationError(field: "defaultLanguage", code: "field.required", message: "This field is required.")
        }
        try await write { db in
            let at = Self.stamp(now)
            for (key, value) in settings.rows.sorted(by: { $0.key < $1.key }) {
                try db.execute(
                    sql: """
                        INSERT INTO setting (key, value, updatedAt) VALUES (?, ?, ?)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt
                        """,
                    arguments: [key, value, at])
            }
            let who = Self.auditActor(actor)
            try Self.audit(db, actor: who.actor, actingAs: who.actingAs, action: "settings.portal", details: settings.rows, now: now)
        }
    }

    /// The seller organizations (the distributor's legal entities printed on bills).
    public func sellerOrganizations() async throws -> [SellerDetails] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sellerOrganization WHERE active = 1 ORDER BY id").map { row in
                SellerDetails(
                    id: row["id"], name: row["name"], inn: row["inn"], kpp: row["kpp"] ?? "", ogrn: row["ogrn"] ?? "", address: row["address"] ?? "",
                    bankName: row["bankName"] ?? "", bik: row["bik"] ?? "", account: row["account"] ?? "",
                    correspondentAccount: row["correspondentAccount"] ?? "", director: row["director"] ?? "", accountant: row["accountant"] ?? "",
                    orderPrefix: row["orderPrefix"])
            }
        }
    }

    /// Saves a seller organization's details (validated first; the order prefix stays, since
    /// order numbers are already issued with it). Audited.
    public func saveSellerDetails(_ details: SellerDetails, actor: Principal, now: Date = Date()) async throws {
        if let error = details.validate() { throw error }
        try await write { db in
            func optional(_ text: String) -> String? {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                return trimmed.isEmpty ? nil : trimmed
            }
            try db.execute(
                sql: """
                    UPDATE sellerOrganization SET name = ?, inn = ?, kpp = ?, ogrn = ?, address = ?, bankName = ?, bik = ?, account = ?,
                        correspondentAccount = ?, director = ?, accountant = ? WHERE id = ?
                    """,
                arguments: [
                    details.name.trimmingCharacters(in: .whitespaces), details.inn, optional(details.kpp), optional(details.ogrn), optional(details.address),
                    optional(details.bankName), optional(details.bik), optional(details.account), optional(details.correspondentAccount),
                    optional(details.director), optional(details.accountant), details.id,
                ])
            guard db.changesCount == 1 else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: "settings.seller", objectType: "sellerOrganization", objectId: String(details.id),
                details: ["name": details.name, "inn": details.inn], now: now)
        }
    }
}
