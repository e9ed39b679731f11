import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// How the portal talks to the outside, as the settings page shows it: read from the environment
/// at start (docs/configuration.md); passwords are never shown.
struct ChannelSummary: Sendable {
    var baseURL: String
    var smtp: String?
    var mailFrom: String?
    var sms: String?
    var exchangeUser: String?
    var logsMail: Bool
    var backupIntervalMinutes: Int
    var backupKeep: Int

    init(configuration: WholesailConfiguration, baseURL: String) {
        self.baseURL = baseURL
        self.smtp = configuration.smtpURL.flatMap(Self.withoutCredentials)
        self.mailFrom = configuration.mailFrom
        self.sms = configuration.outbox.sms.flatMap { Self.withoutCredentials($0.url) }
        self.exchangeUser = configuration.exchangeUser
        self.logsMail = configuration.outbox.logMailWithoutSMTP
        self.backupIntervalMinutes = configuration.backupIntervalMinutes
        self.backupKeep = configuration.backupKeep
    }

    /// `scheme://host:port` of a URL: user, password, path and query (where gateways put API
    /// keys) left out.
    static func withoutCredentials(_ raw: String) -> String? {
        guard let components = URLComponents(string: raw), let scheme = components.scheme, let host = components.host, !host.isEmpty else {
            return nil
        }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }
}

/// The admin's settings page: portal-wide settings (registration, default language, credit lock
/// policy), the seller organizations' details printed on bills, the ordering settings, the
/// channels configured at start, and links to every admin section.
struct AdminSettingsController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let settings: PortalSettingsCache
    let channels: ChannelSummary

    func mount(on routes: Routes) {
        routes.get("/admin/settings", .permission("admin.settings"), use: page)
        routes.post("/admin/settings", .permission("admin.settings"), use: save)
        routes.post("/admin/settings/sellers/:seller", .permission("admin.settings"), use: saveSeller)
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, sellerErrors: [:], sellerValues: nil, status: .ok)
    }

    func render(
        _ request: Request, context: WholesailRequestContext, sellerErrors: [Int64: [String: String]], sellerValues: SellerDetails?,
        status: HTTPResponse.Status
    ) async throws -> HTML {
        let principal = try context.require("admin.settings")
        let t = renderer.localizer(context.language)
        let current = try await database.portalSettings()
        let ordering = try await database.orderSettings()
        var sellers = try await database.sellerOrganizations()
        if var sellerValues, let index = sellers.firstIndex(where: { $0.id == sellerValues.id }) {
            sellerValues.orderPrefix = sellers[index].orderPrefix
            sellers[index] = sellerValues
        }
        let notSet = t["settings.not_set"]
        let sections: [(String, String, String)] = [
            ("/admin/users", "account.admin_users_link", "admin.users"), ("/admin/roles", "account.admin_roles_link", "admin.users"),
            ("/admin/ordering", "account.admin_ordering_link", "admin.settings"), ("/admin/pricing", "account.admin_pricing_link", "pricing.manage"),
            ("/admin/promotions", "account.admin_promotions_link", "pricing.manage"), ("/admin/import", "account.admin_import_link", "import.run"),
            ("/admin/outbox", "account.admin_outbox_link", "admin.outbox"), ("/admin/backups", "account.admin_backups_link", "admin.backups"),
            ("/admin/audit", "audit.title", "admin.audit"),
            ("/admin/regions", "directory.regions_title", "admin.settings"), ("/admin/warehouses", "directory.warehouses_title", "admin.settings"),
            ("/admin/branches", "directory.branches_title", "admin.settings"),
            ("/editor/news", "news.editor_title", "content.edit"), ("/editor/policy", "policy.editor_title", "content.edit"),
            ("/editor/banners", "banners.editor_title", "content.edit"),
            ("/staff/team", "team.title", "staff.dashboard"), ("/staff", "staff.home_title", "customers.serve"),
        ]
        return renderer.render(
            "admin-settings",
            [
                "title": t["settings.title"],
                "saved": request.uri.queryParameters["saved"] != nil,
                "registrationOpen": current.registrationOpen,
                "languages": [("ru", "Русский"), ("en", "English")].map { ["code": $0.0, "name": $0.1, "selected": $0.0 == current.defaultLanguage] as [String: Any] },
                "policies": CreditPolicy.allCases.map { policy in
                    ["code": policy.rawValue, "name": t["settings.credit_" + policy.rawValue], "hint": t["settings.credit_" + policy.rawValue + "_hint"],
                     "checked": policy == current.creditPolicy] as [String: Any]
                },
                "sellers": sellers.map { seller in
                    [
                        "id": seller.id, "name": seller.name, "inn": seller.inn, "kpp": seller.kpp, "ogrn": seller.ogrn, "address": seller.address,
                        "bankName": seller.bankName, "bik": seller.bik, "account": seller.account, "correspondentAccount": seller.correspondentAccount,
                        "director": seller.director, "accountant": seller.accountant, "orderPrefix": seller.orderPrefix,
                        "errors": sellerErrors[seller.id] ?? [:], "hasErrors": sellerErrors[seller.id] != nil,
                    ] as [String: Any]
                },
                "hasSellers": !sellers.isEmpty,
                "reservation": ordering.reservationDays > 0 ? t.format("settings.reservation_days", ["n": String(ordering.reservationDays)]) : t["settings.reservation_off"],
                "split": t["admin_ordering.split_" + ordering.split.rawValue],
                "channels": [
                    ["name": t["settings.base_url"], "value": channels.baseURL, "key": "WHOLESAIL_BASE_URL"],
                    ["name": t["settings.smtp"], "value": channels.smtp ?? (channels.logsMail ? t["settings.mail_logged"] : notSet), "key": "WHOLESAIL_SMTP_URL"],
                    ["name": t["settings.mail_from"], "value": channels.mailFrom ?? notSet, "key": "WHOLESAIL_MAIL_FROM"],
                    ["name": t["settings.sms"], "value": channels.sms ?? notSet, "key": "WHOLESAIL_SMS_URL"],
                    ["name": t["settings.exchange_user"], "value": channels.exchangeUser ?? t["settings.exchange_admins"], "key": "WHOLESAIL_EXCHANGE_USER"],
                    [
                        "name": t["settings.backups"],
                        "value": channels.backupIntervalMinutes > 0
                            ? t.format("settings.backups_every", ["n": String(channels.backupIntervalMinutes), "keep": String(channels.backupKeep)]) : t["settings.backups_off"],
                        "key": "WHOLESAIL_BACKUP_INTERVAL",
                    ],
                ],
                "sections": sections.filter { principal.permissions.contains($0.2) }.map { ["href": $0.0, "name": t[$0.1]] },
                "sellerSaved": request.uri.queryParameters["seller"] != nil,
                "chatLink": try await database.chatExternalLink() ?? "",
            ], request: request, context: context, status: status)
    }

    @Sendable func save(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let f = context.form
        let language = ["ru", "en"].contains(f["defaultLanguage"] ?? "") ? f["defaultLanguage"]! : "ru"
        guard let policy = CreditPolicy(rawValue: f["creditPolicy"] ?? "") else {
            throw DomainError(.malformed, code: "request.malformed", message: "The request could not be read.")
        }
        try await database.savePortalSettings(
            PortalSettings(registrationOpen: f["registrationOpen"] == "1", defaultLanguage: language, creditPolicy: policy), actor: principal)
        settings.invalidate()
        return .redirect(to: "/admin/settings?saved=1")
    }

    @Sendable func saveSeller(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("seller", as: Int64.self) else { throw HTTPError(.notFound) }
        let f = context.form
        func field(_ name: String, _ limit: Int = 1000) -> String { String((f[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(limit + 1)) }
        let details = SellerDetails(
            id: id, name: field("name", 500), inn: field("inn", 20), kpp: field("kpp", 20), ogrn: field("ogrn", 20), address: field("address"),
            bankName: field("bankName", 300), bik: field("bik", 20), account: field("account", 30), correspondentAccount: field("correspondentAccount", 30),
            director: field("director", 200), accountant: field("accountant", 200))
        do {
            try await database.saveSellerDetails(details, actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await render(
                request, context: context, sellerErrors: [id: t.fieldMessages(error)], sellerValues: details, status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/admin/settings?seller=\(id)#seller-\(id)")
    }
}
