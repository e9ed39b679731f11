import Foundation

/// A delivery company's HTTP API, described by templates and answer paths so that most
/// carriers fit without code (stored as `setting` rows `delivery.carrier.*`, edited on
/// `/admin/delivery`).
///
/// Quote: `quoteURL` (and `quoteBody`) with `{region}`, `{city}`, `{address}`, `{weight_g}`,
/// `{weight_kg}`, `{volume_l}`, `{value}` (goods' value, major units) and `{secret}`; the
/// answer is JSON, the price at `pricePath` (major units, or minor with `priceInMinorUnits`),
/// the days at `daysPath`. Tracking: `trackingURL` with `{tracking}` and `{secret}`; the status
/// at `statusPath`; a status among `deliveredValues` marks the shipment delivered.
public struct CarrierSettings: Sendable, Equatable {
    public var enabled = false
    /// Shown with its quotes ("СДЭК", "Деловые линии").
    public var name = ""
    public var quoteURL = ""
    public var quoteMethod = ""
    public var quoteBody = ""
    public var contentType = ""
    /// One header, `Name: value`, may use `{secret}`.
    public var header = ""
    public var pricePath = ""
    public var daysPath = ""
    public var priceInMinorUnits = false
    public var trackingURL = ""
    public var statusPath = ""
    /// Comma-separated statuses that mean "delivered".
    public var deliveredValues = ""
    /// The API key or token; never shown back in full.
    public var secret = ""
    /// How long a quote may take before the tariff table answers instead (checkout waits for it).
    public var timeoutSeconds = 5

    public init() {}

    public var canQuote: Bool { enabled && !quoteURL.isEmpty && !pricePath.isEmpty }
    public var canTrack: Bool { enabled && !trackingURL.isEmpty && !statusPath.isEmpty }

    public var delivered: Set<String> {
        Set(deliveredValues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
    }

    static var keys: [WritableKeyPath<CarrierSettings, String>: String] {
        [
        \.name: "delivery.carrier.name", \.quoteURL: "delivery.carrier.quote_url", \.quoteMethod: "delivery.carrier.quote_method",
        \.quoteBody: "delivery.carrier.quote_body", \.contentType: "delivery.carrier.content_type", \.header: "delivery.carrier.header",
        \.pricePath: "delivery.carrier.price_path", \.daysPath: "delivery.carrier.days_path", \.trackingURL: "delivery.carrier.tracking_url",
        \.statusPath: "delivery.carrier.status_path", \.deliveredValues: "delivery.carrier.delivered", \.secret: "delivery.carrier.secret",
        ]
    }

    public init(rows: [String: String]) {
        for (path, key) in Self.keys { self[keyPath: path] = rows[key] ?? "" }
        enabled = rows["delivery.carrier.enabled"] == "1"
        priceInMinorUnits = rows["delivery.carrier.minor_units"] == "1"
        timeoutSeconds = rows["delivery.carrier.timeout"].flatMap { Int($0) }.map { max(1, min($0, 60)) } ?? 5
    }

    /// Stored rows; an empty value removes its row.
    public var rows: [(String, String)] {
        Self.keys.map { ($0.value, self[keyPath: $0.key]) }.sorted { $0.0 < $1.0 } + [
            ("delivery.carrier.enabled", enabled ? "1" : "0"), ("delivery.carrier.minor_units", priceInMinorUnits ? "1" : "0"),
            ("delivery.carrier.timeout", String(timeoutSeconds)),
        ]
    }

    public func validate() throws {
        var fields: [String: ValidationError.FieldIssue] = [:]
        func url(_ text: String, _ field: String) {
            let lower = text.lowercased()
            if !text.isEmpty && (!(lower.hasPrefix("http://") || lower.hasPrefix("https://")) || text.count > 2000 || text.contains(where: \.isWhitespace)) {
                fields[field] = .init(code: "delivery.bad_url", message: "Enter an http:// or https:// address.")
            }
        }
        url(quoteURL, "quoteURL")
        url(trackingURL, "trackingURL")
        if !quoteMethod.isEmpty && !["GET", "POST"].contains(quoteMethod) {
            fields["quoteMethod"] = .init(code: "channels.bad_method", message: "Choose GET or POST.")
        }
        if !header.isEmpty && (!header.contains(":") || header.contains(where: \.isNewline)) {
            fields["header"] = .init(code: "channels.bad_header", message: "Write one header as Name: value.")
        }
        for (field, value) in [("pricePath", pricePath), ("daysPath", daysPath), ("statusPath", statusPath)]
        where value.count > 200 || value.contains(where: \.isWhitespace) {
            fields[field] = .init(code: "delivery.bad_path", message: "Write a path such as data.price or result[0].cost.")
        }
        if enabled && !quoteURL.isEmpty && pricePath.isEmpty {
            fields["pricePath"] = .init(code: "delivery.bad_path", message: "Write a path such as data.price or result[0].cost.")
        }
        if enabled && !trackingURL.isEmpty && statusPath.isEmpty {
            fields["statusPath"] = .init(code: "delivery.bad_path", message: "Write a path such as data.price or result[0].cost.")
        }
        if name.count > 100 || quoteBody.count > 4000 || deliveredValues.count > 1000 || secret.count > 500 || contentType.count > 200 {
            fields["name"] = .init(code: "field.too_long", message: "This is too long.")
        }
        if !(1...60).contains(timeoutSeconds) {
            fields["timeout"] = .init(code: "delivery.bad_timeout", message: "Enter seconds from 1 to 60.")
        }
        if !fields.isEmpty { throw ValidationError(fields: fields) }
    }
}
