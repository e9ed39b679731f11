import Foundation
import Logging
import NIOCore
import WholesailCore
import WholesailStore

/// Where a dispatcher gets its channels, asked at every round.
public protocol OutboxChannelSource: Sendable {
    func channels() async -> [any OutboxChannel]
}

/// The same channels every time (tests).
public struct FixedChannels: OutboxChannelSource {
    let list: [any OutboxChannel]

    public init(_ list: [any OutboxChannel]) {
        self.list = list
    }

    public func channels() async -> [any OutboxChannel] { list }
}

/// The channels `serve` runs: what the admin saved on the settings page (`ChannelSettings`,
/// read at every round, so a change applies within a second and without a restart) over what
/// the environment says (`WHOLESAIL_SMTP_URL`, `WHOLESAIL_MAIL_FROM`, `WHOLESAIL_SMS_*`):
/// - e-mail through the page's SMTP server, else `WHOLESAIL_SMTP_URL`, else the log in the demo;
///   with none of them e-mails stay queued;
/// - SMS through the page's gateway, else `WHOLESAIL_SMS_URL`; with neither, SMS stay queued;
/// - webhooks always (they exist only once an admin adds an endpoint).
/// A channel switched off on the page is left out: its messages wait.
public struct ConfiguredChannels: OutboxChannelSource {
    let database: WholesailDatabase
    let composer: NotificationComposer
    let environment: OutboxConfiguration
    let smtpURL: String?
    let mailFrom: String?
    let defaultFrom: MailAddress
    let http: any HTTPSender
    let logger: Logger

    public init(
        database: WholesailDatabase, composer: NotificationComposer, environment: OutboxConfiguration, smtpURL: String?, mailFrom: String?,
        baseURL: String, http: (any HTTPSender)? = nil, logger: Logger
    ) {
        self.database = database
        self.composer = composer
        self.environment = environment
        self.smtpURL = smtpURL
        self.mailFrom = mailFrom
        self.defaultFrom = MailAddress(
            "noreply@" + (URL(string: baseURL)?.host.flatMap { $0.contains(".") ? $0 : nil } ?? "localhost"), name: "Wholesail")
        self.http = http ?? AsyncHTTPSender(timeout: .seconds(Int64(environment.timeoutSeconds)))
        self.logger = logger
    }

    /// The dispatcher's deadline for one delivery: the channels' own timeout plus a margin, so
    /// that a channel reports what went wrong (refused, TLS, no answer) before the deadline cuts
    /// it short with nothing better than "no answer".
    public var deliveryDeadline: Duration { .seconds(environment.timeoutSeconds + 5) }

    public func channels() async -> [any OutboxChannel] {
        do {
            return channels(for: try await database.channelSettings())
        } catch {
            // Without its settings the dispatcher cannot know what is switched off: it sends nothing this round.
            logger.error("outbox: cannot read the channel settings: \(error)")
            return []
        }
    }

    /// Whether an SMS sent now would go out (the channel is on and has a gateway): registration
    /// asks for a code only then.
    public func smsUsable() async -> Bool {
        guard let settings = try? await database.channelSettings() else { return false }
        return settings.sms.enabled && smsGateway(settings) != nil
    }

    func channels(for settings: ChannelSettings) -> [any OutboxChannel] {
        var channels: [any OutboxChannel] = []
        if settings.webhooksEnabled {
            channels.append(WebhookChannel(database: database, http: http))
        }
        if let email = emailChannel(settings) {
            channels.append(email)
        }
        if settings.sms.enabled, let gateway = smsGateway(settings) {
            channels.append(
                SMSChannel(database: database, composer: composer, gateway: gateway, http: http, defaultLanguage: environment.defaultLanguage))
        }
        return channels
    }

    /// The e-mail channel in effect, nil when switched off or with no way to send.
    func emailChannel(_ settings: ChannelSettings) -> EmailChannel? {
        guard settings.email.enabled, let transport = mailTransport(settings) else { return nil }
        return EmailChannel(
            database: database, composer: composer, transport: transport, from: sender(settings), defaultLanguage: environment.defaultLanguage)
    }

    /// The SMTP server in effect: the page's, else the environment's.
    func smtpServer(_ settings: ChannelSettings) -> SMTPServer? {
        let email = settings.email
        if email.hasServer {
            let security: SMTPServer.Security = email.security == "tls" ? .tls : email.security == "plain" ? .plain : .startTLS
            return SMTPServer(
                host: email.host, port: email.port ?? (security == .tls ? 465 : security == .startTLS ? 587 : 25), security: security,
                username: email.username.isEmpty ? nil : email.username, password: email.password.isEmpty ? nil : email.password,
                caFile: email.caFile.isEmpty ? nil : email.caFile, verifyCertificates: email.verifyCertificates)
        }
        return smtpURL.flatMap(SMTPServer.init(url:))
    }

    func mailTransport(_ settings: ChannelSettings) -> (any MailTransport)? {
        if let server = smtpServer(settings) {
            var transport = SMTPMailTransport(server: server)
            let limit = TimeAmount.seconds(Int64(environment.timeoutSeconds))
            transport.client.replyTimeout = min(transport.client.replyTimeout, limit)
            transport.client.totalTimeout = limit
            return transport
        }
        return environment.logMailWithoutSMTP ? LogMailTransport(logger: logger) : nil
    }

    /// The sender: the page's, else `WHOLESAIL_MAIL_FROM`, else `noreply@` the portal's host.
    func sender(_ settings: ChannelSettings) -> MailAddress {
        MailAddress(parsing: settings.email.from) ?? mailFrom.flatMap(MailAddress.init(parsing:)) ?? defaultFrom
    }

    /// The SMS gateway in effect: the page's, else the environment's.
    func smsGateway(_ settings: ChannelSettings) -> SMSGateway? {
        let sms = settings.sms
        guard sms.hasGateway else { return environment.sms }
        func optional(_ text: String) -> String? { text.isEmpty ? nil : text }
        return SMSGateway(
            url: sms.url, method: optional(sms.method), header: optional(sms.header), body: optional(sms.body),
            contentType: optional(sms.contentType), successMarker: optional(sms.successMarker), secret: optional(sms.secret))
    }
}

extension OutboxDispatcher {
    /// The dispatcher `serve` runs, over `ConfiguredChannels`.
    static func make(
        configuration: WholesailConfiguration, dependencies: WholesailDependencies, logger: Logger
    ) -> OutboxDispatcher {
        let source = ConfiguredChannels.make(configuration: configuration, dependencies: dependencies, logger: logger)
        return OutboxDispatcher(
            database: dependencies.database, source: source, policy: RetryPolicy(maxAttempts: configuration.outbox.maxAttempts),
            deliveryTimeout: source.deliveryDeadline, logger: logger,
            metrics: OutboxMetrics(registry: dependencies.metrics))
    }
}

extension ConfiguredChannels {
    /// The channels of a configuration; reports unusable environment values once.
    static func make(configuration: WholesailConfiguration, dependencies: WholesailDependencies, logger: Logger) -> ConfiguredChannels {
        let baseURL = configuration.baseURL ?? "http://\(configuration.host):\(configuration.port)"
        if let from = configuration.mailFrom, MailAddress(parsing: from) == nil {
            logger.error("WHOLESAIL_MAIL_FROM is not an e-mail address; using the default sender")
        }
        if let url = configuration.smtpURL, SMTPServer(url: url) == nil {
            logger.error("WHOLESAIL_SMTP_URL is not an smtp:// or smtps:// URL; e-mails stay queued unless the settings page names a server")
        }
        return ConfiguredChannels(
            database: dependencies.database, composer: NotificationComposer(renderer: dependencies.renderer, baseURL: baseURL),
            environment: configuration.outbox, smtpURL: configuration.smtpURL, mailFrom: configuration.mailFrom, baseURL: baseURL,
            logger: logger)
    }
}

extension ConfiguredChannels {
    /// Sends a `channel.test` message at once through the channel of `kind` (`email` to an
    /// address, `sms` to a phone) with the settings saved now, switched on or not: the settings
    /// page's "send a test". Nothing is queued; the outcome is returned to show the admin.
    public func sendTest(kind: String, to recipient: String, language: String, timeout: Duration = .seconds(30)) async -> Result<String?, DeliveryError> {
        var settings: ChannelSettings
        do {
            settings = try await database.channelSettings()
        } catch {
            return .failure(.temporary("cannot read the settings: \(error)"))
        }
        settings.email.enabled = true
        settings.sms.enabled = true
        let channel: (any OutboxChannel)?
        var payload = ["lang": language]
        switch kind {
        case "email":
            channel = emailChannel(settings)
            payload["to"] = recipient
        case "sms":
            channel = smsGateway(settings).map {
                SMSChannel(database: database, composer: composer, gateway: $0, http: http, defaultLanguage: environment.defaultLanguage)
            }
            payload["phone"] = recipient
        default:
            channel = nil
        }
        guard let channel else { return .failure(.permanent("the channel is not configured")) }
        let message = OutboxMessage(
            id: 0, kind: kind, topic: "channel.test", payload: payload,
            idempotencyKey: "channel.test.\(kind).\(Crypto.randomToken(bytes: 8))", status: .sending, attempts: 1, nextAttemptAt: Date(),
            createdAt: Date())
        return await OutboxDispatcher.withDeadline(timeout) { try await channel.deliver(message) }
    }

    /// How the channels stand, for the settings page: where each one's configuration comes from.
    public struct Summary: Sendable {
        /// `page`, `environment`, `log` (the demo) or `none`.
        public var emailSource: String
        /// The server in effect, without its password (`smtp.example.ru:587, STARTTLS, user mailer`).
        public var emailServer: String
        public var sender: String
        /// `page`, `environment` or `none`.
        public var smsSource: String
        /// The gateway in effect, without its query string (where keys usually are).
        public var smsGateway: String
    }

    public func summary(_ settings: ChannelSettings) -> Summary {
        let server = smtpServer(settings)
        let emailSource =
            settings.email.hasServer ? "page" : server != nil ? "environment" : environment.logMailWithoutSMTP ? "log" : "none"
        let described = server.map { server in
            var text = "\(server.host):\(server.port), \(server.security == .tls ? "TLS" : server.security == .startTLS ? "STARTTLS" : "plain")"
            if let user = server.username { text += ", user \(user)" }
            if !server.verifyCertificates { text += ", certificates not checked" }
            return text
        }
        let gateway = smsGateway(settings)
        return Summary(
            emailSource: emailSource, emailServer: described ?? "", sender: { let from = sender(settings); return from.name.isEmpty ? from.address : "\(from.name) <\(from.address)>" }(),
            smsSource: settings.sms.hasGateway ? "page" : gateway != nil ? "environment" : "none",
            smsGateway: gateway.map { AsyncHTTPSender.redacted($0.url) } ?? "")
    }
}
