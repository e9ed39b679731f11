import Foundation

/// How notifications leave the portal (beyond `smtpURL` and `mailFrom`).
public struct OutboxConfiguration: Sendable {
    /// Run the dispatcher (tests that drive it by hand turn it off).
    public var dispatcherEnabled = true
    /// With no SMTP server: log e-mails instead of leaving them queued (`serve --demo`).
    public var logMailWithoutSMTP = false
    /// The SMS gateway; nil leaves SMS queued.
    public var sms: SMSGateway?
    /// Attempts before a message is marked failed.
    public var maxAttempts = 12
    /// Language of e-mails to addresses that belong to no user (`ru` or `en`).
    public var defaultLanguage = "ru"
    /// The longest one delivery may take (connection, TLS, the server's answers), in seconds;
    /// a server slower than this is a temporary failure, retried later.
    public var timeoutSeconds = 60
    /// Days a sent message is kept before it is pruned (0: for ever); the settings page may
    /// override it. Failed and waiting messages are never pruned.
    public var keepDays = 30

    public init() {}

    /// The variables read by `read(environment:)`, for the configuration table.
    public static let environmentKeys: [(key: String, meaning: String)] = [
        ("WHOLESAIL_MAIL_LANGUAGE", "language of e-mails to addresses that belong to no user: ru (default) or en"),
        ("WHOLESAIL_OUTBOX_MAX_ATTEMPTS", "delivery attempts before a notification is marked failed (default 12)"),
        ("WHOLESAIL_OUTBOX_TIMEOUT", "seconds one delivery attempt may take before it counts as failed and is retried (default 60)"),
        ("WHOLESAIL_OUTBOX_KEEP_DAYS", "days sent notifications are kept before they are pruned (default 30; 0 keeps them)"),
        ("WHOLESAIL_SMS_URL", "SMS gateway URL template with {phone} and {text}; unset: SMS stay queued"),
        ("WHOLESAIL_SMS_METHOD", "GET or POST (default: POST with a body, GET without)"),
        ("WHOLESAIL_SMS_HEADER", "one extra header for the gateway, Name: value"),
        ("WHOLESAIL_SMS_BODY", "request body template with {phone} and {text}"),
        ("WHOLESAIL_SMS_CONTENT_TYPE", "content type of the body (default application/x-www-form-urlencoded)"),
        ("WHOLESAIL_SMS_SUCCESS", "text the gateway's answer must contain to count as sent"),
    ]

    /// Reads the `WHOLESAIL_SMS_*`, `WHOLESAIL_MAIL_LANGUAGE` and `WHOLESAIL_OUTBOX_*` variables.
    /// Throws a one-line message for a bad value.
    public mutating func read(environment env: [String: String]) throws {
        func value(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let language = value("WHOLESAIL_MAIL_LANGUAGE") {
            guard ["ru", "en"].contains(language) else { throw OutboxConfigurationError("invalid WHOLESAIL_MAIL_LANGUAGE \(language): expected ru or en") }
            defaultLanguage = language
        }
        if let raw = value("WHOLESAIL_OUTBOX_MAX_ATTEMPTS") {
            guard let attempts = Int(raw), (1...100).contains(attempts) else {
                throw OutboxConfigurationError("invalid WHOLESAIL_OUTBOX_MAX_ATTEMPTS \(raw): expected a number from 1 to 100")
            }
            maxAttempts = attempts
        }
        if let raw = value("WHOLESAIL_OUTBOX_TIMEOUT") {
            guard let seconds = Int(raw), (1...3600).contains(seconds) else {
                throw OutboxConfigurationError("invalid WHOLESAIL_OUTBOX_TIMEOUT \(raw): expected seconds from 1 to 3600")
            }
            timeoutSeconds = seconds
        }
        if let raw = value("WHOLESAIL_OUTBOX_KEEP_DAYS") {
            guard let days = Int(raw), (0...3650).contains(days) else {
                throw OutboxConfigurationError("invalid WHOLESAIL_OUTBOX_KEEP_DAYS \(raw): expected days from 0 to 3650")
            }
            keepDays = days
        }
        if let url = value("WHOLESAIL_SMS_URL") {
            guard url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://") else {
                throw OutboxConfigurationError("invalid WHOLESAIL_SMS_URL: expected an http:// or https:// address")
            }
            let method = value("WHOLESAIL_SMS_METHOD")?.uppercased()
            if let method, !["GET", "POST"].contains(method) {
                throw OutboxConfigurationError("invalid WHOLESAIL_SMS_METHOD \(method): expected GET or POST")
            }
            sms = SMSGateway(
                url: url, method: method, header: value("WHOLESAIL_SMS_HEADER"), body: value("WHOLESAIL_SMS_BODY"),
                contentType: value("WHOLESAIL_SMS_CONTENT_TYPE"), successMarker: value("WHOLESAIL_SMS_SUCCESS"))
        }
    }
}

public struct OutboxConfigurationError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
