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
    }
}
