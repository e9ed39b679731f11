import AsyncHTTPClient
import Foundation
import GRDB
import Logging
import NIOCore
import Synchronization
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// The `wholesail` executable: `WHOLESAIL_BIN`, else the one built beside the tests.
enum WholesailBinary {
    static var path: String? {
        if let given = ProcessInfo.processInfo.environment["WHOLESAIL_BIN"], !given.isEmpty {
            return FileManager.default.isExecutableFile(atPath: given) ? given : nil
        }
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("wholesail")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url.path }
        }
        return nil
    }
}

/// `wholesail serve` as a child process on a free port, its log in a file.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let baseURL: String
    let logFile: String

    /// Starts the server and returns once it printed `listening on …`.
    init(binary: String, database: String, environment: [String: String], logFile: String) async throws {
        self.logFile = logFile
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--db", database, "--host", "127.0.0.1", "--port", "0"]
        // Only what the test says: no WHOLESAIL_* of the machine running the tests.
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WHOLESAIL_") }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: logFile, contents: Data())
        process.standardError = FileHandle(forWritingAtPath: logFile)
        try process.run()
        // Read stdout on a thread of its own (it blocks), until the server says where it listens.
        let lines = Mutex<String>("")
        let reader = output.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let data = reader.availableData
                if data.isEmpty { return }
                lines.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(120)
        var found: String?
        while found == nil && ContinuousClock.now < deadline && process.isRunning {
            found = lines.withLock { text in
                text.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map { String($0.dropFirst("listening on ".count)) }
            }
            if found == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let found else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            throw SinkError("wholesail serve did not start: \(log.suffix(2000))")
        }
        baseURL = found
    }

    /// Sends a signal and waits for the process to end.
    func stop(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
    }

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    deinit { stop(SIGKILL) }
}

/// kill -9 of the real binary between commit and send, and a restart.
///
/// The receivers keep what they receive and count raw arrivals; they recognise a repeat by its
/// idempotency key (`Idempotency-Key` for webhooks, Message-ID for e-mail). Transport is at
/// least once — a message the receiver got but the sender never heard back about is sent again
/// after the restart — and the key makes the effect exactly once.
@Suite(.enabled(if: Tool.smtpSinkOrCI, "needs python3 with aiosmtpd and openssl; required under CI"))
struct OutboxCrashTests {
    init() throws {
        try #require(Tool.hasSMTPSink, "python3 with aiosmtpd and openssl are required under CI (.ci/run installs them)")
    }

    static let from = "shop@b2b.example.ru"

    /// The Message-IDs an e-mail row may carry (one per recipient language when they differ).
    static func messageIds(key: String) -> Set<String> {
        Set([key, key + "/en", key + "/ru"].map { "<" + Crypto.hex(Array(Crypto.sha256(Data($0.utf8)).prefix(16))) + "@b2b.example.ru>" })
    }

    /// POSTs JSON with a bearer token; returns the status, the body and how long it took.
    static func post(_ base: String, _ path: String, token: String?, body: String, key: String? = nil) async throws -> (
        status: Int, body: [String: Any], seconds: Double
    ) {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        request.body = .bytes(ByteBuffer(string: body))
        let start = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let elapsed = ContinuousClock.now - start
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        return (Int(response.status.code), json, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Places one order of one cable through the JSON API; returns the seconds checkout took.
    static func placeOrder(_ base: String, token: String, number: Int) async throws -> Double {
        let added = try await post(base, "/api/v1/cart/items", token: token, body: #"{"sku":"CAB-1","qty":"1"}"#)
        #expect(added.status == 200 || added.status == 201, "\(added.body)")
        let placed = try await post(
            base, "/api/v1/orders", token: token, body: #"{"delivery":"pickup","warehouse_id":1}"#, key: "crash-test-order-\(number)")
        #expect(placed.status == 201 || placed.status == 200, "\(placed.body)")
        return placed.seconds
    }

    static func statuses(_ database: WholesailDatabase) async throws -> [String: Int] {
        try await database.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM outbox GROUP BY status") { counts[row["status"]] = row["n"] }
            return counts
        }
    }

    static func waitUntil(_ seconds: Int, _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting: \(what)")
    }

    @Test("kill -9 between commit and send: after the restart every message arrives, exactly once by its key; checkout stays fast while the channels hang")
    func killBetweenCommitAndSend() async throws {
        let binary = try #require(WholesailBinary.path, "the wholesail executable is built beside the tests (swift build) or named by WHOLESAIL_BIN")
        let folder = try TemporaryDirectory()
        let path = folder.path("wholesail.sqlite")
        let database = try WholesailDatabase.open(at: path)
        try await Shop.seed(database)
        let sink = try SMTPSink()
        let hooks = try await HTTPStub()
        let endpoint = try await database.createWebhookEndpoint(
            name: "CRM", url: "http://127.0.0.1:\(hooks.port)/hook", topics: "order.*", format: .json, secret: "whsec_0123456789abcdef", actor: nil)
        let environment = [
            "WHOLESAIL_SMTP_URL": "smtp://127.0.0.1:\(sink.port)", "WHOLESAIL_MAIL_FROM": Self.from,
            "WHOLESAIL_BASE_URL": "https://b2b.example.ru",
            // A hung receiver costs a delivery up to 5 minutes: long past the kill, far above checkout.
            "WHOLESAIL_OUTBOX_TIMEOUT": "300", "WHOLESAIL_LOG_LEVEL": "info",
        ]

        // Given a running portal whose channels work: the first order's messages go out.
        var server: ServerProcess? = try await ServerProcess(
            binary: binary, database: path, environment: environment, logFile: folder.path("first.log"))
        let base = server!.baseURL
        let login = try await Self.post(base, "/api/v1/auth/token", token: nil, body: #"{"email":"buyer1@example.com","password":"correct horse battery"}"#)
        let token = try #require(login.body["token"] as? String, "\(login.body)")
        let healthy = try await Self.placeOrder(base, token: token, number: 1)
        try await Self.waitUntil(60, "the first order's messages are sent") {
            let counts = try await Self.statuses(database)
            return counts["sent", default: 0] > 0 && counts.keys.allSatisfy { $0 == "sent" }
        }
        let sentBeforeCrash = try await database.read { try String.fetchAll($0, sql: "SELECT idempotencyKey FROM outbox") }
        try #require(sentBeforeCrash.contains { $0.contains("#webhook") } && sentBeforeCrash.contains { !$0.contains("#") })

        // When both receivers take messages and never answer (the webhook receiver reads the
        // request and hangs; the SMTP server stores the message and holds its reply to DATA),
        // more orders are placed — checkout must not wait for them.
        hooks.setMode(.hang)
        sink.set(.holdData, true)
        let arrivedBefore = (hooks.calls.count, sink.received().count)
        var failing: [Double] = []
        for number in 2...5 {
            failing.append(try await Self.placeOrder(base, token: token, number: number))
        }
        try await Self.waitUntil(60, "a message reaches a receiver and hangs there") {
            let counts = try await Self.statuses(database)
            return counts["sending", default: 0] > 0 && hooks.calls.count + sink.received().count > arrivedBefore.0 + arrivedBefore.1
        }
        // Then kill -9: rows are committed; some are in flight at a receiver, some claimed and not
        // started, some not yet claimed; none of the new ones is recorded as sent.
        server!.stop(SIGKILL)
        let firstLog = server!.log
        server = nil
        // Bytes the dead process had already handed to the kernel still reach the receivers: let
        // them land before counting what arrived before the restart.
        try await Task.sleep(for: .seconds(1))
        let atKill = try await Self.statuses(database)
        #expect(atKill["sending", default: 0] > 0, "\(atKill)")
        #expect(atKill["sent", default: 0] == sentBeforeCrash.count, "nothing after the first order was recorded as sent: \(atKill)")
        let inFlight = (hooks: hooks.calls.count - arrivedBefore.0, mails: sink.received().count - arrivedBefore.1)
        let callsAtKill = hooks.calls.count
        let mailsAtKill = sink.received().count

        // The receivers recover; the portal starts again on the same database.
        hooks.setMode(.ok)
        sink.set(.holdData, false)
        server = try await ServerProcess(binary: binary, database: path, environment: environment, logFile: folder.path("second.log"))
        try await Self.waitUntil(120, "every message is sent after the restart") {
            let counts = try await Self.statuses(database)
            return counts.keys.allSatisfy { $0 == "sent" }
        }
        // Nothing more goes out afterwards (a resend would come within a dispatcher round).
        try await Task.sleep(for: .seconds(2))
        let secondLog = server!.log
        server!.stop(SIGTERM)
        server = nil

        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, idempotencyKey, status, attempts FROM outbox ORDER BY id").map {
                (kind: $0["kind"] as String, key: $0["idempotencyKey"] as String, status: $0["status"] as String, attempts: $0["attempts"] as Int)
            }
        }
        #expect(rows.allSatisfy { $0.status == "sent" }, "\(rows)")
        #expect(secondLog.contains("were being sent when the process stopped"), "the restart released the interrupted rows at once")

        // Webhooks: by Idempotency-Key, each event's effect happened once.
        let calls = hooks.calls
        let webhookRows = rows.filter { $0.kind == "webhook" }
        #expect(webhookRows.count >= 5, "order.placed and order.placed_for_managers… of five orders")
        let callKeys = calls.map { $0.headers["idempotency-key"] ?? "" }
        #expect(Set(callKeys) == Set(webhookRows.map(\.key)), "every webhook arrived, and nothing else")
        #expect(calls.allSatisfy { $0.uri == "/hook" })
        for row in webhookRows {
            let after = calls[callsAtKill...].filter { $0.headers["idempotency-key"] == row.key }.count
            let before = calls[..<callsAtKill].filter { $0.headers["idempotency-key"] == row.key }.count
            if sentBeforeCrash.contains(row.key) {
                #expect(before == 1 && after == 0, "\(row.key): acknowledged before the crash, never sent again")
            } else {
                #expect(after == 1, "\(row.key): sent once after the restart")
                #expect(before <= 1, "\(row.key): at most one earlier arrival, the unacknowledged one in flight at the kill")
            }
        }
        let webhookDuplicates = callKeys.count - Set(callKeys).count
        #expect(webhookDuplicates == inFlight.hooks, "raw repeats are exactly the requests in flight at the kill")

        // E-mail: by Message-ID (derived from the idempotency key), each message arrived once.
        let mails = sink.received().map { SMTPSink.messageId($0.file) ?? "" }
        let emailRows = rows.filter { $0.kind == "email" }
        var expectedIds = Set<String>()
        for row in emailRows {
            let candidates = Self.messageIds(key: row.key)
            let arrived = Set(mails).intersection(candidates)
            #expect(!arrived.isEmpty, "\(row.key) arrived")
            expectedIds.formUnion(arrived)
            for id in arrived {
                let after = mails[mailsAtKill...].filter { $0 == id }.count
                let before = mails[..<mailsAtKill].filter { $0 == id }.count
                if sentBeforeCrash.contains(row.key) {
                    #expect(before == 1 && after == 0, "\(row.key): acknowledged before the crash, never sent again")
                } else {
                    #expect(after == 1 && before <= 1, "\(row.key): once after the restart, at most once before")
                }
            }
        }
        #expect(Set(mails) == expectedIds, "no e-mail that no row explains")
        #expect(mails.count - Set(mails).count == inFlight.mails, "raw repeats are exactly the messages in flight at the kill")
        #expect(inFlight.hooks + inFlight.mails > 0, "the kill did catch messages in flight")

        print(
            "outbox crash test: \(rows.count) messages (\(emailRows.count) e-mail, \(webhookRows.count) webhook); at the kill \(atKill); "
                + "in flight at a receiver: \(inFlight.hooks) webhook(s), \(inFlight.mails) e-mail(s); raw arrivals \(calls.count + mails.count), "
                + "by key \(Set(callKeys).count + Set(mails).count); checkout healthy \(String(format: "%.3f", healthy)) s, "
                + "while the channels hang \(failing.map { String(format: "%.3f", $0) }.joined(separator: ", ")) s")

        // Checkout did not wait for the hung channels: each order far under the 300 s channel timeout.
        // (30 s leaves room for a machine loaded by the whole suite; waiting for a channel would be 300 s.)
        #expect(failing.allSatisfy { $0 < 30 }, "checkout while the channels hang: \(failing) s (healthy: \(healthy) s)")
        #expect(!firstLog.contains("Fatal error"))
        withExtendedLifetime(endpoint) {}
    }

    @Test("one dispatcher per database: a second waits while the first holds the lock, and releases interrupted rows when it takes over")
    func oneDispatcherPerDatabase() async throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        try await database.write { db in
            try Outbox.publish(db, topic: "order.placed", payload: ["to": "a@example.com"], idempotencyKey: "order.placed.1")
        }
        _ = try await database.claimDueOutbox(kinds: ["email"], now: Date(), lease: 3600, limit: 10)
        let holder = try #require(OutboxLock(databasePath: directory.path("wholesail.sqlite")))
        #expect(holder.tryAcquire())
        let channel = ScriptedChannel()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let dispatcher = OutboxDispatcher(database: database, channels: [channel], pollInterval: .milliseconds(50), logger: logger)
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(500))
        #expect(channel.delivered.isEmpty, "the lock is held elsewhere: this dispatcher stands by")
        #expect(try await database.latestOutboxMessages().first?.status == .sending)
        // The holder dies (its lock goes); the standby takes over within its 5-second retry.
        holder.release()
        try await Self.waitUntil(30, "the standby takes over") { !channel.delivered.isEmpty }
        #expect(channel.delivered.map(\.idempotencyKey) == ["order.placed.1"])
        #expect(OutboxLock(databasePath: directory.path("wholesail.sqlite"))?.tryAcquire() == false, "now it holds the lock")
        #expect(OutboxLock(databasePath: ":memory:") == nil)
    }
}
