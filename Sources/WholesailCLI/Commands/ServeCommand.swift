import ArgumentParser
import CWholesailAssets
import Foundation
import Logging
import Metrics
import Prometheus
import WholesailServer
import WholesailStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the portal (creates and migrates the database on first start).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to bind, numeric (env WHOLESAIL_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind (env WHOLESAIL_PORT; default 8080).") var port: String?
    @Flag(help: "On an empty database, fill a demo distributor and print its logins (env WHOLESAIL_DEMO).")
    var demo = false

    func run() async throws {
        var configuration = try resolvedConfiguration()
        // The demo without a mail server shows its e-mails in the log instead of queueing them.
        configuration.outbox.logMailWithoutSMTP = Environment.flag(demo, "WHOLESAIL_DEMO")
        bootstrapLogging(level: configuration.logLevel, format: configuration.logFormat)
        let logger = Logger(label: "wholesail")

        let db = try WholesailDatabase.open(at: configuration.databasePath)
        logger.info("database \(configuration.databasePath), SQLite \((try? db.sqliteVersion()) ?? "?"), WAL, synchronous=FULL")
        if Environment.flag(demo, "WHOLESAIL_DEMO") {
            let logins = try await DemoSeeder.ensureSeeded(db)
            for login in logins {
                print("demo login: \(login.role) \(login.email) \(login.password)")
            }
        }
        try db.ensurePlannerStatistics()
        let dependencies = try await WholesailDependencies(database: db)
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: dependencies.metrics))
        let app: WholesailApplication
        do {
            app = try buildServer(configuration: configuration, dependencies: dependencies, logger: logger) { url in
                print("listening on \(url)")
                fflush(nil)
            }
        } catch {
            throw CLIError("HTTPS: \(error)")
        }
        try await app.runService()
    }

    func resolvedConfiguration() throws -> WholesailConfiguration {
        var configuration = WholesailConfiguration()
        configuration.databasePath = database.resolvedPath
        let rawHost = Environment.value(host, "WHOLESAIL_HOST") ?? "127.0.0.1"
        configuration.host = try Self.numericHost(rawHost)
        let rawPort = Environment.value(port, "WHOLESAIL_PORT") ?? "8080"
        guard let portNumber = Int(rawPort), (0...65535).contains(portNumber) else {
            throw CLIError("invalid port \(rawPort): expected a number from 0 to 65535")
        }
        configuration.port = portNumber
        let env = ProcessInfo.processInfo.environment
        configuration.baseURL = env["WHOLESAIL_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.smtpURL = env["WHOLESAIL_SMTP_URL"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.mailFrom = env["WHOLESAIL_MAIL_FROM"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.exchangeUser = env["WHOLESAIL_EXCHANGE_USER"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.exchangePassword = env["WHOLESAIL_EXCHANGE_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.backupDirectory = env["WHOLESAIL_BACKUP_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.metricsToken = env["WHOLESAIL_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        for (key, minimum) in [("WHOLESAIL_BACKUP_INTERVAL", 0), ("WHOLESAIL_BACKUP_KEEP", 1)] {
            guard let raw = env[key], !raw.isEmpty else { continue }
            guard let value = Int(raw), value >= minimum else { throw CLIError("invalid \(key) \(raw): expected a whole number from \(minimum)") }
            if key == "WHOLESAIL_BACKUP_INTERVAL" { configuration.backupIntervalMinutes = value } else { configuration.backupKeep = value }
        }
        do {
            try configuration.outbox.read(environment: env)
        } catch {
            throw CLIError("\(error)")
        }
        for key in ["WHOLESAIL_IMPORT_MAX_BYTES", "WHOLESAIL_EXCHANGE_FILE_LIMIT"] {
            guard let raw = env[key], !raw.isEmpty else { continue }
            guard let value = Int(raw), value >= 1024 else { throw CLIError("invalid \(key) \(raw): expected a number of bytes from 1024") }
            if key == "WHOLESAIL_IMPORT_MAX_BYTES" { configuration.importMaxBytes = value } else { configuration.exchangeFileLimit = value }
        }
        if let level = env["WHOLESAIL_LOG_LEVEL"], !level.isEmpty {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw CLIError("invalid WHOLESAIL_LOG_LEVEL \(level): expected trace, debug, info, notice, warning, error or critical")
            }
            configuration.logLevel = parsed
        }
        switch env["WHOLESAIL_RATE_LIMITS"]?.lowercased() ?? "" {
        case "", "on": break
        case "off": configuration.rateLimits = .off
        case let other: throw CLIError("invalid WHOLESAIL_RATE_LIMITS \(other): expected on or off")
        }
        let certificate = env["WHOLESAIL_TLS_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        let key = env["WHOLESAIL_TLS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        guard (certificate == nil) == (key == nil) else {
            throw CLIError("built-in HTTPS needs both WHOLESAIL_TLS_CERT and WHOLESAIL_TLS_KEY")
        }
        configuration.tlsCertificatePath = certificate
        configuration.tlsKeyPath = key
        if let format = env["WHOLESAIL_LOG_FORMAT"], !format.isEmpty {
            guard let parsed = WholesailConfiguration.LogFormat(rawValue: format.lowercased()) else {
                throw CLIError("invalid WHOLESAIL_LOG_FORMAT \(format): expected text or json")
            }
            configuration.logFormat = parsed
        }
        return configuration
    }

    /// The fully static binary cannot use glibc's name service, so hosts are numeric addresses;
    /// `localhost` is the one name understood (as 127.0.0.1).
    static func numericHost(_ host: String) throws -> String {
        if host == "localhost" { return "127.0.0.1" }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1 { return host }
        throw CLIError("invalid host \(host): give a numeric address such as 127.0.0.1 or 0.0.0.0")
    }
}

func bootstrapLogging(level: Logger.Level, format: WholesailConfiguration.LogFormat) {
    LoggingSystem.bootstrap { label in
        switch format {
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

