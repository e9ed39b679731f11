import Foundation
import Synchronization
import WholesailCore
import WholesailServer

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_900_000_000)) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { self.now } }
}

/// A channel that records what it was asked to deliver and answers from a script.
final class ScriptedChannel: OutboxChannel, Sendable {
    let kind: String
    private let state = Mutex<(delivered: [OutboxMessage], script: [DeliveryError?])>(([], []))

    /// `script`: the outcome of each call in turn (nil: delivered); once used up, every call succeeds.
    init(kind: String = "email", script: [DeliveryError?] = []) {
        self.kind = kind
        state.withLock { $0.script = script }
    }

    var delivered: [OutboxMessage] { state.withLock { $0.delivered } }

    func deliver(_ message: OutboxMessage) async throws -> String? {
        let outcome = state.withLock { state -> DeliveryError? in
            state.delivered.append(message)
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        if let outcome { throw outcome }
        return nil
    }
}

/// Keeps every e-mail instead of sending it.
final class RecordingMailTransport: MailTransport, Sendable {
    private let sent = Mutex<[OutgoingMail]>([])
    var mails: [OutgoingMail] { sent.withLock { $0 } }
    func send(_ mail: OutgoingMail) async throws { sent.withLock { $0.append(mail) } }
}

/// Records outbound HTTP requests and answers with a fixed status.
final class RecordingHTTPSender: HTTPSender, Sendable {
    private let state: Mutex<(requests: [OutboundRequest], status: Int, body: String)>
    init(status: Int = 200, body: String = "") { state = Mutex(([], status, body)) }
    var requests: [OutboundRequest] { state.withLock { $0.requests } }
    func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        let (status, body) = state.withLock { state in
            state.requests.append(request)
            return (state.status, state.body)
        }
        return OutboundResponse(status: status, body: Array(body.utf8))
    }
}

/// External tools some tests need: missing locally → the test is skipped with a message;
/// missing under CI (env CI set) → the test runs and fails, so CI never silently skips.
enum Tool {
    static var isCI: Bool { !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty }

    static func runs(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }

    static let hasSMTPSink = runs(["python3", "-c", "import aiosmtpd"]) && runs(["openssl", "version"])
    /// Run the test when the tools are there, or under CI (where their absence is a failure).
    static let smtpSinkOrCI = hasSMTPSink || isCI
}
