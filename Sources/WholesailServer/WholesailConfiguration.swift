import Foundation
import Logging

/// Everything `serve` needs to know, from options and `WHOLESAIL_*` environment variables.
/// docs/configuration.md lists every key; a test keeps that table honest.
public struct WholesailConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var databasePath: String
    public var baseURL: String?
    public var smtpURL: String?
    public var mailFrom: String?
    public var exchangeUser: String?
    public var exchangePassword: String?
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// Largest request body accepted by ordinary routes (uploads have their own limit).
    public var maxBodyBytes: Int
    /// Where backups made by the portal go (admin page, schedule); default: `backups/` beside the database.
    public var backupDirectory: String?
    /// Minutes between scheduled backups; 0 turns the schedule off.
    public var backupIntervalMinutes: Int = 0
    /// How many scheduled backups to keep.
    public var backupKeep: Int = 7
    /// Notification channels and the dispatcher (SMS gateway, attempts; see OutboxConfiguration).
    public var outbox = OutboxConfiguration()
    /// Requests per client address on sign-in, registration, password reset and imports.
    public var rateLimits = RateLimits()
    /// Built-in HTTPS: a PEM certificate chain and its private key (both or neither).
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// `/metrics` answers this machine (loopback, not through the proxy) and, with this token as
    /// a bearer token, a Prometheus elsewhere.
    public var metricsToken: String?

    /// Whether the portal itself speaks HTTPS.
    public var servesHTTPS: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }

    /// Whether browsers reach the portal over HTTPS (built in, or a proxy in front per the base URL):
    /// cookies are `Secure` and `Strict-Transport-Security` is sent.
    public var publicHTTPS: Bool { servesHTTPS || (baseURL?.lowercased().hasPrefix("https://") ?? false) }

    /// Largest file an import accepts (a multipart upload, a file 1C sends in chunks, a zip entry).
    public var importMaxBytes: Int = 2 << 30
    /// `file_limit` announced to 1C: the largest body of one `mode=file` request.
    public var exchangeFileLimit: Int = 32 << 20

    /// The bounds of uploads and packages in effect.
    public var importLimits: ImportLimits {
        ImportLimits(maxUploadBytes: importMaxBytes, exchangeChunkBytes: min(exchangeFileLimit, importMaxBytes))
    }

    /// The backup folder in effect.
    public var resolvedBackupDirectory: String {
        backupDirectory ?? URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("backups").path
    }

    public enum LogFormat: String, Sendable, CaseIterable {
        case text
        case json
    }

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        databasePath: String = "./wholesail.sqlite",
        baseURL: String? = nil,
        smtpURL: String? = nil,
        mailFrom: String? = nil,
        exchangeUser: String? = nil,
        exchangePassword: String? = nil,
        logLevel: Logger.Level = .info,
        logFormat: LogFormat = .text,
        maxBodyBytes: Int = 2 * 1024 * 1024
    ) {
        self.host = host
        self.port = port
        self.databasePath = databasePath
        self.baseURL = baseURL
        self.smtpURL = smtpURL
        self.mailFrom = mailFrom
        self.exchangeUser = exchangeUser
        self.exchangePassword = exchangePassword
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.maxBodyBytes = maxBodyBytes
    }

    /// The keys read from the environment (beyond the command-line options), with what they do.
    /// docs/configuration.md documents each one; `ConfigurationDocsTests` checks that.
    public static let environmentKeys: [(key: String, meaning: String)] = [
        ("WHOLESAIL_DB", "database file (same as --db)"),
        ("WHOLESAIL_HOST", "address to bind (same as --host)"),
        ("WHOLESAIL_PORT", "port to bind (same as --port)"),
        ("WHOLESAIL_DEMO", "fill the demo distributor on an empty database (same as --demo)"),
        ("WHOLESAIL_BASE_URL", "public URL of the portal, used in links in e-mails"),
        ("WHOLESAIL_SMTP_URL", "outgoing mail server, smtp://user:pass@host:port or smtps://…"),
        ("WHOLESAIL_MAIL_FROM", "sender address of e-mails"),
        ("WHOLESAIL_EXCHANGE_USER", "login of the 1C exchange user"),
        ("WHOLESAIL_EXCHANGE_PASSWORD", "password of the 1C exchange user"),
        ("WHOLESAIL_LOG_LEVEL", "trace, debug, info, notice, warning, error or critical"),
        ("WHOLESAIL_LOG_FORMAT", "text or json"),
        ("WHOLESAIL_ASSETS_DIR", "development only: read templates and static files from this folder"),
        ("WHOLESAIL_BACKUP_DIR", "folder of backups made by the portal (default: backups/ beside the database)"),
        ("WHOLESAIL_BACKUP_INTERVAL", "minutes between scheduled backups (0: off, the default)"),
        ("WHOLESAIL_BACKUP_KEEP", "scheduled backups to keep (default 7)"),
        ("WHOLESAIL_IMPORT_MAX_BYTES", "largest import file or upload in bytes (default 2 GiB); larger uploads get 413"),
        ("WHOLESAIL_EXCHANGE_FILE_LIMIT", "largest chunk 1C may send per mode=file request, in bytes (default 32 MiB)"),
        ("WHOLESAIL_RATE_LIMITS", "on (default) or off: per-address limits on sign-in, registration, password reset and imports"),
        ("WHOLESAIL_TLS_CERT", "built-in HTTPS: PEM certificate chain file (with WHOLESAIL_TLS_KEY)"),
        ("WHOLESAIL_TLS_KEY", "built-in HTTPS: PEM private key file (with WHOLESAIL_TLS_CERT)"),
        ("WHOLESAIL_METRICS_TOKEN", "bearer token that lets a Prometheus on another machine read /metrics (this machine reads it without)"),
    ] + OutboxConfiguration.environmentKeys
}
