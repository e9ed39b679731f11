import Hummingbird
import WholesailCore
import WholesailStore

/// What the header and the personal-manager widget show of the chat.
public struct ChatHeader: Sendable, Equatable {
    /// Where the chat opens: `/chat`, `/staff/chats`, or the Bitrix24 Open Lines widget.
    public var href: String
    /// Unread messages (buyers: from the staff; staff: from buyers of their assigned companies).
    public var unread: Int
    /// Whether `href` is the external Bitrix24 widget.
    public var external: Bool
}

/// Notes every signed-in user's requests (chat presence: someone active in the last minutes is
/// not e-mailed about a new message) and, for pages a person reads, finds the chat's unread count
/// for the header: one indexed query.
struct ChatMiddleware: RouterMiddleware {
    typealias Context = WholesailRequestContext
    let database: WholesailDatabase
    let hub: ChatHub

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let principal = context.principal else { return try await next(request, context) }
        let path = request.uri.path
        if PersonalManagerMiddleware.skippedPrefixes.contains(where: { path.hasPrefix($0) }) { return try await next(request, context) }
        // Staff acting as a buyer do not make the buyer look online.
        if principal.impersonatorId == nil { hub.touch(userId: principal.userId) }
        // The live endpoints are asked every few seconds: no header there.
        guard request.method == .get, !path.hasSuffix("/events"), !path.hasSuffix("/messages") else { return try await next(request, context) }
        var context = context
        if !principal.isStaff, principal.permissions.contains("chat.use"),
            let company = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil)
        {
            if let link = await hub.externalLink(database: database) {
                context.chat = ChatHeader(href: link, unread: 0, external: true)
            } else {
                context.chat = ChatHeader(
                    href: "/chat", unread: try await database.chatUnreadForBuyer(counterpartyId: company, userId: principal.userId), external: false)
            }
        } else if principal.isStaff, principal.permissions.contains("customers.serve") {
            context.chat = ChatHeader(href: "/staff/chats", unread: try await database.chatUnreadForStaff(userId: principal.userId), external: false)
        }
        return try await next(request, context)
    }
}
