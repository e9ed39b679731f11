import Foundation

/// Who receives the e-mail of a topic, worked out when the message is delivered (so a manager
/// assigned after the event still gets it, and a changed address is used).
public enum MailAudience: Sendable, Equatable {
    /// The payload names the recipient: `to` (addresses, comma-separated) and/or `userId`.
    case payload
    /// Staff: the managers and assistants assigned to the payload's `counterpartyId` (directly or
    /// through its holding); when none is assigned or the payload names no company, every active
    /// staff user holding `permission`.
    case staff(permission: String)
}

/// One kind of event the portal tells people about. Adding a topic is one line in `catalog`
/// plus its templates: `templates/mail/<topic>.en.mustache` and `.ru.mustache` (and
/// `templates/sms/<topic>.<lang>.mustache` when `sms` is true). Webhooks receive every topic
/// published, listed here or not, except those marked `webhooks: false`.
public struct NotificationTopic: Sendable, Equatable {
    public var name: String
    /// Whether an e-mail is sent, and to whom (nil: webhooks only).
    public var mail: MailAudience?
    /// Whether users who opted in get an SMS (to the payload's `userId`).
    public var sms: Bool
    /// Whether webhooks receive it. Off for events that carry a secret (a set-password link,
    /// a one-time code): those go to their person only.
    public var webhooks: Bool

    public init(_ name: String, mail: MailAudience?, sms: Bool = false, webhooks: Bool = true) {
        self.name = name
        self.mail = mail
        self.sms = sms
        self.webhooks = webhooks
    }

    /// Every topic with an e-mail or SMS; payload fields are in docs/notifications.md.
    public static let catalog: [NotificationTopic] = [
        .init("account.created", mail: .payload),
        .init("account.invited", mail: .payload, webhooks: false),
        .init("account.linked", mail: .payload),
        .init("account.removed", mail: .payload),
        .init("account.enabled", mail: .payload),
        .init("account.disabled", mail: .payload),
        .init("customer.assigned", mail: .payload),
        .init("account.acted_as", mail: .payload, webhooks: false),
        .init("question.asked", mail: .payload),
        // The chat with the personal manager, to the side that is away: a buyer (one row per
        // buyer), or the company's assigned managers. At most one per conversation while unread.
        .init("chat.message", mail: .payload),
        .init("chat.message_for_staff", mail: .staff(permission: "customers.serve")),
        .init("registration.received", mail: .payload),
        .init("registration.new_for_managers", mail: .staff(permission: "customers.serve")),
        .init("registration.accepted", mail: .payload, webhooks: false),
        .init("registration.declined", mail: .payload),
        .init("password.reset", mail: .payload, webhooks: false),
        .init("counterparty.change_requested", mail: .staff(permission: "customers.serve")),
        .init("counterparty.change_approved", mail: .payload),
        .init("counterparty.change_declined", mail: .payload),
        .init("order.placed", mail: .payload, sms: true),
        .init("order.placed_for_managers", mail: .staff(permission: "customers.serve")),
        .init("order.status", mail: .payload, sms: true),
        // A manager changed the lines of the order (quantities, removed or added products).
        .init("order.changed", mail: .payload),
        // Purchase approvals inside a buyer company: to the named approver, then to the buyer.
        .init("approval.requested", mail: .payload),
        .init("approval.decided", mail: .payload),
        .init("shipment.sent", mail: .payload, sms: true),
        .init("document.ready", mail: .payload),
        .init("reconciliation.ready", mail: .payload),
        .init("ticket.message", mail: .staff(permission: "requests.handle")),
        .init("ticket.reply", mail: .payload),
        .init("credit.locked", mail: .payload),
        .init("lead.created", mail: .staff(permission: "customers.serve")),
        // Requests for quote: the buyer's request or counter-offer to the company's managers, the
        // manager's offer back to the buyer, the outcome to the managers.
        .init("quote.requested", mail: .staff(permission: "quotes.answer")),
        .init("quote.offered", mail: .payload),
        .init("quote.accepted", mail: .staff(permission: "quotes.answer")),
        .init("quote.declined", mail: .staff(permission: "quotes.answer")),
        .init("registration.code", mail: nil, sms: true, webhooks: false),
        .init("webhook.test", mail: nil),
        // For a mailing service (webhooks only): subscriptions and trigger events.
        .init("subscriber.subscribed", mail: nil),
        .init("subscriber.unsubscribed", mail: nil),
        .init("cart.abandoned", mail: nil),
        // A carrier's new tracking status of a shipment (webhooks; the buyer sees it on the order).
        .init("shipment.tracking", mail: nil),
        // A card payment arrived through the gateway (webhooks; the order shows it).
        .init("payment.received", mail: nil),
        // The settings page's "send a test" (sent at once, never queued).
        .init("channel.test", mail: .payload, sms: true, webhooks: false),
    ]

    private static let byName: [String: NotificationTopic] = Dictionary(
        catalog.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// The topic of that name, or nil for a webhook-only event.
    public static func named(_ name: String) -> NotificationTopic? { byName[name] }
}
