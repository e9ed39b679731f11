import Foundation
import WholesailCore
import WholesailStore

/// Webhooks: the event as JSON, POSTed to the endpoint with an HMAC-SHA256 signature.
///
/// Headers: `Idempotency-Key` (the same on every retry), `X-Wholesail-Topic`,
/// `X-Wholesail-Timestamp` (Unix seconds) and `X-Wholesail-Signature: sha256=<hex>` where the
/// hex is HMAC-SHA256(secret, "<timestamp>.<body>"). Bitrix24 endpoints get a lead instead.
public struct WebhookChannel: OutboxChannel {
    public let kind = "webhook"
    let database: WholesailDatabase
    let http: any HTTPSender
    let clock: @Sendable () -> Date

    public init(database: WholesailDatabase, http: any HTTPSender, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.http = http
        self.clock = clock
    }

    public func deliver(_ message: OutboxMessage) async throws -> String? {
        guard let id = message.webhookEndpointId, let endpoint = try await database.webhookEndpoint(id: id) else {
            throw DeliveryError.permanent("the webhook endpoint was removed")
        }
        guard endpoint.active else { throw DeliveryError.permanent("the webhook endpoint is disabled") }
        let request: OutboundRequest
        switch endpoint.format {
        case .json: request = Self.request(for: message, endpoint: endpoint, now: clock())
        case .bitrix24: request = Self.bitrix24Lead(for: message, endpoint: endpoint)
        }
        let response = try await http.send(request)
        if let failure = DeliveryError.fromHTTP(status: response.status, body: response.body) { throw failure }
        if endpoint.format == .bitrix24,
            let answer = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], answer["error"] != nil
        {
            throw DeliveryError.permanent("Bitrix24: \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        return "HTTP \(response.status)"
    }

    /// The JSON body: `{"id", "topic", "createdAt", "data": {payload}}`, keys sorted.
    static func body(for message: OutboxMessage) -> [UInt8] {
        let formatter = ISO8601DateFormatter()
        let object: [String: Any] = [
            "id": message.idempotencyKey, "topic": message.topic, "createdAt": formatter.string(from: message.createdAt),
            "data": message.payload,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }

    /// `sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`: what a receiver recomputes.
    public static func signature(secret: String, timestamp: Int, body: [UInt8]) -> String {
        "sha256=" + Crypto.hex(Crypto.hmacSHA256(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + body))
    }

    static func request(for message: OutboxMessage, endpoint: WebhookEndpoint, now: Date) -> OutboundRequest {
        let body = body(for: message)
        let timestamp = Int(now.timeIntervalSince1970)
        return OutboundRequest(
            method: "POST", url: endpoint.url,
            headers: [
                ("Content-Type", "application/json; charset=utf-8"), ("User-Agent", "Wholesail-Webhook/1"),
                ("Idempotency-Key", message.idempotencyKey), ("X-Wholesail-Topic", message.topic),
                ("X-Wholesail-Timestamp", String(timestamp)),
                ("X-Wholesail-Signature", signature(secret: endpoint.secret, timestamp: timestamp, body: body)),
            ],
            body: body)
    }

    /// A Bitrix24 lead (`crm.lead.add`) through an incoming-webhook URL such as
    /// `https://example.bitrix24.ru/rest/1/abc123/`: title, contact, company and every field
    /// of the event in the comment; ORIGIN_ID is the idempotency key.
    static func bitrix24Lead(for message: OutboxMessage, endpoint: WebhookEndpoint) -> OutboundRequest {
        let payload = message.payload
        let base = endpoint.url.hasSuffix("/") ? endpoint.url : endpoint.url + "/"
        let url = base.hasSuffix("crm.lead.add.json/") ? String(base.dropLast()) : base + "crm.lead.add.json"
        var fields: [String: Any] = [
            "TITLE": [message.topic, payload["number"] ?? payload["company"] ?? ""].filter { !$0.isEmpty }.joined(separator: " "),
            "ORIGINATOR_ID": "wholesail", "ORIGIN_ID": message.idempotencyKey,
            "COMMENTS": payload.keys.sorted().map { "\($0): \(payload[$0] ?? "")" }.joined(separator: "\n"),
        ]
        if let name = payload["contactName"] ?? payload["name"] { fields["NAME"] = name }
        if let company = payload["company"] { fields["COMPANY_TITLE"] = company }
        if let phone = payload["phone"] { fields["PHONE"] = [["VALUE": phone, "VALUE_TYPE": "WORK"]] }
        if let email = payload["email"] ?? payload["to"] { fields["EMAIL"] = [["VALUE": email, "VALUE_TYPE": "WORK"]] }
        if let total = payload["total"] { fields["OPPORTUNITY"] = total }
        let object: [String: Any] = ["fields": fields, "params": ["REGISTER_SONET_EVENT": "Y"]]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return OutboundRequest(
            method: "POST", url: url,
            headers: [("Content-Type", "application/json; charset=utf-8"), ("User-Agent", "Wholesail-Webhook/1")], body: Array(body))
    }
}
