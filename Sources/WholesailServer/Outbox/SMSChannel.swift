import Foundation
import WholesailCore
import WholesailStore

/// An HTTP SMS gateway described by templates, so that SMS.ru, SMSC and most others fit without
/// code: `{phone}` and `{text}` in the URL are percent-encoded; in the body they are escaped for
/// the body's content type (JSON string, form field, or as they are).
///
/// SMS.ru: `WHOLESAIL_SMS_URL=https://sms.ru/sms/send?api_id=KEY&to={phone}&msg={text}&json=1`,
/// `WHOLESAIL_SMS_SUCCESS="status": "OK"`.
/// SMSC: `https://smsc.ru/sys/send.php?login=L&psw=P&phones={phone}&mes={text}&charset=utf-8&fmt=3`.
public struct SMSGateway: Sendable, Equatable {
    public var url: String
    /// `GET` or `POST`; default POST when there is a body, GET otherwise.
    public var method: String?
    /// One extra header, `Name: value` (e.g. `Authorization: Bearer …`).
    public var header: String?
    public var body: String?
    /// Default `application/x-www-form-urlencoded` when there is a body.
    public var contentType: String?
    /// Text the gateway's answer must contain (some answer 200 to every request).
    public var successMarker: String?
    /// The gateway's key or token, put where the URL, header or body say `{secret}` (kept apart
    /// so that the settings page can show the templates and never the key).
    public var secret: String?

    public init(
        url: String, method: String? = nil, header: String? = nil, body: String? = nil, contentType: String? = nil,
        successMarker: String? = nil, secret: String? = nil
    ) {
        self.url = url
        self.method = method
        self.header = header
        self.body = body
        self.contentType = contentType
        self.successMarker = successMarker
        self.secret = secret
    }

    /// Digits only, a Russian trunk `8XXXXXXXXXX` as `7XXXXXXXXXX` (what the gateways expect).
    public static func normalizedPhone(_ phone: String) -> String {
        var digits = phone.filter { $0.isASCII && $0.isNumber }
        if digits.count == 11 && digits.hasPrefix("8") { digits = "7" + digits.dropFirst() }
        if digits.count == 10 && digits.hasPrefix("9") { digits = "7" + digits }
        return digits
    }

    /// The request that sends `text` to `phone`.
    public func request(phone: String, text: String) -> OutboundRequest {
        let phone = Self.normalizedPhone(phone)
        let secret = secret ?? ""
        // The secret first: a text that contains "{secret}" must not pull the key into the message.
        let url = url.replacingOccurrences(of: "{secret}", with: Self.percentEncoded(secret))
            .replacingOccurrences(of: "{phone}", with: Self.percentEncoded(phone))
            .replacingOccurrences(of: "{text}", with: Self.percentEncoded(text))
        var headers: [(String, String)] = [("User-Agent", "Wholesail-SMS/1")]
        if let header = header?.replacingOccurrences(of: "{secret}", with: secret), let colon = header.firstIndex(of: ":") {
            headers.append(
                (String(header[..<colon]).trimmingCharacters(in: .whitespaces),
                 String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        var bodyBytes: [UInt8]?
        if let body, !body.isEmpty {
            let type = contentType ?? "application/x-www-form-urlencoded"
            let lowered = type.lowercased()
            func escape(_ value: String) -> String {
                if lowered.contains("json") { return Self.jsonEscaped(value) }
                if lowered.contains("urlencoded") { return Self.percentEncoded(value) }
                return value
            }
            let rendered = body.replacingOccurrences(of: "{secret}", with: escape(secret))
                .replacingOccurrences(of: "{phone}", with: escape(phone)).replacingOccurrences(of: "{text}", with: escape(text))
            bodyBytes = Array(rendered.utf8)
            headers.append(("Content-Type", type))
        }
        return OutboundRequest(method: (method ?? (bodyBytes == nil ? "GET" : "POST")).uppercased(), url: url, headers: headers, body: bodyBytes)
    }

    /// The error without the secret in it (a gateway may echo its key, a URL may carry it).
    func redacting(_ error: DeliveryError) -> DeliveryError {
        guard let secret, secret.count >= 4 else { return error }
        var message = error.message
        for form in Set([secret, Self.percentEncoded(secret)]) {
            message = message.replacingOccurrences(of: form, with: "••••")
        }
        return DeliveryError(message, permanent: error.permanent)
    }

    static func percentEncoded(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static func jsonEscaped(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst(2).dropLast(2))
    }
}

/// SMS through the configured gateway, in the recipient's language.
public struct SMSChannel: OutboxChannel {
    public let kind = "sms"
    let database: WholesailDatabase
    let composer: NotificationComposer
    let gateway: SMSGateway
    let http: any HTTPSender
    let defaultLanguage: String

    public init(
        database: WholesailDatabase, composer: NotificationComposer, gateway: SMSGateway, http: any HTTPSender,
        defaultLanguage: String = "ru"
    ) {
        self.database = database
        self.composer = composer
        self.gateway = gateway
        self.http = http
        self.defaultLanguage = defaultLanguage
    }

    public func deliver(_ message: OutboxMessage) async throws -> String? {
        var language = message.payload["lang"]
        if language == nil, let userId = message.payload["userId"].flatMap({ Int64($0) }) {
            language = try await database.mailRecipients(payload: ["userId": String(userId)], audience: .payload).first?.locale
        }
        guard let phone = message.payload["phone"], SMSGateway.normalizedPhone(phone).count >= 10 else {
            throw DeliveryError.permanent("no usable phone number")
        }
        guard let text = composer.sms(topic: message.topic, language: language ?? defaultLanguage, payload: message.payload),
            !text.isEmpty
        else { throw DeliveryError.permanent("no SMS template for topic \(message.topic)") }
        do {
            let response = try await http.send(gateway.request(phone: phone, text: text))
            if let failure = DeliveryError.fromHTTP(status: response.status, body: response.body) { throw failure }
            if let marker = gateway.successMarker, !marker.isEmpty,
                !String(decoding: response.body, as: UTF8.self).contains(marker)
            {
                throw DeliveryError.temporary("gateway answered: \(String(decoding: response.body.prefix(300), as: UTF8.self))")
            }
            return "HTTP \(response.status)"
        } catch let error as DeliveryError {
            throw gateway.redacting(error)
        }
    }
}
