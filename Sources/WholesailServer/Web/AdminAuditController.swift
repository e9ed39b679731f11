import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// The admin's audit log: who did what to which object and when, newest first, with filters by
/// action, actor, object and days, and pages.
struct AdminAuditController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    /// The groups of actions offered as suggestions in the filter.
    static let actionGroups = [
        "auth", "user", "registration", "customer", "counterparty", "settings", "order", "order_status", "address", "ticket", "pricing",
        "promocode", "cart_threshold", "role", "import", "exchange", "outbox", "webhook", "editor", "admin",
    ]

    func mount(on routes: Routes) {
        routes.get("/admin/audit", .permission("admin.audit"), use: list)
    }

    @Sendable func list(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try context.require("admin.audit")
        let t = renderer.localizer(context.language)
        func query(_ name: String, _ limit: Int) -> String {
            String((request.uri.queryParameters[Substring(name)].map(String.init) ?? "").trimmingCharacters(in: .whitespaces).prefix(limit))
        }
        func day(_ name: String) -> String {
            let value = query(name, 10)
            let parts = value.split(separator: "-")
            return value.count == 10 && parts.count == 3 && parts.allSatisfy({ part in part.allSatisfy { $0.isASCII && $0.isNumber } }) ? value : ""
        }
        var filter = AuditFilter()
        filter.action = query("action", 64)
        filter.actor = query("actor", 100)
        filter.objectType = query("objectType", 64)
        filter.objectId = query("objectId", 64)
        filter.from = day("from")
        filter.to = day("to")
        filter.page = max(1, Int(query("page", 6)) ?? 1)
        let result = try await database.auditEntries(filter)
        var kept: [String: [String]] = [:]
        for (key, value) in [
            ("action", filter.action), ("actor", filter.actor), ("objectType", filter.objectType), ("objectId", filter.objectId),
            ("from", filter.from), ("to", filter.to),
        ] where !value.isEmpty {
            kept[key] = [value]
        }
        return renderer.render(
            "admin-audit",
            [
                "title": t["audit.title"],
                "filter": [
                    "action": filter.action, "actor": filter.actor, "objectType": filter.objectType, "objectId": filter.objectId,
                    "from": filter.from, "to": filter.to,
                ],
                "groups": Self.actionGroups.map { ["code": $0] },
                "entries": result.items.map { entry in
                    [
                        "at": String(entry.at.prefix(19)), "actor": entry.actor ?? "", "actingAs": entry.actingAs ?? "", "action": entry.action,
                        "object": [entry.objectType, entry.objectId].compactMap { $0 }.joined(separator: " #"),
                        "details": entry.details ?? "", "ip": entry.ip ?? "",
                    ] as [String: Any]
                },
                "hasEntries": !result.items.isEmpty, "total": result.total,
                "pager": Pager(page: filter.page, perPage: filter.perPage, total: result.total, path: "/admin/audit", query: kept).links(t),
            ], request: request, context: context)
    }
}
