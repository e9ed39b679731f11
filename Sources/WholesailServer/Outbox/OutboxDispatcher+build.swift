import Foundation
import Logging
import WholesailCore
import WholesailStore

extension OutboxDispatcher {
    /// The dispatcher `serve` runs, with a channel for each configured way out:
    /// - e-mail through `WHOLESAIL_SMTP_URL` (or the log in the demo; with neither, e-mails
    ///   stay queued until a server is configured);
    /// - SMS through `WHOLESAIL_SMS_URL` (none: SMS stay queued);
    /// - webhooks always (they exist only once an admin adds an endpoint).
    static func make(
        configuration: WholesailConfiguration, dependencies: WholesailDependencies, logger: Logger
    ) -> OutboxDispatcher {
        let baseURL = configuration.baseURL ?? "http://\(configuration.host):\(configuration.port)"
        let composer = NotificationComposer(renderer: dependencies.renderer, baseURL: baseURL)
        let http = AsyncHTTPSender()
        var channels: [any OutboxChannel] = [WebhookChannel(database: dependencies.database, http: http)]
        let defaultFrom = "noreply@" + (URL(string: baseURL)?.host.flatMap { $0.contains(".") ? $0 : nil } ?? "localhost")
        let from = configuration.mailFrom.flatMap(MailAddress.init(parsing:)) ?? MailAddress(defaultFrom, name: "Wholesail")
        if configuration.mailFrom != nil && MailAddress(parsing: configuration.mailFrom ?? "") == nil {
            logger.error("WHOLESAIL_MAIL_FROM is not an e-mail address; using \(from.address)")
        }
        var transport: (any MailTransport)?
        if let url = configuration.smtpURL {
            if let server = SMTPServer(url: url) {
                transport = SMTPMailTransport(server: server)
            } else {
                logger.error("WHOLESAIL_SMTP_URL is not an smtp:// or smtps:// URL; e-mails stay queued")
            }
        } else if configuration.outbox.logMailWithoutSMTP {
            transport = LogMailTransport(logger: logger)
        }
        if let transport {
            channels.append(
                EmailChannel(
                    database: dependencies.database, composer: composer, transport: transport, from: from,
                    defaultLanguage: configuration.outbox.defaultLanguage))
        }
        if let gateway = configuration.outbox.sms {
            channels.append(
                SMSChannel(
                    database: dependencies.database, composer: composer, gateway: gateway, http: http,
                    defaultLanguage: configuration.outbox.defaultLanguage))
        }
        return OutboxDispatcher(
            database: dependencies.database, channels: channels, policy: RetryPolicy(maxAttempts: configuration.outbox.maxAttempts),
            logger: logger, metrics: OutboxMetrics(registry: dependencies.metrics))
    }
}
