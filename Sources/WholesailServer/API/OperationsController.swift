import Foundation
import Hummingbird
import Prometheus
import WholesailStore

/// `/healthz` and `/metrics`: what a load balancer and Prometheus ask.
struct OperationsController {
    let database: WholesailDatabase
    let metrics: PrometheusCollectorRegistry

    func mount(on routes: Routes) {
        routes.get("/healthz", .open, use: health)
        routes.get("/metrics", .open, use: prometheus)
    }

    /// 200 `{"status":"ok"}` once the database answers and every migration this binary knows
    /// is applied; 503 with the reason otherwise.
    @Sendable func health(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let problem: String?
        do {
            let applied = try await database.reader.read { db in
                try WholesailDatabase.migrator.appliedIdentifiers(db)
            }
            let missing = Set(WholesailDatabase.migrationNames).subtracting(applied)
            problem = missing.isEmpty ? nil : "migrations not applied: \(missing.sorted().joined(separator: ", "))"
        } catch {
            problem = "database unavailable"
        }
        var body: [String: Any] = problem.map { ["status": "unavailable", "reason": $0] } ?? ["status": "ok"]
        // The outbox is reported, not judged: a late e-mail does not make the portal unhealthy.
        if problem == nil, let stats = try? await database.outboxStats() {
            body["outbox"] = [
                "lagSeconds": Int(stats.lagSeconds.rounded()), "pending": stats.count(.pending) + stats.count(.sending),
                "failed": stats.count(.failed),
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Response(
            status: problem == nil ? .ok : .serviceUnavailable,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    @Sendable func prometheus(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        if let stats = try? await database.outboxStats() {
            OutboxMetrics(registry: metrics).update(stats)
        }
        var buffer = [UInt8]()
        buffer.reserveCapacity(16 * 1024)
        metrics.emit(into: &buffer)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}
