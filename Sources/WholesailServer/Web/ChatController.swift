import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import WholesailCore
import WholesailStore

/// The chat between a buyer company and its personal manager (docs/workstation.md): one
/// conversation per company. Buyers use `/chat` (their current company), the staff
/// `/staff/chats` and `/staff/chats/:company` (the companies they serve; executives and admins
/// every company). Sending is a plain form post; new messages arrive without a reload through
/// server-sent events (`…/events`), or by polling `…/messages` where those are unavailable.
/// When the admin set a Bitrix24 Open Lines link, the chat is read-only and points there.
struct ChatController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let hub: ChatHub
    /// How long one event stream stays open before the browser reconnects (and is checked again).
    var streamLifetime: Duration = .seconds(300)
    /// How often an idle stream sends a comment (to find closed connections, and keep proxies open).
    var heartbeat: Duration = .seconds(15)
    /// Messages shown on a page (older ones through the "earlier messages" link).
    static let pageSize = 100

    func mount(on routes: Routes) {
        routes.get("/chat", .permission("chat.use"), use: buyerPage)
        routes.post("/chat", .permission("chat.use"), use: buyerSend)
        routes.get("/chat/messages", .permission("chat.use"), use: buyerPoll)
        routes.get("/chat/events", .permission("chat.use"), use: buyerEvents)
        routes.get("/staff/chats", .permission("customers.serve"), use: staffList)
        let served = RouteAccess.owned(.counterparty, parameter: "company", permission: "customers.serve")
        routes.get("/staff/chats/:company", served, use: staffPage)
        routes.post("/staff/chats/:company", served, use: staffSend)
        routes.get("/staff/chats/:company/messages", served, use: staffPoll)
        routes.get("/staff/chats/:company/events", served, use: staffEvents)
        routes.post("/admin/settings/chat", .permission("admin.settings"), use: saveLink)
    }

    // MARK: - Who talks where

    /// A conversation as one side sees it.
    struct Seat {
        var principal: Principal
        var company: Int64
        var staff: Bool
        var base: String
    }

    /// The buyer's conversation: their current company's, checked through the policy.
    func buyerSeat(_ context: WholesailRequestContext) throws -> Seat {
        let principal = try context.requireSignedIn()
        guard let company = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil) else {
            throw DomainError(.conflict, code: "company.none_selected", message: "Choose the company you work for in your account first.")
        }
        try context.require("chat.use", on: .counterparty(company))
        return Seat(principal: principal, company: company, staff: false, base: "/chat")
    }

    /// A served company's conversation (the route already checked the company through the policy).
    func staffSeat(_ context: WholesailRequestContext) throws -> Seat {
        guard let company = context.parameters.get("company", as: Int64.self) else { throw HTTPError(.notFound) }
        let principal = try context.require("customers.serve", on: .counterparty(company))
        return Seat(principal: principal, company: company, staff: true, base: "/staff/chats/\(company)")
    }

    // MARK: - Pages

    @Sendable func buyerPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await page(request, context: context, seat: try buyerSeat(context))
    }

    @Sendable func staffPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await page(request, context: context, seat: try staffSeat(context))
    }

    /// The conversation: the latest messages (or an earlier page), marked read; the form; the
    /// live updates' addresses for the script.
    func page(
        _ request: Request, context: WholesailRequestContext, seat: Seat, draft: String? = nil, bodyError: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let external = try await database.chatExternalLink()
        let before = request.uri.queryParameters["before"].flatMap { Int64($0) }
        let messages = try await database.chatMessages(counterpartyId: seat.company, before: before, limit: Self.pageSize)
        var context = context
        if let last = messages.last, seat.principal.impersonatorId == nil {
            try await database.markChatRead(counterpartyId: seat.company, userId: seat.principal.userId, upTo: last.id)
            if var header = context.chat, !header.external {
                if seat.staff {
                    header.unread = try await database.chatUnreadForStaff(userId: seat.principal.userId)
                } else {
                    header.unread = try await database.chatUnreadForBuyer(counterpartyId: seat.company, userId: seat.principal.userId)
                }
                context.chat = header
            }
        }
        let company = try await database.chatCompanyName(counterpartyId: seat.company)
        var values: [String: Any] = [
            "title": seat.staff ? company : t["chat.title"],
            "heading": seat.staff ? company : t["chat.title"],
            "isStaff": seat.staff,
            "company": company,
            "companyId": String(seat.company),
            "base": seat.base,
            "external": external ?? "",
            "messages": messages.map { Self.row($0, viewer: seat.principal.userId) },
            "draft": draft ?? "",
            "bodyError": bodyError ?? "",
            "contacts": context.personalManagers.map(\.name).joined(separator: ", "),
        ]
        // Live updates only on the latest page (an earlier page stays as it is).
        if before == nil, external == nil {
            values["live"] = true
            values["lastId"] = String(messages.last?.id ?? 0)
        }
        if messages.count == Self.pageSize, let first = messages.first {
            values["olderLink"] = "\(seat.base)?before=\(first.id)"
        }
        return renderer.render("chat", values, request: request, context: context, status: status)
    }

    static func row(_ message: ChatMessage, viewer: Int64) -> [String: Any] {
        [
            "id": String(message.id), "author": message.author, "staff": message.fromStaff, "mine": message.authorUserId == viewer,
            "body": message.body, "at": String(message.createdAt.prefix(16)),
        ]
    }

    @Sendable func staffList(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("customers.serve")
        let t = renderer.localizer(context.language)
        let query = (request.uri.queryParameters["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
        let pageNumber = max(1, request.uri.queryParameters["page"].flatMap { Int($0) } ?? 1)
        let perPage = 50
        let result = try await database.chatConversations(
            staffUserId: principal.userId, all: principal.seesAllCustomers, query: String(query.prefix(200)), page: pageNumber, perPage: perPage)
        let rows: [[String: Any]] = result.rows.map { row in
            let text = row.lastMessage ?? ""
            return [
                "id": String(row.counterpartyId), "company": row.company, "at": row.lastMessageAt.map { String($0.prefix(16)) } ?? "",
                "excerpt": text.count > 80 ? String(text.prefix(79)) + "…" : text, "unread": row.unread > 0 ? String(row.unread) : "",
            ]
        }
        return renderer.render(
            "staff-chats",
            [
                "title": t["chat.staff_title"], "rows": rows, "hasRows": !rows.isEmpty, "q": query,
                "external": try await database.chatExternalLink() ?? "",
                "pager": Pager(page: pageNumber, perPage: perPage, total: result.total, path: "/staff/chats", query: query.isEmpty ? [:] : ["q": [query]])
                    .links(t),
            ], request: request, context: context)
    }

    // MARK: - Sending

    @Sendable func buyerSend(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await send(request, context: context, seat: try buyerSeat(context))
    }

    @Sendable func staffSend(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await send(request, context: context, seat: try staffSeat(context))
    }

    /// Adds the message, hands it to the open streams, and goes back to the conversation; an
    /// empty or too long message shows the page again with the text kept and the reason.
    func send(_ request: Request, context: WholesailRequestContext, seat: Seat) async throws -> Response {
        try await refuseWhenExternal()
        if seat.principal.impersonatorId != nil, !seat.staff {
            throw DomainError(
                .forbidden, code: "chat.acting_as", message: "While acting as a buyer you cannot write in their chat: use the staff chat page.")
        }
        let text = context.form["body"] ?? ""
        do {
            let message = try await database.postChatMessage(
                counterpartyId: seat.company, authorUserId: seat.principal.userId, fromStaff: seat.staff, body: text, online: hub.onlineUsers())
            hub.publish(message)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await page(
                request, context: context, seat: seat, draft: String(text.prefix(WholesailDatabase.chatMessageLimit + 100)),
                bodyError: t.fieldMessages(error)["body"] ?? t.message(for: error), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: seat.base + "#chat-body")
    }

    // MARK: - Live updates

    /// One message as the script shows it.
    struct MessageJSON: Encodable {
        var id: Int64
        var author: String
        var staff: Bool
        var mine: Bool
        var body: String
        var at: String

        init(_ message: ChatMessage, viewer: Int64) {
            id = message.id
            author = message.author
            staff = message.fromStaff
            mine = message.authorUserId == viewer
            body = message.body
            at = String(message.createdAt.prefix(16))
        }
    }

    struct PollJSON: Encodable {
        var messages: [MessageJSON]
        var last: Int64
    }

    /// Sending, polling and the stream answer 409 while the chat runs in Bitrix24 Open Lines.
    func refuseWhenExternal() async throws {
        if try await database.chatExternalLink() != nil {
            throw DomainError(.conflict, code: "chat.external", message: "The chat runs in Bitrix24 Open Lines: use the link on this page.")
        }
    }

    @Sendable func buyerPoll(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await poll(request, context: context, seat: try buyerSeat(context))
    }

    @Sendable func staffPoll(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await poll(request, context: context, seat: try staffSeat(context))
    }

    /// The fallback for browsers without EventSource: `?after=<id>` → the newer messages (read).
    func poll(_ request: Request, context: WholesailRequestContext, seat: Seat) async throws -> Response {
        try await refuseWhenExternal()
        let after = max(0, request.uri.queryParameters["after"].flatMap { Int64($0) } ?? 0)
        let messages = try await database.chatMessages(counterpartyId: seat.company, after: after, limit: 500)
        if let last = messages.last, seat.principal.impersonatorId == nil {
            try await database.markChatRead(counterpartyId: seat.company, userId: seat.principal.userId, upTo: last.id)
        }
        let body = PollJSON(messages: messages.map { MessageJSON($0, viewer: seat.principal.userId) }, last: messages.last?.id ?? after)
        return try JSONResponse.make(body)
    }

    @Sendable func buyerEvents(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await events(request, context: context, seat: try buyerSeat(context))
    }

    @Sendable func staffEvents(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await events(request, context: context, seat: try staffSeat(context))
    }

    /// A server-sent event stream of the conversation: every message after `Last-Event-ID` (the
    /// browser sends it when it reconnects) or `?after=`, or else after the newest one now; each
    /// as `event: message` with the message's id and JSON. A comment every `heartbeat`; closed
    /// after `streamLifetime` or when the server stops (the browser reconnects on its own).
    func events(_ request: Request, context: WholesailRequestContext, seat: Seat) async throws -> Response {
        try await refuseWhenExternal()
        let given = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int64($0) } ?? request.uri.queryParameters["after"].flatMap { Int64($0) }
        var start = given ?? 0
        if given == nil { start = try await database.chatLastMessageId(counterpartyId: seat.company) }
        let (hub, database, heartbeat, lifetime, first) = (self.hub, self.database, self.heartbeat, self.streamLifetime, start)
        let viewer = seat.principal.userId
        let company = seat.company
        let marksRead = seat.principal.impersonatorId == nil
        let body = ResponseBody { writer in
            let (token, events) = hub.subscribe(counterpartyId: company, userId: viewer)
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: heartbeat)
                    hub.send(.tick, to: token)
                }
            }
            defer {
                ticker.cancel()
                hub.unsubscribe(token)
            }
            try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
            // What was posted since: nothing is lost between the page and the stream, or two streams.
            var last = max(0, first)
            for message in try await database.chatMessages(counterpartyId: company, after: last, limit: 500) {
                try await writer.write(Self.event(message, viewer: viewer))
                last = message.id
            }
            if marksRead, last > first { try await database.markChatRead(counterpartyId: company, userId: viewer, upTo: last) }
            let deadline = ContinuousClock.now + lifetime
            try await withGracefulShutdownHandler {
                for await event in events {
                    switch event {
                    case .message(let message):
                        guard message.id > last else { continue }
                        try await writer.write(Self.event(message, viewer: viewer))
                        last = message.id
                        if marksRead { try await database.markChatRead(counterpartyId: company, userId: viewer, upTo: last) }
                    case .tick:
                        if ContinuousClock.now >= deadline { return }
                        try await writer.write(ByteBuffer(string: ": ping\n\n"))
                    case .close:
                        return
                    }
                }
            } onGracefulShutdown: {
                hub.send(.close, to: token)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }

    static func event(_ message: ChatMessage, viewer: Int64) -> ByteBuffer {
        let json = String(decoding: (try? JSONResponse.data(MessageJSON(message, viewer: viewer))) ?? Data("{}".utf8), as: UTF8.self)
        return ByteBuffer(string: "id: \(message.id)\nevent: message\ndata: \(json)\n\n")
    }

    // MARK: - The Bitrix24 setting

    /// Sets or clears the Bitrix24 Open Lines link (the form on the admin's settings page).
    @Sendable func saveLink(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("admin.settings")
        do {
            try await database.saveChatExternalLink(context.form["openLinesUrl"] ?? "", actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try renderer.render(
                "account-message",
                ["title": t["settings.title"], "heading": t["chat.settings_title"], "text": t.fieldMessages(error)["openLinesUrl"] ?? error.message],
                request: request, context: context, status: .unprocessableContent
            ).response(from: request, context: context)
        }
        hub.invalidateLink()
        return .redirect(to: "/admin/settings?saved=1#chat")
    }
}
