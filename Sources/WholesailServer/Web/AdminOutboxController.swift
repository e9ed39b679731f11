import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The admin's view of outgoing notifications: counts per status, the latest messages with
/// their attempts and last error, "retry" for a failed one, and the webhook endpoints
/// (add, enable/disable, send a test, remove).
struct AdminOutboxController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.get("/admin/outbox", .permission("admin.outbox"), use: page)
        routes.post("/admin/outbox/:id/retry", .permission("admin.outbox"), use: retry)
        routes.post("/admin/outbox/:id/discard", .permission("admin.outbox"), use: discard)
        routes.post("/admin/webhooks", .permission("admin.outbox"), use: createWebhook)
        routes.post("/admin/webhooks/:id", .permission("admin.outbox"), use: updateWebhook)
        routes.post("/admin/webhooks/:id/toggle", .permission("admin.outbox"), use: toggleWebhook)
        routes.post("/admin/webhooks/:id/test", .permission("admin.outbox"), use: testWebhook)
        routes.post("/admin/webhooks/:id/delete", .permission("admin.outbox"), use: deleteWebhook)
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, values: [:], errors: [:], status: .ok)
    }

    /// `newSecret`: the secret of an endpoint just added, shown this once (afterwards only its
    /// last characters are).
    func render(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String],
        status: HTTPResponse.Status, newSecret: String? = nil, editError: String? = nil
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let filter = request.uri.queryParameters["status"].flatMap { OutboxMessage.Status(rawValue: String($0)) }
        let stats = try await database.outboxStats()
        let endpointFilter = request.uri.queryParameters["endpoint"].flatMap { Int64(String($0)) }
        let messages = try await database.latestOutboxMessages(status: filter, webhookEndpointId: endpointFilter, limit: 100)
        let endpoints = try await database.webhookEndpoints()
        let names = Dictionary(endpoints.map { ($0.id, $0.name.isEmpty ? $0.url : $0.name) }, uniquingKeysWith: { $1 })
        let query = request.uri.queryParameters
        return renderer.render(
            "admin-outbox",
            [
                "title": t["outbox.title"],
                "statuses": [["code": "", "name": t["outbox.all"], "count": stats.counts.values.reduce(0, +), "on": filter == nil]]
                    + OutboxMessage.Status.allCases.map { status in
                        ["code": status.rawValue, "name": t["outbox.status.\(status.rawValue)"], "count": stats.count(status), "on": filter == status]
                    },
                "lag": Int(stats.lagSeconds.rounded()),
                "messages": messages.map { message -> [String: Any] in
                    [
                        "id": message.id, "kind": message.kind, "topic": message.topic,
                        "target": message.webhookEndpointId.flatMap { names[$0] } ?? "",
                        "status": t["outbox.status.\(message.status.rawValue)"], "failed": message.status == .failed,
                        "discardable": message.status == .failed || message.status == .pending,
                        "attempts": message.attempts, "created": Self.time(message.createdAt),
                        "next": message.status == .pending ? Self.time(message.nextAttemptAt) : "",
                        "sent": message.sentAt.map(Self.time) ?? "", "error": message.lastError ?? "",
                    ]
                },
                "endpoints": endpoints.map { endpoint -> [String: Any] in
                    [
                        "id": endpoint.id, "name": endpoint.name, "url": endpoint.url, "secret": ChannelSettings.masked(endpoint.secret),
                        "topics": endpoint.topics.joined(separator: ", "), "format": t["webhooks.format_\(endpoint.format.rawValue)"],
                        "active": endpoint.active,
                        "formats": WebhookEndpoint.Format.allCases.map { format in
                            ["code": format.rawValue, "name": t["webhooks.format_\(format.rawValue)"], "on": endpoint.format == format]
                        },
                    ]
                },
                "formats": WebhookEndpoint.Format.allCases.map { format in
                    ["code": format.rawValue, "name": t["webhooks.format_\(format.rawValue)"], "on": values["format"] == format.rawValue]
                },
                "values": values, "errors": errors,
                "endpointLog": endpointFilter.flatMap { names[$0] } ?? "",
                "retried": query["retried"] != nil, "notRetried": query["not-retried"] != nil, "created": query["created"] != nil,
                "tested": query["tested"] != nil, "saved": query["saved"] != nil, "discarded": query["discarded"] != nil,
                "notDiscarded": query["not-discarded"] != nil, "newSecret": newSecret ?? "", "editError": editError ?? "",
            ], request: request, context: context, status: status)
    }

    @Sendable func retry(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let id = try Self.id(context)
        guard try await database.outboxMessage(id: id) != nil else { throw DomainError.notFound("message") }
        let done = try await database.retryOutboxMessage(id: id, actor: principal.userId)
        return .redirect(to: done ? "/admin/outbox?retried=1" : "/admin/outbox?not-retried=1")
    }

    @Sendable func discard(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let id = try Self.id(context)
        guard try await database.outboxMessage(id: id) != nil else { throw DomainError.notFound("message") }
        let done = try await database.discardOutboxMessage(id: id, actor: principal.userId)
        return .redirect(to: done ? "/admin/outbox?discarded=1" : "/admin/outbox?not-discarded=1")
    }

    @Sendable func createWebhook(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let form = context.form
        let values = ["name": form["name"] ?? "", "url": form["url"] ?? "", "topics": form["topics"] ?? "", "format": form["format"] ?? "json"]
        do {
            let secret = (form["secret"] ?? "").trimmingCharacters(in: .whitespaces)
            let id = try await database.createWebhookEndpoint(
                name: values["name"]!, url: values["url"]!, topics: values["topics"]!,
                format: WebhookEndpoint.Format(rawValue: values["format"]!) ?? .json, secret: secret.isEmpty ? nil : secret,
                actor: principal.userId)
            // The one time the secret is shown in full: the receiver needs it to check signatures.
            let stored = try await database.webhookEndpoint(id: id)?.secret ?? ""
            return try await render(request, context: context, values: [:], errors: [:], status: .ok, newSecret: stored)
                .response(from: request, context: context)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await render(request, context: context, values: values, errors: t.fieldMessages(error), status: .unprocessableContent)
                .response(from: request, context: context)
        }
    }

    @Sendable func updateWebhook(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let id = try Self.id(context)
        guard let endpoint = try await database.webhookEndpoint(id: id) else { throw DomainError.notFound("webhook") }
        let form = context.form
        do {
            try await database.updateWebhookEndpoint(
                id: id, name: form["name"] ?? endpoint.name, url: form["url"] ?? endpoint.url,
                topics: form["topics"] ?? endpoint.topics.joined(separator: ","),
                format: form["format"].flatMap(WebhookEndpoint.Format.init(rawValue:)) ?? endpoint.format, actor: principal.userId)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            let messages = t.fieldMessages(error).sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")
            return try await render(request, context: context, values: [:], errors: [:], status: .unprocessableContent, editError: messages)
                .response(from: request, context: context)
        }
        return .redirect(to: "/admin/outbox?saved=1#webhooks")
    }

    @Sendable func toggleWebhook(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let id = try Self.id(context)
        guard let endpoint = try await database.webhookEndpoint(id: id) else { throw DomainError.notFound("webhook") }
        try await database.setWebhookEndpointActive(id: id, !endpoint.active, actor: principal.userId)
        return .redirect(to: "/admin/outbox?saved=1#webhooks")
    }

    @Sendable func testWebhook(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        try await database.enqueueWebhookTest(endpointId: try Self.id(context), actor: principal.userId)
        return .redirect(to: "/admin/outbox?tested=1#webhooks")
    }

    @Sendable func deleteWebhook(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        try await database.deleteWebhookEndpoint(id: try Self.id(context), actor: principal.userId)
        return .redirect(to: "/admin/outbox?saved=1#webhooks")
    }

    static func id(_ context: WholesailRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        return id
    }

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
