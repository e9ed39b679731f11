import Logging
import Prometheus
import WholesailStore

/// What the application is built from. `buildApplication(configuration:)` opens the real ones;
/// tests pass an in-memory database and their own registry.
public struct WholesailDependencies: Sendable {
    public var database: WholesailDatabase
    public var renderer: TemplateRenderer
    public var metrics: PrometheusCollectorRegistry
    /// How passwords are hashed (production: scrypt N=2^17; tests pass cheaper parameters).
    public var passwordHasher: PasswordHasher
    /// Every buyer's prices.
    public var pricing: PricingService
    /// Import jobs: the runner's wake-up, whether one is writing, upload limits.
    public var imports: ImportCoordinator
    /// The admin's portal-wide settings, cached for per-request use.
    var settings: PortalSettingsCache

    public init(
        database: WholesailDatabase, renderer: TemplateRenderer? = nil, metrics: PrometheusCollectorRegistry? = nil,
        passwordHasher: PasswordHasher = .standard, importLimits: ImportLimits = ImportLimits()
    ) async throws {
        self.database = database
        self.pricing = try await PricingService(database: database)
        self.passwordHasher = passwordHasher
        self.renderer = try renderer ?? TemplateRenderer()
        self.metrics = metrics ?? PrometheusCollectorRegistry()
        self.imports = ImportCoordinator(limits: importLimits)
        self.settings = PortalSettingsCache(database: database)
        Self.recordWaits(of: database, into: self.metrics)
    }

    /// `wholesail_db_wait_seconds{connection="reader"|"writer"}`: how long requests and jobs
    /// waited for a connection of the pool (a reader wait: every reader busy; a writer wait: an
    /// import batch, a backup or another write holding the one writer).
    static func recordWaits(of database: WholesailDatabase, into registry: PrometheusCollectorRegistry) {
        let buckets: [Duration] = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(1000), .seconds(5),
        ]
        let descriptor = MetricNameDescriptor(
            namespace: "wholesail", subsystem: "db", metricName: "wait", unitName: "seconds",
            helpText: "Time from asking for a database connection to running on it")
        let histograms = Dictionary(uniqueKeysWithValues: DatabaseWaits.Connection.allCases.map { connection in
            (connection, registry.makeDurationHistogram(descriptor: descriptor, labels: [("connection", connection.rawValue)], buckets: buckets))
        })
        database.waits.observe { connection, wait in histograms[connection]?.record(wait) }
    }
}
