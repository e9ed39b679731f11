import Foundation

/// A card payment gateway of the redirect-and-callback kind, described by settings (stored as
/// `setting` rows `payment.*`, edited on `/admin/payments`).
///
/// The buyer is sent to `payURL` with `{payment}` (the portal's payment id), `{amount}` (major
/// units, `1234.50`), `{amount_minor}`, `{currency}`, `{order}` (the order's number),
/// `{description}`, `{return_url}`, `{callback_url}` and `{signature}` filled in; the gateway
/// calls `POST /api/v1/payments/callback` with `payment`, `status`, `amount`, `currency`,
/// `external_id` and `signature` (form fields or a JSON object). Signatures are hex
/// HMAC-SHA256 with the shared secret over the values joined by `|` (see `PaymentSignature`).
public struct PaymentGatewaySettings: Sendable, Equatable {
    public var enabled = false
    /// Shown to the buyer ("Pay by card via …").
    public var name = ""
    public var payURL = ""
    /// The shared HMAC key; never shown back in full.
    public var secret = ""
    /// The gateway's statuses that mean paid / failed (comma-separated, any case); others: pending.
    public var paidStatuses = "paid, succeeded, success"
    public var failedStatuses = "failed, declined, cancelled, canceled, expired"

    public init() {}

    public var isUsable: Bool { enabled && !payURL.isEmpty && secret.count >= 16 }

    /// The portal's status for a gateway's status word.
    public func status(for word: String) -> PaymentStatus {
        let word = word.trimmingCharacters(in: .whitespaces).lowercased()
        func list(_ text: String) -> Set<String> {
            Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        }
        if list(paidStatuses).contains(word) { return .paid }
        if list(failedStatuses).contains(word) { return .failed }
        return .pending
    }

    public init(rows: [String: String]) {
        enabled = rows["payment.enabled"] == "1"
        name = rows["payment.name"] ?? ""
        payURL = rows["payment.pay_url"] ?? ""
        secret = rows["payment.secret"] ?? ""
        if let paid = rows["payment.paid_statuses"] { paidStatuses = paid }
        if let failed = rows["payment.failed_statuses"] { failedStatuses = failed }
    }

    public var rows: [(String, String)] {
        [
            ("payment.enabled", enabled ? "1" : "0"), ("payment.name", name), ("payment.pay_url", payURL), ("payment.secret", secret),
            ("payment.paid_statuses", paidStatuses), ("payment.failed_statuses", failedStatuses),
        ]
    }

    public func validate() throws {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let lower = payURL.lowercased()
        if !payURL.isEmpty && (!(lower.hasPrefix("http://") || lower.hasPrefix("https://")) || payURL.count > 2000 || payURL.contains(where: \.isWhitespace)) {
            fields["payURL"] = .init(code: "payment.bad_url", message: "Enter the gateway's http:// or https:// address.")
        }
        if enabled && payURL.isEmpty { fields["payURL"] = .init(code: "payment.bad_url", message: "Enter the gateway's http:// or https:// address.") }
        if enabled && secret.count < 16 {
            fields["secret"] = .init(code: "payment.short_secret", message: "The shared secret has at least 16 characters.")
        }
        if name.count > 100 || paidStatuses.count > 500 || failedStatuses.count > 500 || secret.count > 500 {
            fields["name"] = .init(code: "field.too_long", message: "This is too long.")
        }
        if !fields.isEmpty { throw ValidationError(fields: fields) }
    }
}

public enum PaymentStatus: String, Sendable, CaseIterable {
    /// Made, the buyer sent to the gateway; no word from it yet.
    case created
    /// The gateway said it is in progress.
    case pending
    case paid
    case failed
}

/// The strings signed in each direction (hex HMAC-SHA256 of them with the shared secret):
/// - to the gateway: `payment|amount|currency`, e.g. `3f9a…|1234.50|RUB`;
/// - from the gateway: `payment|status|amount|currency|external_id`.
public enum PaymentSignature {
    public static func outgoing(payment: String, amount: String, currency: String) -> String {
        [payment, amount, currency].joined(separator: "|")
    }

    public static func callback(payment: String, status: String, amount: String, currency: String, externalId: String) -> String {
        [payment, status, amount, currency, externalId].joined(separator: "|")
    }
}
