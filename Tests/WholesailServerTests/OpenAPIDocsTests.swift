import Foundation
import Testing
import WholesailServer
import WholesailStore
import WholesailTestSupport

@Suite struct OpenAPIDocsTests {
    @Test("docs/openapi.yaml describes every /api route the application declares")
    func everyRouteDocumented() async throws {
        let doc = try String(contentsOfFile: Repository.path("docs/openapi.yaml"), encoding: .utf8)
        let routes = declaredRoutes(
            configuration: WholesailConfiguration(), dependencies: try await WholesailDependencies(database: try TestDatabase.inMemory()))
        for route in routes where route.path.hasPrefix("/api/") {
            let documented = route.path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            guard let section = doc.range(of: "\n  /\(documented):\n") else {
                Issue.record("\(route.path) is not in docs/openapi.yaml")
                continue
            }
            let rest = doc[section.upperBound...]
            let block = rest.prefix { _ in true }.components(separatedBy: "\n  /").first ?? ""
            #expect(block.contains("    \(route.method.lowercased()):"), "\(route.method) \(route.path) is not documented")
        }
    }
}
