import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

@Suite struct WebhookTests {
    /// What the receiving server saw, and how it answers (in turn; then 200).
    final class Receiver: Sendable {
        struct Call: Sendable {
            var headers: [String: String]
            var body: [UInt8]
        }
        let state = Mutex<(calls: [Call], answers: [HTTPResponse.Status])>(([], []))
        init(answers: [HTTPResponse.Status]) { state.withLock { $0.answers = answers } }
        var calls: [Call] { state.withLock { $0.calls } }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.post("/hook") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
                let status = self.state.withLock { state -> HTTPResponse.Status in
                    state.calls.append(Call(headers: headers, body: Array(buffer: body)))
                    return state.answers.isEmpty ? .ok : state.answers.removeFirst()
                }
                return Response(status: status)
            }
            var logger = Logger(label: "receiver")
            logger.logLevel = .critical
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        }
    }

    @Test("a webhook is POSTed to a server on loopback, signed with HMAC-SHA256; a 500 is retried with the same Idempotency-Key, a 400 fails")
    func signedDelivery() async throws {
        let database = try TestDatabase.inMemory()
        let receiver = Receiver(answers: [.internalServerError, .ok, .badRequest])
        try await receiver.application().test(.live) { client in
            let port = try #require(client.port)
            let secret = "whsec_0123456789abcdef"
            let endpoint = try await database.createWebhookEndpoint(
                name: "CRM", url: "http://127.0.0.1:\(port)/hook", topics: "order.*", format: .json, secret: secret, actor: nil)
            try await database.write { db in
                try Outbox.publish(db, topic: "order.placed", payload: ["number": "A-17", "total": "1 234,50 ₽"], idempotencyKey: "order.placed.17")
                try Outbox.publish(db, topic: "registration.received", payload: ["to": "x@example.com"], idempotencyKey: "registration.received.1")
            }
            let clock = ManualClock(Date())
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let dispatcher = OutboxDispatcher(
                database: database, channels: [WebhookChannel(database: database, http: AsyncHTTPSender(), clock: clock.function)],
                policy: RetryPolicy(maxAttempts: 5, baseDelay: 10, jitter: 0), logger: logger, clock: clock.function)

            // Given the receiver answers 500 first: the call is retried later.
            #expect(await dispatcher.runOnce() == 1, "only the subscribed topic became a webhook")
            var row = try #require(try await database.latestOutboxMessages(status: .pending).first { $0.kind == "webhook" })
            #expect(row.lastError?.hasPrefix("HTTP 500") == true)
            clock.advance(10)
            #expect(await dispatcher.runOnce() == 1)
            row = try #require(try await database.outboxMessage(id: row.id))
            #expect(row.status == .sent && row.attempts == 2)

            // Then both calls carried the same key and a valid signature over timestamp and body.
            let calls = receiver.calls
            #expect(calls.count == 2)
            for call in calls {
                #expect(call.headers["idempotency-key"] == "order.placed.17#webhook\(endpoint)")
                #expect(call.headers["x-wholesail-topic"] == "order.placed")
                #expect(call.headers["content-type"] == "application/json; charset=utf-8")
                let timestamp = try #require(call.headers["x-wholesail-timestamp"].flatMap { Int($0) })
                let expected = "sha256=" + Crypto.hex(Crypto.hmacSHA256(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + call.body))
                #expect(call.headers["x-wholesail-signature"] == expected)
                let event = try #require(try JSONSerialization.jsonObject(with: Data(call.body)) as? [String: Any])
                #expect(event["topic"] as? String == "order.placed")
                #expect(event["id"] as? String == "order.placed.17#webhook\(endpoint)")
                #expect((event["data"] as? [String: String]) == ["number": "A-17", "total": "1 234,50 ₽"])
            }

            // When the receiver answers 400 to the next event, it fails for good.
            try await database.write { db in
                try Outbox.publish(db, topic: "order.status", payload: ["number": "A-17"], idempotencyKey: "order.status.17.1", now: clock.now)
            }
            #expect(await dispatcher.runOnce() == 1)
            #expect(try await database.latestOutboxMessages(status: .failed).first?.lastError?.contains("HTTP 400") == true)
        }
    }

    @Test("the signature is HMAC-SHA256 of \"<timestamp>.<body>\" (a vector computed independently with Python's hmac)")
    func signatureVector() {
        #expect(
            WebhookChannel.signature(secret: "whsec_0123456789abcdef", timestamp: 1_700_000_000, body: Array(#"{"topic":"order.placed"}"#.utf8))
                == "sha256=e9c13c426783442804db109475c42f2d17fca7b12f84ebaab9353b3974a7af78")
    }

    @Test("a Bitrix24 endpoint gets a crm.lead.add call with the event's fields")
    func bitrix24() throws {
        let endpoint = WebhookEndpoint(
            id: 1, name: "B24", url: "https://example.bitrix24.ru/rest/1/abc/", secret: "0123456789abcdef", topics: ["*"], format: .bitrix24,
            active: true)
        let message = OutboxMessage(
            id: 1, kind: "webhook", topic: "registration.received",
            payload: ["company": "ООО «Дельта»", "name": "Денис", "to": "denis@example.com", "requestId": "4"],
            idempotencyKey: "registration.received.4#webhook1", status: .sending, attempts: 1, nextAttemptAt: Date(), createdAt: Date())
        let request = WebhookChannel.bitrix24Lead(for: message, endpoint: endpoint)
        #expect(request.url == "https://example.bitrix24.ru/rest/1/abc/crm.lead.add.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body ?? [])) as? [String: Any])
        let fields = try #require(object["fields"] as? [String: Any])
        #expect(fields["TITLE"] as? String == "registration.received ООО «Дельта»")
        #expect(fields["NAME"] as? String == "Денис")
        #expect(fields["ORIGIN_ID"] as? String == "registration.received.4#webhook1")
        #expect((fields["EMAIL"] as? [[String: String]])?.first?["VALUE"] == "denis@example.com")
    }
}

@Suite struct SMSTests {
    @Test("an SMS.ru-style GET template: phone normalized, text percent-encoded in the URL")
    func urlTemplate() {
        let gateway = SMSGateway(url: "https://sms.ru/sms/send?api_id=KEY&to={phone}&msg={text}&json=1")
        let request = gateway.request(phone: "8 (900) 123-45-67", text: "Заказ A-1 & co: 100%+")
        #expect(request.method == "GET")
        #expect(request.body == nil)
        #expect(
            request.url
                == "https://sms.ru/sms/send?api_id=KEY&to=79001234567&msg=%D0%97%D0%B0%D0%BA%D0%B0%D0%B7%20A-1%20%26%20co%3A%20100%25%2B&json=1")
    }

    @Test("a JSON body template escapes quotes and line breaks; a form body percent-encodes; the auth header is sent")
    func bodyTemplates() throws {
        let json = SMSGateway(
            url: "https://gw.example/send", header: "Authorization: Bearer t0ken", body: #"{"to":"{phone}","text":"{text}"}"#,
            contentType: "application/json")
        let request = json.request(phone: "+7 900 123 45 67", text: "Он сказал \"да\"\nи ушёл")
        #expect(request.method == "POST")
        #expect(request.header("Authorization") == "Bearer t0ken")
        #expect(request.header("Content-Type") == "application/json")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(request.body ?? [])) as? [String: String])
        #expect(decoded == ["to": "79001234567", "text": "Он сказал \"да\"\nи ушёл"])
        let form = SMSGateway(url: "https://smsc.ru/sys/send.php", body: "login=L&psw=P&phones={phone}&mes={text}&charset=utf-8")
        #expect(String(decoding: form.request(phone: "9001234567", text: "a b&c").body ?? [], as: UTF8.self)
            == "login=L&psw=P&phones=79001234567&mes=a%20b%26c&charset=utf-8")
    }

    @Test("an opted-in buyer gets the order status by SMS in their language; a gateway answer without the success marker is retried")
    func delivery() async throws {
        let database = try TestDatabase.inMemory()
        let user = try await database.addUser(email: "b@example.com", password: "x-password-1", role: "manager", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.write { db in try db.execute(sql: "UPDATE user SET phone = '+7 900 123-45-67', smsOptIn = 1 WHERE id = ?", arguments: [user]) }
        try await database.write { db in
            try Outbox.publish(
                db, topic: "order.status", payload: ["userId": String(user), "number": "A-17", "statusRu": "Отгружен", "statusEn": "Shipped"],
                idempotencyKey: "order.status.17.5")
        }
        let http = RecordingHTTPSender(status: 200, body: #"{"status": "ERROR"}"#)
        let gateway = SMSGateway(url: "https://sms.ru/sms/send?to={phone}&msg={text}", successMarker: #""status": "OK""#)
        let channel = SMSChannel(
            database: database, composer: NotificationComposer(renderer: try TemplateRenderer(), baseURL: "https://b2b.example.ru", siteName: "Оптовик"),
            gateway: gateway, http: http)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let dispatcher = OutboxDispatcher(database: database, channels: [channel], logger: logger)
        #expect(await dispatcher.runOnce() == 1)
        let row = try #require(try await database.latestOutboxMessages().first { $0.kind == "sms" })
        #expect(row.status == .pending && row.lastError?.contains("ERROR") == true)
        let url = try #require(http.requests.first?.url)
        #expect(url.contains("to=79001234567"))
        #expect(url.removingPercentEncoding?.contains("Оптовик: заказ A-17 — Отгружен.") == true)
    }
}
