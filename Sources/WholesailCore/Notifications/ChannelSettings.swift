import Foundation

/// The notification channels as the admin set them on the settings page (stored in the
/// `setting` table under `channel.*` and `outbox.*`). Values left empty fall back to the
/// environment (`WHOLESAIL_SMTP_URL`, `WHOLESAIL_SMS_*`, `WHOLESAIL_OUTBOX_KEEP_DAYS`).
///
/// A channel that is switched off sends nothing and `Outbox.publish` queues nothing new for it;
/// what was queued before waits (pending) until it is switched on again or discarded.
public struct ChannelSettings: Sendable, Equatable {
    public struct Email: Sendable, Equatable {
        public var enabled = true
        /// The SMTP server; empty: the server of `WHOLESAIL_SMTP_URL` (if any) is used.
        public var host = ""
        public var port: Int?
        /// `plain`, `starttls` or `tls` (implicit TLS, smtps).
        public var security = "starttls"
        public var username = ""
        /// A secret: never shown back in full.
        public var password = ""
        /// `Name <address>` or an address; empty: `WHOLESAIL_MAIL_FROM` or its default.
        public var from = ""
        /// A PEM file of the CA that signed the server's certificate (a private server).
        public var caFile = ""
        /// Off only for tests against a throwaway server.
        public var verifyCertificates = true

        public init() {}

        /// Whether this page configures the server (otherwise the environment does).
        public var hasServer: Bool { !host.isEmpty }
    }

    public struct SMS: Sendable, Equatable {
        public var enabled = true
        /// URL template with `{phone}`, `{text}` and `{secret}`; empty: `WHOLESAIL_SMS_URL`.
        public var url = ""
        /// `GET` or `POST`; empty: POST with a body, GET without.
        public var method = ""
        /// One extra header `Name: value`; may use `{secret}`.
        public var header = ""
        /// Body template with `{phone}`, `{text}` and `{secret}`.
        public var body = ""
        public var contentType = ""
        /// Text a successful answer contains.
        public var successMarker = ""
        /// The gateway's key or token, put where the templates say `{secret}`; never shown back in full.
        public var secret = ""

        public init() {}

        public var hasGateway: Bool { !url.isEmpty }
    }

    public var email = Email()
    public var sms = SMS()
    public var webhooksEnabled = true
    /// Days a sent message is kept before it is pruned; nil: the environment's (default 30).
    /// 0 keeps sent messages for ever.
    public var retentionDays: Int?

    public init() {}

    /// Whether messages of `kind` (`email`, `sms`, `webhook`) are queued and sent.
    public func isEnabled(kind: String) -> Bool {
        switch kind {
        case "email": email.enabled
        case "sms": sms.enabled
        case "webhook": webhooksEnabled
        default: true
        }
    }

    // MARK: Storage

    /// The `setting` keys this struct is stored under.
    public enum Key {
        public static let emailEnabled = "channel.email.enabled"
        public static let smsEnabled = "channel.sms.enabled"
        public static let webhooksEnabled = "channel.webhook.enabled"
        public static let retentionDays = "outbox.retention_days"
        public static let email = [
            "channel.email.host", "channel.email.port", "channel.email.security", "channel.email.username", "channel.email.password",
            "channel.email.from", "channel.email.ca", "channel.email.verify",
        ]
        public static let sms = [
            "channel.sms.url", "channel.sms.method", "channel.sms.header", "channel.sms.body", "channel.sms.content_type",
            "channel.sms.success", "channel.sms.secret",
        ]
        /// The switches `Outbox.publish` reads.
        public static let switches = [emailEnabled, smsEnabled, webhooksEnabled]
    }

    /// Reads stored rows (missing keys keep their defaults; unreadable values are ignored).
    public init(rows: [String: String]) {
        func flag(_ key: String, _ fallback: Bool) -> Bool { rows[key].map { $0 == "1" } ?? fallback }
        email.enabled = flag(Key.emailEnabled, true)
        sms.enabled = flag(Key.smsEnabled, true)
        webhooksEnabled = flag(Key.webhooksEnabled, true)
        retentionDays = rows[Key.retentionDays].flatMap { Int($0) }.map { max(0, min($0, 3650)) }
        email.host = rows["channel.email.host"] ?? ""
        email.port = rows["channel.email.port"].flatMap { Int($0) }
        email.security = rows["channel.email.security"].flatMap { Self.securities.contains($0) ? $0 : nil } ?? "starttls"
        email.username = rows["channel.email.username"] ?? ""
        email.password = rows["channel.email.password"] ?? ""
        email.from = rows["channel.email.from"] ?? ""
        email.caFile = rows["channel.email.ca"] ?? ""
        email.verifyCertificates = flag("channel.email.verify", true)
        sms.url = rows["channel.sms.url"] ?? ""
        sms.method = rows["channel.sms.method"] ?? ""
        sms.header = rows["channel.sms.header"] ?? ""
        sms.body = rows["channel.sms.body"] ?? ""
        sms.contentType = rows["channel.sms.content_type"] ?? ""
        sms.successMarker = rows["channel.sms.success"] ?? ""
        sms.secret = rows["channel.sms.secret"] ?? ""
    }

    /// The e-mail settings as stored rows.
    public var emailRows: [(String, String)] {
        [
            (Key.emailEnabled, email.enabled ? "1" : "0"), ("channel.email.host", email.host),
            ("channel.email.port", email.port.map(String.init) ?? ""), ("channel.email.security", email.security),
            ("channel.email.username", email.username), ("channel.email.password", email.password), ("channel.email.from", email.from),
            ("channel.email.ca", email.caFile), ("channel.email.verify", email.verifyCertificates ? "1" : "0"),
        ]
    }

    /// The SMS settings as stored rows.
    public var smsRows: [(String, String)] {
        [
            (Key.smsEnabled, sms.enabled ? "1" : "0"), ("channel.sms.url", sms.url), ("channel.sms.method", sms.method),
            ("channel.sms.header", sms.header), ("channel.sms.body", sms.body), ("channel.sms.content_type", sms.contentType),
            ("channel.sms.success", sms.successMarker), ("channel.sms.secret", sms.secret),
        ]
    }

    public static let securities = ["plain", "starttls", "tls"]

    // MARK: Validation

    /// Field problems of the e-mail settings (keys are the form's field names).
    public func validateEmail() throws {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let email = self.email
        if !email.host.isEmpty {
            if email.host.count > 255 || email.host.contains(where: { $0.isWhitespace || "/@?#".contains($0) }) {
                fields["host"] = .init(code: "channels.bad_host", message: "Enter a host name or address, such as smtp.example.ru.")
            }
        } else if !email.username.isEmpty || email.port != nil {
            fields["host"] = .init(code: "channels.host_required", message: "Enter the mail server.")
        }
        if let port = email.port, !(1...65535).contains(port) {
            fields["port"] = .init(code: "channels.bad_port", message: "Enter a port from 1 to 65535.")
        }
        if !Self.securities.contains(email.security) {
            fields["security"] = .init(code: "channels.bad_security", message: "Choose how the connection is protected.")
        }
        if email.username.count > 200 || email.username.contains(where: \.isNewline) {
            fields["username"] = .init(code: "field.too_long", message: "This is too long.")
        }
        if email.password.count > 500 || email.password.contains(where: \.isNewline) {
            fields["password"] = .init(code: "field.too_long", message: "This is too long.")
        }
        if !email.from.isEmpty && !Self.isMailbox(email.from) {
            fields["from"] = .init(code: "channels.bad_from", message: "Enter an address, or Name <address>.")
        }
        if !email.caFile.isEmpty && !(email.caFile.hasPrefix("/") && email.caFile.count <= 1000) {
            fields["ca"] = .init(code: "channels.bad_ca", message: "Enter the full path of a PEM file on the server.")
        }
        if !fields.isEmpty { throw ValidationError(fields: fields) }
    }

    /// Field problems of the SMS settings.
    public func validateSMS() throws {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let sms = self.sms
        let lower = sms.url.lowercased()
        if !sms.url.isEmpty
            && (!(lower.hasPrefix("http://") || lower.hasPrefix("https://")) || sms.url.count > 2000 || sms.url.contains(where: \.isWhitespace))
        {
            fields["url"] = .init(code: "channels.bad_sms_url", message: "Enter an http:// or https:// address with {phone} and {text}.")
        }
        if !sms.method.isEmpty && !["GET", "POST"].contains(sms.method) {
            fields["method"] = .init(code: "channels.bad_method", message: "Choose GET or POST.")
        }
        if !sms.header.isEmpty && (!sms.header.contains(":") || sms.header.contains(where: \.isNewline) || sms.header.count > 2000) {
            fields["header"] = .init(code: "channels.bad_header", message: "Write one header as Name: value.")
        }
        if sms.body.count > 4000 { fields["body"] = .init(code: "field.too_long", message: "This is too long.") }
        if sms.contentType.count > 200 || sms.contentType.contains(where: \.isNewline) {
            fields["contentType"] = .init(code: "field.too_long", message: "This is too long.")
        }
        if sms.successMarker.count > 200 { fields["success"] = .init(code: "field.too_long", message: "This is too long.") }
        if sms.secret.count > 500 || sms.secret.contains(where: \.isNewline) {
            fields["secret"] = .init(code: "field.too_long", message: "This is too long.")
        }
        if !fields.isEmpty { throw ValidationError(fields: fields) }
    }

    /// `Name <a@b>` or `a@b`.
    static func isMailbox(_ text: String) -> Bool {
        var address = text.trimmingCharacters(in: .whitespaces)
        if let open = address.lastIndex(of: "<"), address.hasSuffix(">") {
            address = String(address[address.index(after: open)..<address.index(before: address.endIndex)])
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !text.contains(where: \.isNewline)
            && !address.contains(where: { $0.isWhitespace || "<>,".contains($0) })
    }

    /// How a secret is shown: never in full. Long ones show their last four characters so the
    /// admin can tell which key is set.
    public static func masked(_ secret: String) -> String {
        guard !secret.isEmpty else { return "" }
        return secret.count >= 16 ? "••••" + secret.suffix(4) : "••••"
    }
}
