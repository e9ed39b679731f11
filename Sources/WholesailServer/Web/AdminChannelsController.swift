import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The admin's notification channel settings (`/admin/channels`): the SMTP server and sender,
/// the SMS gateway, webhooks on or off, how long sent messages are kept, and "send a test" for
/// e-mail and SMS. Stored in the database (`ChannelSettings`); they override the environment and
/// apply without a restart. Secrets (the SMTP password, the gateway's key) are write-only: the
/// page shows that one is set and its last characters, never the value.
struct AdminChannelsController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let channels: ConfiguredChannels

    func mount(on routes: Routes) {
        routes.get("/admin/channels", .permission("admin.outbox"), use: page)
        routes.post("/admin/channels/email", .permission("admin.outbox"), use: saveEmail)
        routes.post("/admin/channels/sms", .permission("admin.outbox"), use: saveSMS)
        routes.post("/admin/channels/general", .permission("admin.outbox"), use: saveGeneral)
        routes.post("/admin/channels/email/test", .permission("admin.outbox"), use: testEmail)
        routes.post("/admin/channels/sms/test", .permission("admin.outbox"), use: testSMS)
        routes.get("/admin/subscribers.csv", .permission("subscribers.export"), use: subscribersCSV)
    }

    /// The mailing subscribers for the mailing service: e-mail, name, phone, language, companies,
    /// when they subscribed. Audited (it is personal data leaving the portal).
    @Sendable func subscribersCSV(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let subscribers = try await database.mailingSubscribers()
        try await database.write { db in
            try WholesailDatabase.audit(
                db, actor: principal.impersonatorId ?? principal.userId, action: "subscribers.export", objectType: "subscribers",
                details: ["count": String(subscribers.count)])
        }
        let header = ["email", "name", "phone", "language", "companies", "subscribed_at"]
        let rows = subscribers.map { [$0.email, $0.name, $0.phone, $0.locale, $0.companies, String($0.subscribedAt.prefix(19))] }
        return CSVFile.response(rows: [header] + rows, fileName: "subscribers.csv")
    }

    /// What a form shows again after a refusal, and the outcome of a test.
    struct PageState {
        var email: [String: String]?
        var sms: [String: String]?
        var general: [String: String]?
        var errors: [String: [String: String]] = [:]
        var test: (kind: String, ok: Bool, text: String)?
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, state: PageState(), status: .ok)
    }

    func render(_ request: Request, context: WholesailRequestContext, state: PageState, status: HTTPResponse.Status) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let settings = try await database.channelSettings()
        let summary = channels.summary(settings)
        let stats = try await database.outboxStats()
        let email = settings.email
        let sms = settings.sms
        let emailValues = state.email ?? [
            "host": email.host, "port": email.port.map(String.init) ?? "", "username": email.username, "from": email.from,
            "ca": email.caFile,
        ]
        let smsValues = state.sms ?? [
            "url": sms.url, "header": sms.header, "body": sms.body, "contentType": sms.contentType, "success": sms.successMarker,
        ]
        let security = state.email?["security"] ?? email.security
        let method = state.sms?["method"] ?? sms.method
        let principal = try context.requireSignedIn()
        let query = request.uri.queryParameters
        var values: [String: Any] = [
            "title": t["channels.title"],
            "saved": query["saved"] != nil,
            "emailOn": state.email.map { $0["enabled"] == "1" } ?? email.enabled,
            "emailValues": emailValues,
            "emailErrors": state.errors["email"] ?? [:],
            "securities": ChannelSettings.securities.map { code in
                ["code": code, "name": t["channels.security_\(code)"], "on": code == security]
            },
            "verifyOn": state.email.map { $0["verify"] == "1" } ?? email.verifyCertificates,
            "passwordSet": !email.password.isEmpty,
            "passwordMask": ChannelSettings.masked(email.password),
            "emailSource": t["channels.source_\(summary.emailSource)"],
            "emailServer": summary.emailServer,
            "sender": summary.sender,
            "emailWaiting": stats.dueByKind["email"] ?? 0,
            "smsOn": state.sms.map { $0["enabled"] == "1" } ?? sms.enabled,
            "smsValues": smsValues,
            "smsErrors": state.errors["sms"] ?? [:],
            "methods": [("", t["channels.method_auto"]), ("GET", "GET"), ("POST", "POST")].map { code, name in
                ["code": code, "name": name, "on": code == method]
            },
            "secretSet": !sms.secret.isEmpty,
            "secretMask": ChannelSettings.masked(sms.secret),
            "smsSource": t["channels.source_\(summary.smsSource)"],
            "smsGateway": summary.smsGateway,
            "smsWaiting": stats.dueByKind["sms"] ?? 0,
            "webhooksOn": state.general.map { $0["webhooks"] == "1" } ?? settings.webhooksEnabled,
            "retentionDays": state.general?["retentionDays"] ?? settings.retentionDays.map(String.init) ?? "",
            "retentionDefault": channels.environment.keepDays,
            "generalErrors": state.errors["general"] ?? [:],
            "webhookWaiting": stats.dueByKind["webhook"] ?? 0,
            "testTo": query["to"].map(String.init) ?? principal.email,
            "canExport": principal.permissions.contains("subscribers.export"),
            "subscribers": try await database.mailingSubscriberCount(),
        ]
        if let test = state.test {
            values["test"] = ["ok": test.ok, "failed": !test.ok, "text": test.text, "kind": t["channels.kind_\(test.kind)"]]
        }
        return renderer.render("admin-channels", values, request: request, context: context, status: status)
    }

    @Sendable func saveEmail(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let form = context.form
        func field(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        var email = ChannelSettings.Email()
        email.enabled = form["enabled"] == "1"
        email.host = field("host")
        let portText = field("port")
        email.port = portText.isEmpty ? nil : Int(portText) ?? -1
        email.security = field("security")
        email.username = field("username")
        email.from = field("from")
        email.caFile = field("ca")
        email.verifyCertificates = form["verify"] == "1"
        // An empty password field keeps the stored one; "remove" clears it.
        let typed = form["password"] ?? ""
        let password: String? = form["clearPassword"] == "1" ? "" : (typed.isEmpty ? nil : typed)
        do {
            try await database.saveEmailSettings(email, password: password, actor: principal.userId)
        } catch let error as ValidationError {
            var state = PageState()
            state.email = context.echoedForm(limit: 2000, dropping: ["password"])
            state.errors["email"] = renderer.localizer(context.language).fieldMessages(error)
            return try await render(request, context: context, state: state, status: .unprocessableContent).response(from: request, context: context)
        }
        return .redirect(to: "/admin/channels?saved=1#email")
    }

    @Sendable func saveSMS(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let form = context.form
        func field(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        var sms = ChannelSettings.SMS()
        sms.enabled = form["enabled"] == "1"
        sms.url = field("url")
        sms.method = field("method").uppercased()
        sms.header = field("header")
        sms.body = field("body")
        sms.contentType = field("contentType")
        sms.successMarker = form["success"] ?? ""
        let typed = field("secret")
        let secret: String? = form["clearSecret"] == "1" ? "" : (typed.isEmpty ? nil : typed)
        do {
            try await database.saveSMSSettings(sms, secret: secret, actor: principal.userId)
        } catch let error as ValidationError {
            var state = PageState()
            state.sms = context.echoedForm(limit: 4000, dropping: ["secret"])
            state.errors["sms"] = renderer.localizer(context.language).fieldMessages(error)
            return try await render(request, context: context, state: state, status: .unprocessableContent).response(from: request, context: context)
        }
        return .redirect(to: "/admin/channels?saved=1#sms")
    }

    @Sendable func saveGeneral(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let form = context.form
        let daysText = (form["retentionDays"] ?? "").trimmingCharacters(in: .whitespaces)
        do {
            try await database.saveOutboxSettings(
                webhooksEnabled: form["webhooks"] == "1", retentionDays: daysText.isEmpty ? nil : Int(daysText) ?? -1, actor: principal.userId)
        } catch let error as ValidationError {
            var state = PageState()
            state.general = context.echoedForm(limit: 20)
            state.errors["general"] = renderer.localizer(context.language).fieldMessages(error)
            return try await render(request, context: context, state: state, status: .unprocessableContent).response(from: request, context: context)
        }
        return .redirect(to: "/admin/channels?saved=1#general")
    }

    @Sendable func testEmail(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await test(kind: "email", request: request, context: context)
    }

    @Sendable func testSMS(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await test(kind: "sms", request: request, context: context)
    }

    /// Sends a test at once and shows the outcome on the page (the server's own words when it refused).
    func test(kind: String, request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let t = renderer.localizer(context.language)
        let recipient = (context.form["to"] ?? "").trimmingCharacters(in: .whitespaces)
        var state = PageState()
        let plausible =
            kind == "email"
            ? MailAddress.isPlausible(recipient) && recipient.count <= 254
            : SMSGateway.normalizedPhone(recipient).count >= 10 && recipient.count <= 40
        guard plausible else {
            state.test = (kind, false, t[kind == "email" ? "channels.test_bad_address" : "channels.test_bad_phone"])
            return try await render(request, context: context, state: state, status: .unprocessableContent).response(from: request, context: context)
        }
        let outcome = await channels.sendTest(kind: kind, to: recipient, language: context.language.rawValue)
        try await database.write { db in
            try WholesailDatabase.audit(
                db, actor: principal.userId, action: "channels.test", objectType: "channel", objectId: kind,
                details: ["to": recipient, "result": (try? outcome.get()) != nil ? "sent" : "failed"])
        }
        switch outcome {
        case .success:
            state.test = (kind, true, t.format("channels.test_sent", ["to": recipient]))
        case .failure(let error):
            state.test = (kind, false, error.message)
        }
        return try await render(request, context: context, state: state, status: .ok).response(from: request, context: context)
    }
}
