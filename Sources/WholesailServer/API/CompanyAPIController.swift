import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// Companies in JSON: a counterparty's card and its delivery addresses.
struct CompanyAPIController {
    let database: WholesailDatabase

    func mount(on routes: Routes) {
        routes.get("/api/v1/counterparties/:id", .owned(.counterparty, parameter: "id", permission: "catalog.view"), use: show)
        routes.get("/api/v1/counterparties/:id/addresses", .owned(.counterparty, parameter: "id", permission: "orders.view"), use: addresses)
        routes.get("/api/v1/counterparties/:id/users", .owned(.counterparty, parameter: "id", permission: "users.manage_company"), use: users)
    }

    struct CardDTO: Encodable {
        var id: Int64
        var name: String
        var inn: String?
        var kpp: String?
        var legalAddress: String?
        var holding: String?
        var region: String?
        var creditLimit: CatalogAPIController.PriceDTO
        var balance: CatalogAPIController.PriceDTO
        var paymentTermDays: Int
        var blocked: Bool

        enum CodingKeys: String, CodingKey {
            case id, name, inn, kpp, holding, region, balance, blocked
            case legalAddress = "legal_address"
            case creditLimit = "credit_limit"
            case paymentTermDays = "payment_term_days"
        }
    }

    @Sendable func show(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let card = try await database.counterpartyCard(id: id) else {
            throw HTTPError(.notFound)
        }
        func money(_ minor: Int64) -> CatalogAPIController.PriceDTO {
            .init(amount: Money(minorUnits: minor, currency: card.currency).decimalString, currency: card.currency)
        }
        return try JSONResponse.make(
            CardDTO(
                id: card.id, name: card.name, inn: card.inn, kpp: card.kpp, legalAddress: card.legalAddress, holding: card.holding,
                region: card.region, creditLimit: money(card.creditLimitMinor), balance: money(card.balanceMinor),
                paymentTermDays: card.paymentTermDays, blocked: card.blocked))
    }

    struct AddressDTO: Encodable {
        var id: Int64
        var address: String
        var consignee: String?
        var contactName: String?
        var contactPhone: String?
        var comment: String?
        var isDefault: Bool

        enum CodingKeys: String, CodingKey {
            case id, address, consignee, comment
            case contactName = "contact_name"
            case contactPhone = "contact_phone"
            case isDefault = "is_default"
        }
    }

    @Sendable func addresses(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        let list = try await database.deliveryAddresses(counterpartyId: id)
        return try JSONResponse.make([
            "items": list.map {
                AddressDTO(
                    id: $0.id, address: $0.address, consignee: $0.consignee, contactName: $0.contactName, contactPhone: $0.contactPhone,
                    comment: $0.comment, isDefault: $0.isDefault)
            }
        ])
    }

    struct UserDTO: Encodable {
        var id: Int64
        var email: String
        var fullName: String
        var phone: String?
        var status: String
        var roles: [String]

        enum CodingKeys: String, CodingKey {
            case id, email, phone, status, roles
            case fullName = "full_name"
        }
    }

    @Sendable func users(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        let list = try await database.companyUsers(counterpartyId: id)
        return try JSONResponse.make([
            "items": list.map { UserDTO(id: $0.id, email: $0.email, fullName: $0.fullName, phone: $0.phone, status: $0.status, roles: $0.roles) }
        ])
    }
}
