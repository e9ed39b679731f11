import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import WholesailServer
import WholesailStore
import WholesailTestSupport

/// Builds the portal over a fresh in-memory database, the way `serve` does over a file.
enum TestApp {
    /// The pricing service of each app made, by its database (tests run in parallel, so "the last
    /// app made" would be another test's).
    static let pricingServices = Mutex<[ObjectIdentifier: PricingService]>([:])

    /// The pricing service of the app built over `database` (for tests that change rules).
    static func pricing(for database: WholesailDatabase) -> PricingService? {
        pricingServices.withLock { $0[ObjectIdentifier(database.writer as AnyObject)] }
    }

    static func make(
        seed: ((WholesailDatabase) async throws -> Void)? = nil, configuration: WholesailConfiguration = WholesailConfiguration(port: 0),
        importLimits: ImportLimits = ImportLimits(), database given: WholesailDatabase? = nil
    ) async throws -> (
        app: WholesailApplication, database: WholesailDatabase
    ) {
        // Every page any test renders is compared with the reference template engine.
        ReferenceTemplates.install()
        // A file database (a WAL pool, as in production) when the test needs real concurrency.
        let database = try given ?? TestDatabase.inMemory()
        if let seed { try await seed(database) }
        let dependencies = try await WholesailDependencies(database: database, passwordHasher: .fastForTests, importLimits: importLimits)
        pricingServices.withLock { $0[ObjectIdentifier(database.writer as AnyObject)] = dependencies.pricing }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        // Router tests have no peer address, so they read /metrics as a remote Prometheus would.
        var configuration = configuration
        if configuration.metricsToken == nil { configuration.metricsToken = metricsToken }
        let app = buildApplication(
            configuration: configuration, dependencies: dependencies, logger: logger)
        return (app, database)
    }

    static let metricsToken = "test-metrics-token-0123456789"
}

extension TestClientProtocol {
    /// `/metrics` with the test apps' metrics token.
    func metrics() async throws -> String {
        String(buffer: try await execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(TestApp.metricsToken)"]).body)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }
}
