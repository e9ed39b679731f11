import Foundation
import GRDB
import WholesailCore

/// "Individual price detailing": when enabled, the cart asks the ERP for the final prices of its
/// lines (an HTTP POST answered within `timeoutMs`) and keeps the matrix's prices when the ERP
/// does not answer in time. Stored in `setting` (`pricing.erp_hook_*`).
public struct ERPPriceHookSettings: Sendable, Equatable {
    public var enabled: Bool
    public var url: String
    public var timeoutMs: Int

    public init(enabled: Bool = false, url: String = "", timeoutMs: Int = 1500) {
        self.enabled = enabled
        self.url = url
        self.timeoutMs = timeoutMs
    }

    static let keys = ["pricing.erp_hook_enabled", "pricing.erp_hook_url", "pricing.erp_hook_timeout_ms"]
}

/// What the ERP needs to know about a cart's buyer and lines: ERP ids where the ERP sent them.
public struct ERPPriceRequestInfo: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var productId: Int64
        public var productErpId: String?
        public var sku: String
        public var unitCode: String
    }

    public var counterpartyErpId: String?
    public var inn: String?
    public var agreementErpId: String?
    public var lines: [Line]
}

extension WholesailDatabase {
    public func erpPriceHookSettings() async throws -> ERPPriceHookSettings {
        try await read { db in
            var values: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM setting WHERE key LIKE 'pricing.erp_hook_%'") { values[row["key"]] = row["value"] }
            return ERPPriceHookSettings(
                enabled: values["pricing.erp_hook_enabled"] == "1", url: values["pricing.erp_hook_url"] ?? "",
                timeoutMs: values["pricing.erp_hook_timeout_ms"].flatMap { Int($0) } ?? 1500)
        }
    }

    /// Saves the hook's settings: an http(s) URL is required to enable it; the timeout is 100 to
    /// 10,000 ms (the cart waits that long at most). Audited.
    public func setERPPriceHookSettings(enabled: Bool, url rawURL: String, timeoutMs rawTimeout: String, actor: Principal) async throws {
        var issues: [String: ValidationError.FieldIssue] = [:]
        let url = rawURL.trimmingCharacters(in: .whitespaces)
        if !url.isEmpty || enabled {
            let parsed = URL(string: url)
            if parsed?.host == nil || !["http", "https"].contains(parsed?.scheme?.lowercased() ?? "") || url.count > 500 {
                issues["hookUrl"] = .init(code: "pricing.hook_bad_url", message: "Enter the ERP's address, such as https://erp.example/prices.")
            }
        }
        let timeout = Int(rawTimeout.trimmingCharacters(in: .whitespaces)) ?? -1
        if !(100...10_000).contains(timeout) {
            issues["hookTimeout"] = .init(code: "pricing.hook_bad_timeout", message: "The timeout is 100 to 10000 milliseconds.")
        }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        try await write { db in
            let now = Self.stamp(Date())
            for (key, value) in zip(ERPPriceHookSettings.keys, [enabled ? "1" : "0", url, String(timeout)]) {
                try db.execute(
                    sql: """
                        INSERT INTO setting (key, value, updatedAt) VALUES (?, ?, ?)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt
                        """, arguments: [key, value, now])
            }
            try Self.audit(
                db, actor: actor.userId, action: "pricing.erp_hook_set", objectType: "setting", objectId: "pricing.erp_hook",
                details: ["enabled": enabled ? "1" : "0", "url": url, "timeoutMs": String(timeout)])
        }
    }

    /// The ERP ids of a cart's company, agreement and products (for the price hook's request).
    public func erpPriceRequestInfo(counterpartyId: Int64, agreementId: Int64?, lines: [(productId: Int64, unitId: Int64)]) async throws -> ERPPriceRequestInfo {
        try await read { db in
            let company = try Row.fetchOne(db, sql: "SELECT erpId, inn FROM counterparty WHERE id = ?", arguments: [counterpartyId])
            let agreement = try agreementId.flatMap {
                try String.fetchOne(db, sql: "SELECT erpId FROM agreement WHERE id = ? AND counterpartyId = ?", arguments: [$0, counterpartyId])
            }
            var result: [ERPPriceRequestInfo.Line] = []
            for line in lines {
                let row = try Row.fetchOne(
                    db, sql: "SELECT p.erpId, p.sku, u.code FROM product p JOIN unit u ON u.id = ? WHERE p.id = ?", arguments: [line.unitId, line.productId])
                result.append(.init(productId: line.productId, productErpId: row?["erpId"], sku: row?["sku"] ?? "", unitCode: row?["code"] ?? ""))
            }
            return ERPPriceRequestInfo(counterpartyErpId: company?["erpId"], inn: company?["inn"], agreementErpId: agreement, lines: result)
        }
    }
}
