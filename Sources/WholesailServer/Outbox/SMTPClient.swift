import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Where and how to reach the outgoing mail server, from `WHOLESAIL_SMTP_URL`:
/// `smtp://user:pass@host:587?starttls=true`, `smtps://user:pass@host:465` (implicit TLS) or
/// `smtp://host:25` (plain). Query options: `starttls`, `ca=/path/ca.pem` (trust this CA, for
/// a private server), `insecure=true` (skip certificate checks: tests only), `helo=name`.
public struct SMTPServer: Sendable, Equatable {
    public enum Security: String, Sendable {
        case plain
        case startTLS
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    public var caFile: String?
    public var verifyCertificates: Bool
    public var heloName: String

    public init(
        host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, caFile: String? = nil,
        verifyCertificates: Bool = true, heloName: String = "localhost"
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.verifyCertificates = verifyCertificates
        self.heloName = heloName
    }

    /// Reads an `smtp://` or `smtps://` URL; nil when it is not one.
    public init?(url text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return nil }
        let options = Dictionary(
            (components.queryItems ?? []).map { ($0.name.lowercased(), $0.value ?? "true") }, uniquingKeysWith: { $1 })
        func flag(_ name: String) -> Bool { options[name].map { !["0", "false", "no", "off"].contains($0.lowercased()) } ?? false }
        switch scheme {
        case "smtps": security = .tls
        case "smtp": security = flag("starttls") ? .startTLS : .plain
        default: return nil
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (security == .tls ? 465 : security == .startTLS ? 587 : 25)
        username = components.user?.removingPercentEncoding
        password = components.password?.removingPercentEncoding
        caFile = options["ca"]
        verifyCertificates = !flag("insecure")
        heloName = options["helo"] ?? "localhost"
    }
}

/// An SMTP client on SwiftNIO (RFC 5321): EHLO, STARTTLS or implicit TLS, AUTH PLAIN/LOGIN,
/// MAIL/RCPT/DATA with dot-stuffing, multi-line replies. One connection per message; every
/// step has a deadline, so a dead or slow server costs a bounded time and never a request.
public struct SMTPClient: Sendable {
    public var server: SMTPServer
    public var connectTimeout: TimeAmount = .seconds(10)
    /// The longest wait for any one reply (the DATA reply included).
    public var replyTimeout: TimeAmount = .seconds(60)
    /// The longest the whole exchange may take, connection included (nil: only the per-step limits).
    public var totalTimeout: TimeAmount?

    public init(server: SMTPServer) {
        self.server = server
    }

    struct Reply {
        var code: Int
        var lines: [String]
        var text: String { lines.joined(separator: " / ") }
    }

    /// Sends one message. Throws `DeliveryError`: permanent for 5xx answers (a bad address, a
    /// refused login), temporary for 4xx, timeouts, refused connections and TLS failures.
    /// Returns the recipients the server refused when it accepted at least one.
    @discardableResult
    public func send(from: String, to recipients: [String], data: [UInt8]) async throws -> [String] {
        let deadline = totalTimeout.map { NIODeadline.now() + $0 }
        let sslContext: NIOSSLContext?
        do {
            sslContext = server.security == .plain ? nil : try makeTLSContext()
        } catch {
            throw DeliveryError.permanent("SMTP TLS setup: \(error)")
        }
        let server = self.server
        let sniName: String? = Self.isIPAddress(server.host) ? nil : server.host
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(totalTimeout.map { min($0, connectTimeout) } ?? connectTimeout)
            let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
                channel.eventLoop.makeCompletedFuture {
                    if server.security == .tls, let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: sniName))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
            if Self.isIPAddress(server.host) {
                // A numeric address needs no resolver (which runs on a shared thread pool).
                channel = try await bootstrap.connect(
                    to: try SocketAddress(ipAddress: server.host, port: server.port), channelInitializer: initializer)
            } else {
                channel = try await bootstrap.connect(host: server.host, port: server.port, channelInitializer: initializer)
            }
        } catch {
            throw DeliveryError.temporary("SMTP connect to \(server.host):\(server.port): \(error)")
        }
        let timeout = replyTimeout
        let timedOut = TimeoutFlag()
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var session = Session(
                    channel: channel.channel, iterator: inbound.makeAsyncIterator(), outbound: outbound, timeout: timeout, deadline: deadline,
                    timedOut: timedOut)
                return try await session.run(
                    server: server, sslContext: sslContext, sniName: sniName, from: from, recipients: recipients, data: data)
            }
        } catch let error as DeliveryError where !timedOut.isSet {
            throw error
        } catch {
            // The reply timeout closes the connection; whatever failed next, slowness was the cause.
            if timedOut.isSet {
                let limit = min(timeout, totalTimeout ?? timeout)
                throw DeliveryError.temporary(
                    "SMTP \(server.host):\(server.port): the server did not answer in time (limit \(limit.nanoseconds / 1_000_000_000) s)")
            }
            throw DeliveryError.temporary("SMTP \(server.host):\(server.port): \(error)")
        }
    }

    /// Set when a reply did not come in time and the connection was closed for it.
    final class TimeoutFlag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    func makeTLSContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = server.caFile {
            configuration.trustRoots = .file(caFile)
        }
        if !server.verifyCertificates {
            configuration.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: configuration)
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// Puts a dot before every line that starts with one, and ends the data with CRLF.CRLF.
    static func dotStuffed(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / 64 + 8)
        var lineStart = true
        for byte in data {
            if lineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            lineStart = byte == UInt8(ascii: "\n")
        }
        if !(out.count >= 2 && out[out.count - 2] == 13 && out[out.count - 1] == 10) { out += [13, 10] }
        out += Array(".\r\n".utf8)
        return out
    }

    /// One conversation with the server.
    struct Session {
        let channel: any Channel
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let timeout: TimeAmount
        /// The end of the whole exchange, when there is one.
        let deadline: NIODeadline?
        let timedOut: TimeoutFlag
        var pending: [UInt8] = []

        mutating func run(
            server: SMTPServer, sslContext: NIOSSLContext?, sniName: String?, from: String, recipients: [String], data: [UInt8]
        ) async throws -> [String] {
            try expect(try await readReply(), 220, "greeting")
            var capabilities = try await ehlo(server.heloName)
            if server.security == .startTLS {
                guard capabilities.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    throw DeliveryError.temporary("SMTP server does not offer STARTTLS")
                }
                try expect(try await command("STARTTLS"), 220, "STARTTLS")
                guard let sslContext else { throw DeliveryError.permanent("SMTP TLS context missing") }
                let channel = self.channel
                try await channel.eventLoop.submit {
                    let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: sniName)
                    try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                }.get()
                do {
                    capabilities = try await ehlo(server.heloName)
                } catch {
                    throw await handshakeFailure(else: error)
                }
            }
            if let username = server.username, !username.isEmpty {
                try await authenticate(username: username, password: server.password ?? "", capabilities: capabilities)
            }
            try expect(try await command("MAIL FROM:<\(Self.clean(from))>"), 250, "MAIL FROM")
            var refused: [String] = []
            var refusals: [String] = []
            var temporaryRefusal: Reply?
            for recipient in recipients {
                let reply = try await command("RCPT TO:<\(Self.clean(recipient))>")
                if reply.code == 250 || reply.code == 251 { continue }
                if reply.code >= 500 {
                    refused.append(recipient)
                    refusals.append("\(recipient) (\(reply.code) \(reply.text))")
                } else {
                    temporaryRefusal = reply
                }
            }
            if let temporaryRefusal {
                _ = try? await command("RSET")
                throw DeliveryError.temporary("SMTP RCPT: \(temporaryRefusal.code) \(temporaryRefusal.text)")
            }
            guard refused.count < recipients.count else {
                _ = try? await command("QUIT")
                throw DeliveryError.permanent("SMTP refused every recipient: \(refusals.joined(separator: ", "))")
            }
            try expect(try await command("DATA"), 354, "DATA")
            try await outbound.write(ByteBuffer(bytes: SMTPClient.dotStuffed(data)))
            try expect(try await readReply(), 250, "end of DATA")
            _ = try? await command("QUIT")
            return refused
        }

        /// A failed TLS handshake closes the channel, so the next write fails with "I/O on closed
        /// channel"; the handshake's own error (an untrusted certificate) ends the inbound stream.
        mutating func handshakeFailure(else error: any Error) async -> any Error {
            do {
                while try await iterator.next() != nil {}
            } catch {
                return DeliveryError.temporary("SMTP STARTTLS: \(error)")
            }
            return error
        }

        func expect(_ reply: Reply, _ code: Int, _ step: String) throws {
            guard reply.code != code else { return }
            let message = "SMTP \(step): \(reply.code) \(reply.text)"
            throw reply.code >= 500 && reply.code < 600 ? DeliveryError.permanent(message) : DeliveryError.temporary(message)
        }

        mutating func ehlo(_ name: String) async throws -> [String] {
            let reply = try await command("EHLO \(Self.clean(name))")
            if reply.code == 250 { return Array(reply.lines.dropFirst()) }
            try expect(try await command("HELO \(Self.clean(name))"), 250, "HELO")
            return []
        }

        mutating func authenticate(username: String, password: String, capabilities: [String]) async throws {
            let auth = capabilities.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").map(String.init) ?? []
            if auth.contains("PLAIN") || !auth.contains("LOGIN") {
                let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                let reply = try await command("AUTH PLAIN \(token)", redacted: "AUTH PLAIN ***")
                try expect(reply, 235, "AUTH PLAIN")
            } else {
                try expect(try await command("AUTH LOGIN"), 334, "AUTH LOGIN")
                try expect(try await command(Data(username.utf8).base64EncodedString(), redacted: "***"), 334, "AUTH LOGIN user")
                try expect(try await command(Data(password.utf8).base64EncodedString(), redacted: "***"), 235, "AUTH LOGIN password")
            }
        }

        mutating func command(_ line: String, redacted: String? = nil) async throws -> Reply {
            try await outbound.write(ByteBuffer(string: line + "\r\n"))
            return try await readReply()
        }

        /// Reads one reply: lines `250-…` continue it, the line `250 …` ends it.
        mutating func readReply() async throws -> Reply {
            var lines: [String] = []
            while true {
                while let newline = pending.firstIndex(of: 10) {
                    var lineBytes = Array(pending[..<newline])
                    pending.removeFirst(newline + 1)
                    if lineBytes.last == 13 { lineBytes.removeLast() }
                    let line = String(decoding: lineBytes, as: UTF8.self)
                    guard line.count >= 3, let code = Int(line.prefix(3)) else {
                        throw DeliveryError.temporary("SMTP: unreadable reply \(line.prefix(100))")
                    }
                    let rest = line.dropFirst(3)
                    lines.append(String(rest.dropFirst()))
                    if rest.first != "-" { return Reply(code: code, lines: lines) }
                }
                guard pending.count < 64 * 1024 else { throw DeliveryError.temporary("SMTP: reply too long") }
                let channel = self.channel
                let timedOut = self.timedOut
                var wait = timeout
                if let deadline { wait = max(.milliseconds(1), min(wait, deadline - NIODeadline.now())) }
                let alarm = channel.eventLoop.scheduleTask(in: wait) {
                    timedOut.set()
                    channel.close(promise: nil)
                }
                let chunk = try await iterator.next()
                alarm.cancel()
                guard let chunk else {
                    throw DeliveryError.temporary("SMTP: connection closed (no reply within \(timeout.nanoseconds / 1_000_000_000) s?)")
                }
                pending += Array(buffer: chunk)
            }
        }

        static func clean(_ text: String) -> String {
            String(text.filter { !$0.isNewline })
        }
    }
}

/// How e-mails leave: SMTP in production, a log line in the demo, a list in tests.
public protocol MailTransport: Sendable {
    /// Sends one rendered message; throws `DeliveryError`.
    func send(_ mail: OutgoingMail) async throws
}

/// A rendered message with its envelope.
public struct OutgoingMail: Sendable {
    public var from: String
    public var recipients: [String]
    public var message: MailMessage
    public var data: [UInt8]

    public init(from: String, recipients: [String], message: MailMessage) {
        self.from = from
        self.recipients = recipients
        self.message = message
        self.data = message.render()
    }
}

/// Sends through an SMTP server.
public struct SMTPMailTransport: MailTransport {
    public var client: SMTPClient

    public init(server: SMTPServer) {
        client = SMTPClient(server: server)
    }

    public func send(_ mail: OutgoingMail) async throws {
        try await client.send(from: mail.from, to: mail.recipients, data: mail.data)
    }
}
