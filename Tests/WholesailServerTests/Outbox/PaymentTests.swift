import AsyncHTTPClient
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// Paying an order by card against a stub gateway on loopback: the signed redirect, the signed
/// callback over HTTP, idempotent status updates, the status on the order and its bill.
@Suite struct PaymentTests {
    static let secret = "gw-secret-0123456789abcdef"

    static func hmac(_ text: String) -> String {
        Crypto.hex(Crypto.hmacSHA256(key: Array(secret.utf8), message: Array(text.utf8)))
    }

    /// The gateway's notification, signed (or not) as the protocol says.
    static func callback(
        _ client: some TestClientProtocol, payment: String, status: String, amount: String, currency: String = "RUB", externalId: String = "GW-77",
        signature: String? = nil
    ) async throws -> TestResponse {
        let signed = signature ?? hmac(PaymentSignature.callback(payment: payment, status: status, amount: amount, currency: currency, externalId: externalId))
        let body = ["payment": payment, "status": status, "amount": amount, "currency": currency, "external_id": externalId, "signature": signed]
            .map { "\($0.key)=\(SMSGateway.percentEncoded($0.value))" }.joined(separator: "&")
        return try await client.execute(
            uri: "/api/v1/payments/callback", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
    }

    @Test("a buyer pays by card: signed redirect to the gateway, signed callbacks over HTTP applied once, the order and its bill show it paid")
    func payByCard() async throws {
        let gateway = try await HTTPStub(mode: .answer(200, #"{"page":"card form"}"#))
        var configuration = AdminOutboxTests.configuration
        configuration.baseURL = "https://b2b.example.ru"
        let (app, database) = try await TestApp.make(seed: Shop.seed, configuration: configuration)
        let hook = try await database.createWebhookEndpoint(name: "ERP", url: "https://erp.example/hook", topics: "payment.*", format: .json, actor: nil)
        try await app.test(.live) { client in
            let token = try await Shop.token(client, "buyer1@example.com")
            _ = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"CAB-1","qty":"3"}"#)
            let placed = try await Shop.json(client, .post, "/api/v1/orders", token: token, body: #"{"delivery":"pickup","warehouse_id":1}"#)
            let order = try #require(try placed.json()["id"] as? Int)
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)

            // Given no gateway: bank transfer only.
            #expect(!(try await buyer.get(client, "/orders/\(order)")).text.contains("/orders/\(order)/pay"))
            #expect(try await buyer.post(client, "/orders/\(order)/pay", [:]).status == .conflict)

            var settings = PaymentGatewaySettings()
            settings.enabled = true
            settings.name = "Stub Pay"
            settings.payURL =
                "http://127.0.0.1:\(gateway.port)/pay?id={payment}&sum={amount}&cur={currency}&order={order}&back={return_url}&notify={callback_url}&sig={signature}"
            try await database.savePaymentSettings(settings, secret: Self.secret, actor: nil)

            // When the buyer chooses to pay: 303 to the gateway with a URL it can verify.
            let page = try await buyer.get(client, "/orders/\(order)?lang=en")
            #expect(page.text.contains(#"action="/orders/\#(order)/pay""#) && page.text.contains("Pay by card 270.00"))
            let redirect = try await buyer.post(client, "/orders/\(order)/pay", [:])
            #expect(redirect.status == .seeOther)
            let location = try #require(redirect.headers[.location])
            let query = Dictionary(
                (URLComponents(string: location)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            let payment = try #require(query["id"])
            #expect(query["sum"] == "270.00" && query["cur"] == "RUB")
            #expect(query["back"] == "https://b2b.example.ru/payments/\(payment)" && query["notify"] == "https://b2b.example.ru/api/v1/payments/callback")
            #expect(query["sig"] == Self.hmac(PaymentSignature.outgoing(payment: payment, amount: "270.00", currency: "RUB")))
            // The buyer's browser goes there: the stub gateway on loopback gets the signed request.
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: location), timeout: .seconds(30))
            #expect(response.status == .ok)
            #expect(gateway.calls.first?.uri.contains("sig=\(query["sig"]!)") == true)
            let again = try await buyer.post(client, "/orders/\(order)/pay", [:])
            #expect(again.headers[.location]?.contains("id=\(payment)") == true, "paying again reuses the unfinished payment")
            #expect(try await buyer.get(client, "/payments/\(payment)?lang=en").text.contains("waiting for the payment"))

            // The gateway's callbacks: a forged one changes nothing; "processing" is pending; "succeeded" is paid, once.
            let forged = try await Self.callback(client, payment: payment, status: "succeeded", amount: "270.00", signature: String(repeating: "0", count: 64))
            #expect(forged.status == .forbidden)
            #expect(try await database.payment(token: payment)?.status == .created)
            var answer = try await Self.callback(client, payment: payment, status: "processing", amount: "270.00").json()
            #expect(answer["status"] as? String == "pending" && answer["changed"] as? Bool == true)
            #expect(try await Self.callback(client, payment: payment, status: "succeeded", amount: "27.00").status == .unprocessableContent)
            answer = try await Self.callback(client, payment: payment, status: "succeeded", amount: "270.00").json()
            #expect(answer["status"] as? String == "paid" && answer["changed"] as? Bool == true)
            answer = try await Self.callback(client, payment: payment, status: "succeeded", amount: "270.00").json()
            #expect(answer["status"] as? String == "paid" && answer["changed"] as? Bool == false, "a repeat is a no-op")
            answer = try await Self.callback(client, payment: payment, status: "failed", amount: "270.00").json()
            #expect(answer["status"] as? String == "paid" && answer["changed"] as? Bool == false, "paid stays paid")
            #expect(try await Self.callback(client, payment: "no-such-payment", status: "succeeded", amount: "270.00").status == .notFound)

            // Then the order and its bill say paid, and nothing is left to pay.
            let paidPage = try await buyer.get(client, "/orders/\(order)?lang=en")
            #expect(paidPage.text.contains(#"<span class="badge">paid</span>"#) && paidPage.text.contains("<strong>paid</strong>"))
            #expect(!paidPage.text.contains("/orders/\(order)/pay"))
            #expect(try await buyer.post(client, "/orders/\(order)/pay", [:]).status == .conflict)
            #expect(try await buyer.get(client, "/payments/\(payment)?lang=en").text.contains("Thank you: the payment has arrived."))

            // Another company's buyer cannot pay (or see) this order.
            var (stranger, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            _ = try await stranger.get(client, "/account")
            #expect(try await stranger.post(client, "/orders/\(order)/pay", [:]).status == .notFound)
        }
        let notes = try await database.read { try String.fetchAll($0, sql: "SELECT note FROM orderEvent WHERE note LIKE 'Paid by card%'") }
        #expect(notes == ["Paid by card: 270.00 RUB (GW-77)"], "one order event however many callbacks")
        let events = try await database.latestOutboxMessages().filter { $0.webhookEndpointId == hook }
        #expect(events.map(\.topic) == ["payment.received"] && events.first?.payload["amount"] == "270.00")
        let log = try await database.read { try String.fetchAll($0, sql: "SELECT status || ':' || applied FROM paymentEvent ORDER BY id") }
        #expect(log == ["pending:1", "paid:1", "paid:0", "failed:0"], "every taken callback is logged, applied or not")
    }

    @Test("the admin sets the gateway (secret write-only, at least 16 characters) and sees the payments; others may not")
    func adminPage() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed, configuration: AdminOutboxTests.configuration)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            #expect(try await buyer.get(client, "/admin/payments").status == .forbidden)
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Shop.password)
            _ = try await admin.get(client, "/admin/payments")
            let short = try await admin.post(
                client, "/admin/payments?lang=en", ["enabled": "1", "payURL": "https://pay.example/?id={payment}", "secret": "short"])
            #expect(short.status == .unprocessableContent && short.text.contains("at least 16 characters") && !short.text.contains(#"value="short""#))
            let saved = try await admin.post(
                client, "/admin/payments", ["enabled": "1", "name": "Pay", "payURL": "https://pay.example/?id={payment}", "secret": Self.secret])
            #expect(saved.status == .seeOther)
            let page = try await admin.get(client, "/admin/payments?lang=en")
            #expect(!page.text.contains(Self.secret) && page.text.contains("••••cdef") && page.text.contains("/api/v1/payments/callback"))
        }
        #expect(try await database.paymentSettings().isUsable)
    }
}
