import Foundation
import WholesailTestSupport

/// A real SMTP server (aiosmtpd, scripts/smtp-sink.py) on loopback, for one test.
final class SMTPSink: @unchecked Sendable {
    let process = Process()
    let folder: TemporaryDirectory
    let port: Int

    enum Mode {
        case plain
        case startTLS
        case tls
    }

    /// A self-signed certificate for 127.0.0.1, made with the openssl CLI.
    static func makeCertificate(in folder: TemporaryDirectory) throws -> (cert: String, key: String) {
        let cert = folder.path("cert.pem")
        let key = folder.path("key.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SinkError("openssl could not make a certificate") }
        return (cert, key)
    }

    /// Faults the test switches on and off while the server runs (files the sink watches).
    enum Fault: String {
        /// Every recipient gets 451 (a server deferring mail).
        case deferring = "defer"
        /// RCPT waits: a slow server (nothing stored yet).
        case holdRecipient = "hold-rcpt"
        /// The reply to DATA waits after the message is stored: the receiver has it, the sender
        /// does not know (a resend arrives twice, with the same Message-ID).
        case holdData = "hold-data"
    }

    /// `port` 0 picks a free one; a given port starts a server where one was down.
    init(mode: Mode = .plain, auth: String? = nil, port: Int = 0, faults: Set<Fault> = []) throws {
        folder = try TemporaryDirectory()
        var arguments = [
            "python3", Repository.path("scripts/smtp-sink.py"), "--dir", folder.path(""), "--port", String(port),
            "--defer", folder.path(Fault.deferring.rawValue), "--hold-rcpt", folder.path(Fault.holdRecipient.rawValue),
            "--hold-data", folder.path(Fault.holdData.rawValue),
        ]
        for fault in faults { _ = FileManager.default.createFile(atPath: folder.path(fault.rawValue), contents: Data()) }
        if mode != .plain {
            let (cert, key) = try Self.makeCertificate(in: folder)
            arguments += [mode == .tls ? "--tls" : "--starttls", cert, key]
        }
        if let auth { arguments += ["--auth", auth] }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        let deadline = Date().addingTimeInterval(20)
        while !line.contains(10) && Date() < deadline && process.isRunning {
            line += output.fileHandleForReading.availableData
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("ready "), let port = Int(text.dropFirst(6)) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw SinkError("smtp-sink did not start: \(text)")
        }
        self.port = port
    }

    var caFile: String { folder.path("cert.pem") }

    func set(_ fault: Fault, _ on: Bool) {
        if on {
            _ = FileManager.default.createFile(atPath: folder.path(fault.rawValue), contents: Data())
        } else {
            try? FileManager.default.removeItem(atPath: folder.path(fault.rawValue))
        }
    }

    /// The received messages' envelopes and raw files, in arrival order.
    func received() -> [(envelope: [String: Any], file: String)] {
        var out: [(envelope: [String: Any], file: String)] = []
        var index = 1
        while FileManager.default.fileExists(atPath: folder.path("\(index).eml")) {
            let json = (try? Data(contentsOf: URL(fileURLWithPath: folder.path("\(index).json")))) ?? Data()
            out.append(((try? JSONSerialization.jsonObject(with: json)) as? [String: Any] ?? [:], folder.path("\(index).eml")))
            index += 1
        }
        return out
    }

    /// Waits until `count` messages arrived (the sink writes them after answering).
    func waitFor(_ count: Int) async throws -> [(envelope: [String: Any], file: String)] {
        for _ in 0..<100 {
            let messages = received()
            if messages.count >= count, messages.allSatisfy({ !$0.envelope.isEmpty }) { return messages }
            try await Task.sleep(for: .milliseconds(50))
        }
        return received()
    }

    /// The message as Python's MIME parser reads it.
    static func parse(_ file: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.path("scripts/smtp-sink.py"), "parse", file]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    deinit {
        // SIGKILL: the test runner may hand its children a blocked SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

struct SinkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
