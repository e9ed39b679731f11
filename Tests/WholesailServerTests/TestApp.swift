import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import WholesailServer
import WholesailStore
import WholesailTestSupport

/// Builds the portal over a fresh in-memory database, the way `serve` does over a file.
enum TestApp {
    static func make(seed: ((WholesailDatabase) async throws -> Void)? = nil) async throws -> (
        app: WholesailApplication, database: WholesailDatabase
    ) {
        let database = try TestDatabase.inMemory()
        if let seed { try await seed(database) }
        let dependencies = try WholesailDependencies(database: database, passwordHasher: .fastForTests)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildApplication(
            configuration: WholesailConfiguration(port: 0), dependencies: dependencies, logger: logger)
        return (app, database)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }
}
