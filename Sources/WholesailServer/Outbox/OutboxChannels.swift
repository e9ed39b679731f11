import Foundation
import Logging
import WholesailCore
import WholesailStore

/// Delivers the outbox rows of one kind (`email`, `sms`, `webhook`).
public protocol OutboxChannel: Sendable {
    var kind: String { get }
    /// Delivers one message; returns a short note for the log (or nil). Throws `DeliveryError`
    /// (any other error counts as temporary).
    func deliver(_ message: OutboxMessage) async throws -> String?
}

/// E-mail: resolves recipients, renders the topic's templates in each recipient's language,
/// attaches files named by blob hash, and hands the message to a `MailTransport`.
public struct EmailChannel: OutboxChannel {
    public let kind = "email"
    let database: WholesailDatabase
    let composer: NotificationComposer
    let transport: any MailTransport
    let from: MailAddress
    let defaultLanguage: String
    let clock: @Sendable () -> Date

    public init(
        database: WholesailDatabase, composer: NotificationComposer, transport: any MailTransport, from: MailAddress,
        defaultLanguage: String = "ru", clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.composer = composer
        self.transport = transport
        self.from = from
        self.defaultLanguage = defaultLanguage
        self.clock = clock
    }

    public func deliver(_ message: OutboxMessage) async throws -> String? {
        guard let audience = NotificationTopic.named(message.topic)?.mail else {
            throw DeliveryError.permanent("no e-mail is defined for topic \(message.topic)")
        }
        let recipients = try await database.mailRecipients(payload: message.payload, audience: audience)
            .filter { MailAddress.isPlausible($0.email) }
        guard !recipients.isEmpty else { throw DeliveryError.permanent("no recipient") }
        let attachments = try await loadAttachments(message.payload["attachments"])
        // One message per language, so everyone reads their own.
        var groups: [String: [MailRecipient]] = [:]
        for recipient in recipients {
            let language = message.payload["lang"] ?? recipient.locale ?? defaultLanguage
            groups[language, default: []].append(recipient)
        }
        for (language, group) in groups.sorted(by: { $0.key < $1.key }) {
            guard
                let mail = composer.mail(
                    topic: message.topic, language: language, payload: message.payload,
                    recipientName: group.count == 1 ? group[0].name : "")
            else { throw DeliveryError.permanent("no e-mail template for topic \(message.topic)") }
            // The same event always has the same Message-ID: a resend after a crash is a duplicate
            // the receiving side can recognise.
            let idSeed = message.idempotencyKey + (groups.count > 1 ? "/" + language : "")
            let messageId = Crypto.hex(Array(Crypto.sha256(Data(idSeed.utf8)).prefix(16))) + "@" + from.domain
            let mime = MailMessage(
                from: from, to: group.map { MailAddress($0.email, name: $0.name) }, subject: mail.subject, text: mail.text,
                html: mail.html, attachments: attachments, date: clock(), messageId: messageId)
            try await transport.send(OutgoingMail(from: from.address, recipients: group.map(\.email), message: mime))
        }
        return "to \(recipients.count) recipient(s)"
    }

    /// `attachments` is one file per line: `<sha256> <file name>`.
    func loadAttachments(_ list: String?) async throws -> [MailAttachment] {
        var files: [MailAttachment] = []
        for line in (list ?? "").split(separator: "\n") {
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            guard let hash = parts.first.map(String.init), !hash.isEmpty else { continue }
            let name = parts.count > 1 ? String(parts[1]) : hash + ".bin"
            guard let info = try await database.blobInfo(sha256: hash), let data = try await database.blobData(sha256: hash) else {
                throw DeliveryError.permanent("attachment \(hash) is not in the file store")
            }
            files.append(MailAttachment(fileName: name, contentType: info.contentType, data: Array(data)))
        }
        return files
    }
}

/// Writes e-mails to the log instead of sending them (the demo without an SMTP server).
public struct LogMailTransport: MailTransport {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func send(_ mail: OutgoingMail) async throws {
        logger.notice(
            "e-mail (not sent: no SMTP server configured)",
            metadata: [
                "to": .string(mail.recipients.joined(separator: ", ")), "subject": .string(mail.message.subject),
                "messageId": .string(mail.message.messageId),
            ])
    }
}
