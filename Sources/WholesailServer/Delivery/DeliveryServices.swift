import Foundation
import Logging
import ServiceLifecycle
import WholesailCore
import WholesailStore

/// A delivery company's API as `CarrierSettings` describes it: a price for a parcel, the status
/// of a tracking number. Throws `DeliveryError` (the outbox's: temporary or permanent).
public struct CarrierAdapter: Sendable {
    let settings: CarrierSettings
    let http: any HTTPSender

    public init(settings: CarrierSettings, http: any HTTPSender) {
        self.settings = settings
        self.http = http
    }

    /// The carrier's price for a parcel.
    public func quote(_ parcel: DeliveryParcel) async throws -> DeliveryQuote {
        let value = Money(minorUnits: parcel.valueMinor, currency: parcel.currency).decimalString
        let city = parcel.address.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        let values = [
            "region": parcel.regionName, "city": city, "address": parcel.address, "weight_g": String(parcel.weightGrams),
            "weight_kg": ExactDecimal(units: parcel.weightGrams, scale: 1000).description, "volume_l": ExactDecimal(units: parcel.volumeMl, scale: 1000).description,
            "value": value,
        ]
        let answer = try await call(url: settings.quoteURL, method: settings.quoteMethod, body: settings.quoteBody, values: values)
        guard let price = JSONPath.amountMinor(JSONPath.value(in: answer, path: settings.pricePath), currency: parcel.currency, minorUnits: settings.priceInMinorUnits),
            price >= 0
        else { throw DeliveryError.temporary("the carrier's answer has no price at \(settings.pricePath)") }
        let days = settings.daysPath.isEmpty ? nil : JSONPath.text(JSONPath.value(in: answer, path: settings.daysPath)).flatMap { Int($0) }
        return DeliveryQuote(priceMinor: price, currency: parcel.currency, days: days, source: .carrier, name: settings.name)
    }

    /// The carrier's status of a tracking number, and whether it means delivered.
    public func track(_ trackingNumber: String) async throws -> (status: String, delivered: Bool) {
        let answer = try await call(url: settings.trackingURL, method: "GET", body: "", values: ["tracking": trackingNumber])
        guard let status = JSONPath.text(JSONPath.value(in: answer, path: settings.statusPath))?.trimmingCharacters(in: .whitespaces),
            !status.isEmpty
        else { throw DeliveryError.temporary("the carrier's answer has no status at \(settings.statusPath)") }
        return (status, settings.delivered.contains(status.lowercased()))
    }

    /// One request from the templates; the answer as JSON.
    func call(url template: String, method: String, body: String, values: [String: String]) async throws -> Any {
        let contentType = settings.contentType.isEmpty ? "application/json" : settings.contentType
        let json = contentType.lowercased().contains("json")
        func fill(_ text: String, _ escape: (String) -> String) -> String {
            // The secret first: a value that contains "{secret}" must not pull the key in.
            var out = text.replacingOccurrences(of: "{secret}", with: escape(settings.secret))
            for (name, value) in values { out = out.replacingOccurrences(of: "{\(name)}", with: escape(value)) }
            return out
        }
        let url = fill(template, SMSGateway.percentEncoded)
        var headers: [(String, String)] = [("User-Agent", "Wholesail-Delivery/1"), ("Accept", "application/json")]
        let header = fill(settings.header) { $0 }
        if let colon = header.firstIndex(of: ":") {
            headers.append(
                (String(header[..<colon]).trimmingCharacters(in: .whitespaces),
                 String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        var bytes: [UInt8]?
        if !body.isEmpty {
            bytes = Array(fill(body, json ? SMSGateway.jsonEscaped : SMSGateway.percentEncoded).utf8)
            headers.append(("Content-Type", contentType))
        }
        let verb = method.isEmpty ? (bytes == nil ? "GET" : "POST") : method
        do {
            let response = try await http.send(OutboundRequest(method: verb, url: url, headers: headers, body: bytes))
            if let failure = DeliveryError.fromHTTP(status: response.status, body: response.body) { throw failure }
            guard let answer = try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed]) else {
                throw DeliveryError.temporary("the carrier's answer is not JSON: \(String(decoding: response.body.prefix(200), as: UTF8.self))")
            }
            return answer
        } catch let error as DeliveryError {
            throw redacting(error)
        }
    }

    func redacting(_ error: DeliveryError) -> DeliveryError {
        guard settings.secret.count >= 4 else { return error }
        var message = error.message
        for form in Set([settings.secret, SMSGateway.percentEncoded(settings.secret)]) {
            message = message.replacingOccurrences(of: form, with: "••••")
        }
        return DeliveryError(message, permanent: error.permanent)
    }
}

/// A delivery price for a parcel: the carrier's, within its timeout, else the tariff table's
/// (with the carrier's error as the reason), else none. Never slower than the carrier's timeout.
public struct DeliveryQuoter: Sendable {
    let database: WholesailDatabase
    let http: any HTTPSender
    let logger: Logger

    public init(database: WholesailDatabase, http: (any HTTPSender)? = nil, logger: Logger = Logger(label: "wholesail.delivery")) {
        self.database = database
        self.http = http ?? AsyncHTTPSender(timeout: .seconds(60))
        self.logger = logger
    }

    public func quote(_ parcel: DeliveryParcel) async throws -> DeliveryQuote? {
        let settings = try await database.carrierSettings()
        var reason: String?
        if settings.canQuote {
            let adapter = CarrierAdapter(settings: settings, http: http)
            let outcome = await OutboxDispatcher.withDeadline(.seconds(settings.timeoutSeconds)) { try await adapter.quote(parcel) }
            switch outcome {
            case .success(let quote):
                return quote
            case .failure(let error):
                reason = error.message
                logger.warning("delivery: the carrier's quote failed; the tariff table answers", metadata: ["error": .string(error.message)])
            }
        }
        guard var quote = TariffTable.quote(parcel, tariffs: try await database.deliveryTariffs()) else { return nil }
        quote.fallbackReason = reason
        return quote
    }
}

/// Asks the carrier about shipped shipments with a tracking number, every `interval`, and
/// records their status (a change is published as `shipment.tracking`; a delivered status marks
/// the shipment delivered). Each shipment is asked at most once per interval.
struct TrackingPoller: Service {
    let database: WholesailDatabase
    let http: any HTTPSender
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                let changed = try await pollOnce(now: Date())
                if changed > 0 { logger.info("tracking: shipments changed status", metadata: ["count": "\(changed)"]) }
            } catch {
                logger.error("tracking failed: \(error)")
            }
        }
    }

    /// One round; returns how many shipments changed status.
    func pollOnce(now: Date) async throws -> Int {
        let settings = try await database.carrierSettings()
        guard settings.canTrack else { return 0 }
        let seconds = Double(interval.components.seconds)
        let due = try await database.shipmentsToTrack(checkedBefore: now.addingTimeInterval(-seconds * 0.9), now: now)
        let adapter = CarrierAdapter(settings: settings, http: http)
        var changed = 0
        for shipment in due where !Task.isCancelled {
            let outcome = await OutboxDispatcher.withDeadline(.seconds(max(settings.timeoutSeconds, 10))) {
                try await adapter.track(shipment.trackingNumber)
            }
            switch outcome {
            case .success(let answer):
                if try await database.recordTracking(shipmentId: shipment.id, status: answer.status, delivered: answer.delivered, now: now) {
                    changed += 1
                }
            case .failure(let error):
                logger.warning(
                    "tracking: the carrier could not be asked", metadata: ["shipment": "\(shipment.id)", "error": .string(error.message)])
                try await database.recordTracking(shipmentId: shipment.id, status: nil, delivered: false, now: now)
            }
        }
        return changed
    }
}

extension DeliveryQuoter {
    /// The quote for a buyer's working cart (its company's region, the chosen or default
    /// address, the cart's priced value), or nil when nothing prices it or the cart is empty.
    func quote(cart view: CartService.View, userId: Int64, addressId: Int64? = nil) async throws -> (DeliveryQuote, DeliveryParcel)? {
        guard !view.cart.lines.isEmpty else { return nil }
        let parcel = try await database.cartParcel(
            userId: userId, counterpartyId: view.cart.counterpartyId, addressId: addressId, valueMinor: view.priced.totalMinor,
            currency: view.priced.currency)
        return try await quote(parcel).map { ($0, parcel) }
    }
}
