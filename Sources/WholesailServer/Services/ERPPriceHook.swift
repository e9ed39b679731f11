import Foundation
import Metrics
import WholesailCore
import WholesailStore

/// Individual price detailing: the cart asks the ERP for its lines' final prices with an HTTP
/// POST and waits at most the configured timeout; no answer in time, an error status or an
/// unreadable answer keep the matrix's prices (counted in `wholesail_erp_price_hook_fallbacks_total`).
///
/// Request (JSON): `{"counterparty": ERP id, "inn", "agreement": ERP id, "currency",
/// "lines": [{"line": 1, "product": ERP id, "sku", "unit": unit code, "qty": "2", "price": the matrix's unit price}]}`.
/// Answer: `{"lines": [{"line": 1, "price": "123.45"}]}` (or `"sku"` instead of `"line"`); a line
/// the answer leaves out keeps the matrix's price.
struct ERPPriceHook: Sendable {
    let database: WholesailDatabase
    let sender: any HTTPSender

    struct RequestBody: Encodable {
        struct Line: Encodable {
            var line: Int
            var product: String?
            var sku: String
            var unit: String
            var qty: String
            var price: String?
        }
        var counterparty: String?
        var inn: String?
        var agreement: String?
        var currency: String
        var lines: [Line]
    }

    struct NoAnswer: Error {}

    func detail(_ cart: PricedCart, record: CartRecord, context: PricingContext, promocode: CartPromocode?) async -> PricedCart {
        guard let settings = try? await database.erpPriceHookSettings(), settings.enabled, !settings.url.isEmpty,
            let counterparty = context.counterpartyId, !record.lines.isEmpty, record.lines.count == cart.lines.count
        else { return cart }
        do {
            let info = try await database.erpPriceRequestInfo(
                counterpartyId: counterparty, agreementId: context.agreementId, lines: record.lines.map { (productId: $0.productId, unitId: $0.unitId) })
            let body = RequestBody(
                counterparty: info.counterpartyErpId, inn: info.inn, agreement: info.agreementErpId, currency: cart.currency,
                lines: record.lines.enumerated().map { index, line in
                    RequestBody.Line(
                        line: index + 1, product: info.lines[index].productErpId, sku: line.sku, unit: info.lines[index].unitCode,
                        qty: ExactDecimal(units: line.qtyMilli, scale: 1000).description,
                        price: cart.lines[index].unitPriceMinor.map { Money(minorUnits: $0, currency: cart.currency).decimalString })
                })
            let request = OutboundRequest(
                method: "POST", url: settings.url, headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                body: Array(try JSONEncoder().encode(body)))
            let sender = self.sender
            let response = try await Self.within(milliseconds: settings.timeoutMs) { try await sender.send(request) }
            guard (200..<300).contains(response.status), let prices = Self.prices(Data(response.body), lines: record.lines, currency: cart.currency),
                prices.contains(where: { $0 != nil })
            else { throw NoAnswer() }
            return CartPricing.detailed(cart, items: record.lines.map(\.item), unitPrices: prices, promocode: promocode)
        } catch {
            Counter(label: "wholesail_erp_price_hook_fallbacks_total").increment()
            return cart
        }
    }

    /// The answer's unit price per cart line (nil: the ERP gave none), or nil when unreadable.
    static func prices(_ data: Data, lines: [CartLineRecord], currency: String) -> [Int64?]? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let answered = object["lines"] as? [[String: Any]] else {
            return nil
        }
        var result = [Int64?](repeating: nil, count: lines.count)
        for entry in answered {
            var index: Int?
            if let line = (entry["line"] as? NSNumber)?.intValue, (1...lines.count).contains(line) {
                index = line - 1
            } else if let sku = entry["sku"] as? String {
                index = lines.firstIndex { $0.sku.lowercased() == sku.lowercased() }
            }
            let raw = (entry["price"] as? String) ?? (entry["price"] as? NSNumber)?.stringValue
            guard let index, let raw, let money = Money(decimal: raw, currency: currency), money.minorUnits >= 0 else { return nil }
            result[index] = money.minorUnits
        }
        return result
    }

    /// The work's result, or `NoAnswer` when it takes longer than `milliseconds` (the work is cancelled).
    static func within<T: Sendable>(milliseconds: Int, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(milliseconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw NoAnswer() }
            return value
        }
    }
}
