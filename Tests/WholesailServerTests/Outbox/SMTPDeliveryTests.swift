import Foundation
import Logging
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// E-mail against a real SMTP server on loopback (aiosmtpd, installed by .ci/run).
@Suite(.enabled(if: Tool.smtpSinkOrCI, "needs python3 with aiosmtpd (pip install aiosmtpd) and openssl; skipped locally, required under CI"))
struct SMTPDeliveryTests {
    init() throws {
        try #require(Tool.hasSMTPSink, "python3 with aiosmtpd and openssl are required under CI (.ci/run installs them)")
    }

    @Test("an event's e-mail goes out over SMTP with AUTH: UTF-8 subject and names, text and HTML, a PDF attachment")
    func endToEnd() async throws {
        let sink = try SMTPSink(mode: .plain, auth: "mailer:s3cret pass")
        let database = try TestDatabase.inMemory()
        let user = try await database.addUser(
            email: "anna@example.com", password: "x-password-1", role: "manager", counterpartyErpId: nil, fullName: "Анна Петрова",
            hasher: .fastForTests)
        try await database.write { db in try db.execute(sql: "UPDATE user SET locale = 'en' WHERE id = ?", arguments: [user]) }
        let pdf = Data("%PDF-1.4\n1 0 obj << >> endobj\n.\n..leading dots\n%%EOF\n".utf8)
        let sha = try await database.storeBlob(pdf, contentType: "application/pdf")
        try await database.write { db in
            try Outbox.publish(
                db, topic: "document.ready",
                payload: [
                    "userId": String(user), "title": "Счёт № 5 «Оптовик» & Co", "number": "A-17", "link": "https://b2b.example.ru/documents/5",
                    "attachments": "\(sha) счёт-на-оплату-№5-от-01.02.2030 «Оптовик».pdf",
                ],
                idempotencyKey: "document.ready.5")
        }
        let smtp = try #require(SMTPServer(url: "smtp://mailer:s3cret%20pass@127.0.0.1:\(sink.port)"))
        let renderer = try TemplateRenderer()
        let channel = EmailChannel(
            database: database, composer: NotificationComposer(renderer: renderer, baseURL: "https://b2b.example.ru", siteName: "Оптовик"),
            transport: SMTPMailTransport(server: smtp), from: MailAddress("shop@b2b.example.ru", name: "Оптовик «Север»"))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let dispatcher = OutboxDispatcher(database: database, channels: [channel], logger: logger)
        #expect(await dispatcher.runOnce() == 1)
        let row = try #require(try await database.latestOutboxMessages().first)
        #expect(row.status == .sent, "\(row.lastError ?? "")")

        let received = try await sink.waitFor(1)
        try #require(received.count == 1)
        #expect(received[0].envelope["from"] as? String == "shop@b2b.example.ru")
        #expect(received[0].envelope["to"] as? [String] == ["anna@example.com"])
        #expect(received[0].envelope["authenticated"] as? Bool == true)
        let mail = try SMTPSink.parse(received[0].file)
        #expect(mail["defects"] as? [String] == [])
        #expect(mail["subject"] as? String == "Document ready: Счёт № 5 «Оптовик» & Co", "the user reads English")
        #expect(mail["from"] as? String == "Оптовик «Север» <shop@b2b.example.ru>")
        #expect(mail["to"] as? String == "Анна Петрова <anna@example.com>")
        #expect(mail["mimeVersion"] as? String == "1.0")
        #expect((mail["date"] as? String)?.hasSuffix("+0000") == true)
        let expectedId = Crypto.hex(Array(Crypto.sha256(Data("document.ready.5".utf8)).prefix(16))) + "@b2b.example.ru"
        #expect(mail["messageId"] as? String == "<\(expectedId)>", "Message-ID comes from the idempotency key")
        #expect(mail["contentType"] as? String == "multipart/mixed")
        #expect(mail["alternatives"] as? [String] == ["text/plain", "text/html"])
        let text = try #require(mail["text"] as? String)
        #expect(text.contains("Hello, Анна Петрова!"))
        #expect(text.contains("Счёт № 5 «Оптовик» & Co"), "plain text is not HTML-escaped")
        #expect(text.contains("https://b2b.example.ru/documents/5"))
        let html = try #require(mail["html"] as? String)
        #expect(html.contains("Счёт № 5 «Оптовик» &amp; Co"), "HTML is escaped")
        #expect(html.contains(#"href="https://b2b.example.ru/documents/5""#))
        let attachments = try #require(mail["attachments"] as? [[String: Any]])
        #expect(attachments.count == 1)
        #expect(attachments.first?["filename"] as? String == "счёт-на-оплату-№5-от-01.02.2030 «Оптовик».pdf", "RFC 2231 continuations")
        #expect(attachments.first?["type"] as? String == "application/pdf")
        #expect(attachments.first?["sha256"] as? String == sha, "the attachment arrives byte for byte (dot-stuffing undone)")
        #expect((mail["longestLine"] as? Int ?? 999) <= 78)
        #expect(mail["bareLF"] as? Bool == false)
    }

    @Test("STARTTLS with AUTH LOGIN/PLAIN to a server with a private CA")
    func startTLS() async throws {
        let sink = try SMTPSink(mode: .startTLS, auth: "u:p")
        let server = try #require(SMTPServer(url: "smtp://u:p@127.0.0.1:\(sink.port)?starttls=true&ca=\(sink.caFile)"))
        #expect(server.security == .startTLS)
        let message = MailMessage(
            from: MailAddress("a@example.com"), to: [MailAddress("b@example.com")], subject: "Проверка TLS", text: "тело", date: Date(),
            messageId: "tls-1@example.com")
        try await SMTPClient(server: server).send(from: "a@example.com", to: ["b@example.com"], data: message.render())
        let received = try await sink.waitFor(1)
        try #require(received.count == 1)
        #expect(received[0].envelope["tls"] as? Bool == true)
        #expect(received[0].envelope["authenticated"] as? Bool == true)
        #expect(try SMTPSink.parse(received[0].file)["subject"] as? String == "Проверка TLS")
    }

    @Test("STARTTLS refuses a certificate it cannot verify (temporary: the admin can fix the trust and it goes out)")
    func untrustedCertificate() async throws {
        let sink = try SMTPSink(mode: .startTLS)
        let server = try #require(SMTPServer(url: "smtp://127.0.0.1:\(sink.port)?starttls"))
        await #expect(throws: DeliveryError.self) {
            try await SMTPClient(server: server).send(from: "a@example.com", to: ["b@example.com"], data: Array("Subject: x\r\n\r\ny\r\n".utf8))
        }
        #expect(sink.received().isEmpty)
    }

    @Test("implicit TLS (smtps://)")
    func implicitTLS() async throws {
        let sink = try SMTPSink(mode: .tls)
        let server = try #require(SMTPServer(url: "smtps://127.0.0.1:\(sink.port)?ca=\(sink.caFile)"))
        #expect(server.security == .tls)
        try await SMTPClient(server: server).send(from: "a@example.com", to: ["b@example.com"], data: Array("Subject: x\r\n\r\ny\r\n".utf8))
        let received = try await sink.waitFor(1)
        #expect(received.first?.envelope["tls"] as? Bool == true)
    }

    @Test("5xx replies are permanent, 4xx temporary; a refused recipient among good ones is reported, not fatal")
    func replyClasses() async throws {
        let sink = try SMTPSink(mode: .plain, auth: "u:p")
        let client = SMTPClient(server: try #require(SMTPServer(url: "smtp://u:p@127.0.0.1:\(sink.port)")))
        let data = Array("Subject: x\r\n\r\ny\r\n".utf8)
        do {
            try await client.send(from: "a@example.com", to: ["nobody@reject.test"], data: data)
            Issue.record("expected a refusal")
        } catch let error as DeliveryError {
            #expect(error.permanent && error.message.contains("550"))
        }
        do {
            try await client.send(from: "a@example.com", to: ["someone@later.test"], data: data)
            Issue.record("expected a refusal")
        } catch let error as DeliveryError {
            #expect(!error.permanent && error.message.contains("451"))
        }
        let refused = try await client.send(from: "a@example.com", to: ["ok@example.com", "nobody@reject.test"], data: data)
        #expect(refused == ["nobody@reject.test"])
        let wrongPassword = SMTPClient(server: try #require(SMTPServer(url: "smtp://u:wrong@127.0.0.1:\(sink.port)")))
        do {
            try await wrongPassword.send(from: "a@example.com", to: ["ok@example.com"], data: data)
            Issue.record("expected a refused login")
        } catch let error as DeliveryError {
            #expect(error.permanent && error.message.contains("535"))
        }
    }
}

/// Faults that need no SMTP server: nothing listening, a server that never answers.
@Suite struct SMTPFaultTests {
    @Test("a server that is down is a quick temporary failure")
    func serverDown() async throws {
        // A port that was free a moment ago: nothing listens there.
        let socket = try LoopbackListener()
        let port = socket.port
        socket.close()
        let start = ContinuousClock.now
        // Should another test's listener take the freed port meanwhile, the reply timeout still
        // ends the attempt well inside the bound.
        var client = SMTPClient(server: SMTPServer(host: "127.0.0.1", port: port, security: .plain))
        client.replyTimeout = .seconds(5)
        do {
            try await client.send(from: "a@example.com", to: ["b@example.com"], data: [])
            Issue.record("expected a failure")
        } catch let error as DeliveryError {
            #expect(!error.permanent)
        }
        // Refused at once (5 ms alone); the bound is loose because in the whole suite on two cores
        // this task waits for a thread behind ~460 others (72 s was seen once). What it rules out
        // is waiting for a channel timeout (300 s) or hanging.
        #expect(ContinuousClock.now - start < .seconds(150))
    }

    @Test("a server that accepts the connection and never answers costs the reply timeout, then a temporary failure")
    func silentServer() async throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        var client = SMTPClient(server: SMTPServer(host: "127.0.0.1", port: listener.port, security: .plain))
        client.replyTimeout = .seconds(1)
        let start = ContinuousClock.now
        do {
            try await client.send(from: "a@example.com", to: ["b@example.com"], data: [])
            Issue.record("expected a timeout")
        } catch let error as DeliveryError {
            #expect(!error.permanent)
        }
        let elapsed = ContinuousClock.now - start
        // Under the full parallel suite on 2 cores other tests can hold the cooperative threads for
        // a minute; the point is that it ends (the 60 s default would never be reached here).
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(300), "bounded by the reply timeout, not hanging")
    }

    @Test("SMTP URLs: schemes, default ports, STARTTLS, credentials with escapes, options")
    func urls() throws {
        let submission = try #require(SMTPServer(url: "smtp://user%40corp:p%3Ass@mail.example.ru?starttls=true"))
        #expect(submission.host == "mail.example.ru" && submission.port == 587 && submission.security == .startTLS)
        #expect(submission.username == "user@corp" && submission.password == "p:ss")
        let implicit = try #require(SMTPServer(url: "smtps://mail.example.ru"))
        #expect(implicit.port == 465 && implicit.security == .tls && implicit.verifyCertificates)
        let plain = try #require(SMTPServer(url: "smtp://10.0.0.5:2525?insecure=1&helo=b2b.example.ru"))
        #expect(plain.port == 2525 && plain.security == .plain && !plain.verifyCertificates && plain.heloName == "b2b.example.ru")
        #expect(SMTPServer(url: "http://mail.example.ru") == nil)
        #expect(SMTPServer(url: "not a url") == nil)
    }

    @Test("dot-stuffing doubles a leading dot on every line and ends the data")
    func dotStuffing() {
        let stuffed = SMTPClient.dotStuffed(Array(".a\r\nb\r\n..c\r\n.".utf8))
        #expect(String(decoding: stuffed, as: UTF8.self) == "..a\r\nb\r\n...c\r\n..\r\n.\r\n")
    }
}

/// A TCP socket on 127.0.0.1 that listens and never accepts: a server that is there but silent.
final class LoopbackListener: @unchecked Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw SinkError("cannot listen on loopback") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}
