import Foundation
import Hummingbird
import Prometheus
import WholesailStore

/// `/healthz` and `/metrics`: what a load balancer and Prometheus ask.
struct OperationsController {
    let database: WholesailDatabase
    let metrics: PrometheusCollectorRegistry
    /// A Prometheus on another machine sends it as a bearer token (`WHOLESAIL_METRICS_TOKEN`).
    var metricsToken: String? = nil

    func mount(on routes: Routes) {
        routes.get("/healthz", .open, use: health)
        routes.get("/metrics", .open, use: prometheus)
    }

    /// 200 `{"status":"ok"}` once the database answers and every migration this binary knows
    /// is applied; 503 with the reason otherwise.
    @Sendable func health(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let problem: String?
        do {
            let applied = try await database.read { db in
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
        // The last import, reported like the outbox: an ERP that stopped sending shows here.
        if problem == nil, let last = try? await database.importJobs(limit: 1).first {
            var job: [String: Any] = [
                "id": last.id, "status": last.status, "source": last.source, "createdAt": Self.iso(last.createdAt),
            ]
            if let finished = last.finishedAt { job["finishedAt"] = Self.iso(finished) }
            if let error = last.error { job["error"] = String(error.prefix(200)) }
            body["lastImport"] = job
        }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Response(
            status: problem == nil ? .ok : .serviceUnavailable,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func iso(_ stamp: String) -> String { stamp.replacingOccurrences(of: " ", with: "T").prefix(23) + "Z" }

    /// Import gauges from the newest jobs: how many wait or run, the running one's progress, and
    /// when the last one finished (and whether it succeeded).
    func updateImportMetrics(_ jobs: [ImportJobInfo]) {
        for status in ["queued", "running"] {
            let count: Double = Double(jobs.count { $0.status == status })
            metrics.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "wholesail", subsystem: "import", metricName: "jobs", unitName: "", helpText: "Import jobs waiting or running (of the newest 20)"),
                labels: [("status", status)]
            ).set(count)
        }
        let running = jobs.first { $0.status == "running" }
        let progress = running.map { $0.bytesTotal > 0 ? min(1, Double($0.bytesDone) / Double($0.bytesTotal)) : 0 } ?? 0
        metrics.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "wholesail", subsystem: "import", metricName: "progress", unitName: "ratio", helpText: "Share of the running import's bytes read (0 when none runs)")
        ).set(progress)
        if let finished = jobs.first(where: \.isFinished) {
            metrics.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "wholesail", subsystem: "import", metricName: "last_succeeded", unitName: "", helpText: "1 when the last finished import succeeded, else 0")
            ).set(finished.status == "succeeded" ? 1.0 : 0.0)
        }
    }

    /// Whether this request may read `/metrics`: routes, volumes, import state and queue depths
    /// are for the operator, not the internet. A client on this machine (loopback, not a visitor
    /// forwarded by the proxy beside it) may; anyone else needs the metrics token.
    func mayReadMetrics(_ request: Request, context: WholesailRequestContext) -> Bool {
        let client = RateLimitMiddleware.clientAddress(request, peer: context.remoteIP)
        if RateLimitMiddleware.isLoopback(client) { return true }
        guard let metricsToken, let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return false }
        let offered = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        return Crypto.constantTimeEqual(Array(offered.utf8), Array(metricsToken.utf8))
    }

    @Sendable func prometheus(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard mayReadMetrics(request, context: context) else {
            return Response(
                status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: "/metrics answers this machine only, or a bearer token set in WHOLESAIL_METRICS_TOKEN.\n")))
        }
        if let stats = try? await database.outboxStats() {
            OutboxMetrics(registry: metrics).update(stats)
        }
        if let jobs = try? await database.importJobs(limit: 20) {
            updateImportMetrics(jobs)
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
