import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// `GET /api/v1/delivery/quote`: what delivering the caller's working cart costs — the delivery
/// company's price within its timeout, else the tariff table's — for the cart's company, to its
/// default address or `address_id` (one of the company's).
struct DeliveryAPIController {
    let carts: CartService
    let quoter: DeliveryQuoter

    func mount(on routes: Routes) {
        routes.get("/api/v1/delivery/quote", .permission("orders.place"), use: quote)
    }

    struct QuoteDTO: Encodable {
        var price: CatalogAPIController.PriceDTO
        var days: Int?
        /// `carrier` or `tariff`.
        var source: String
        var name: String
        /// Why the tariff table answered although a carrier is configured.
        var fallbackReason: String?
        var weightKg: String
        /// Some lines have no weight: the price may be too low.
        var weightIncomplete: Bool

        enum CodingKeys: String, CodingKey {
            case price, days, source, name
            case fallbackReason = "fallback_reason"
            case weightKg = "weight_kg"
            case weightIncomplete = "weight_incomplete"
        }
    }

    struct Answer: Encodable {
        /// null: the cart is empty, or neither the carrier nor the tariff table prices it.
        var quote: QuoteDTO?

        enum CodingKeys: String, CodingKey { case quote }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(quote, forKey: .quote)  // an explicit null, not a missing key
        }
    }

    @Sendable func quote(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let view = try await carts.view(for: principal)
        var address: Int64?
        if let raw = request.uri.queryParameters["address_id"] {
            guard let id = Int64(String(raw)) else {
                throw DomainError(.malformed, code: "request.malformed", message: "address_id must be an address id.")
            }
            address = id
        }
        guard let (quote, parcel) = try await quoter.quote(cart: view, userId: principal.userId, addressId: address) else {
            return try JSONResponse.make(Answer(quote: nil))
        }
        return try JSONResponse.make(
            Answer(
                quote: QuoteDTO(
                    price: OrderingAPIController.price(quote.priceMinor, quote.currency), days: quote.days, source: quote.source.rawValue,
                    name: quote.name, fallbackReason: quote.fallbackReason,
                    weightKg: ExactDecimal(units: parcel.weightGrams, scale: 1000).description, weightIncomplete: parcel.linesWithoutWeight > 0)))
    }
}
