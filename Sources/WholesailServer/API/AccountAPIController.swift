import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// Saved carts and requests (tickets) in JSON.
struct AccountAPIController {
    let database: WholesailDatabase

    func mount(on routes: Routes) {
        routes.get("/api/v1/carts", .permission("orders.place"), use: savedCarts)
        routes.post("/api/v1/carts", .permission("orders.place"), use: save)
        routes.post("/api/v1/carts/:cart/load", .permission("orders.place"), use: load)
        routes.delete("/api/v1/carts/:cart", .permission("orders.place"), use: delete)
        routes.get("/api/v1/requests", .permission("requests.create"), use: requests)
        routes.post("/api/v1/requests", .permission("requests.create"), use: createRequest)
        routes.get("/api/v1/requests/:ticket", .owned(.ticket, parameter: "ticket", permission: "requests.create"), use: showRequest)
        routes.post("/api/v1/requests/:ticket/messages", .owned(.ticket, parameter: "ticket", permission: "requests.create"), use: reply)
    }

    struct SavedCartDTO: Encodable {
        var id: Int64
        var name: String
        var lines: Int
        var updatedAt: String

        enum CodingKeys: String, CodingKey {
            case id, name, lines
            case updatedAt = "updated_at"
        }
    }

    @Sendable func savedCarts(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let list = try await database.savedCarts(userId: principal.userId)
        return try JSONResponse.make(["items": list.map { SavedCartDTO(id: $0.id, name: $0.name, lines: $0.lineCount, updatedAt: $0.updatedAt) }])
    }

    struct NameBody: Decodable { var name: String }

    @Sendable func save(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let body = try await OrderingAPIController.decode(NameBody.self, request, context: context)
        // The documented limit counts characters as sent (code points), before any trimming.
        guard body.name.unicodeScalars.count <= 100 else {
            throw ValidationError(field: "name", code: "field.too_long", message: "This is too long.")
        }
        let id = try await database.saveCart(userId: principal.userId, name: body.name)
        return try JSONResponse.make(["id": id], status: .created)
    }

    struct LoadBody: Decodable { var mode: String? }

    @Sendable func load(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let id = context.parameters.get("cart", as: Int64.self) else { throw HTTPError(.notFound) }
        let body = try await OrderingAPIController.decode(LoadBody.self, request, context: context)
        guard ["merge", "replace", nil].contains(body.mode) else {
            throw ValidationError(field: "mode", code: "cart.bad_load_mode", message: "The mode is merge or replace.")
        }
        let skipped = try await database.loadSavedCart(userId: principal.userId, id: id, replace: body.mode == "replace")
        return try JSONResponse.make(["skipped": skipped])
    }

    @Sendable func delete(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let id = context.parameters.get("cart", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.deleteSavedCart(userId: principal.userId, id: id)
        return Response(status: .noContent)
    }

    struct TicketDTO: Encodable {
        var id: Int64
        var kind: String
        var subject: String
        var status: String
        var counterpartyId: Int64
        var orderId: Int64?
        var createdAt: String
        var updatedAt: String

        enum CodingKeys: String, CodingKey {
            case id, kind, subject, status
            case counterpartyId = "counterparty_id"
            case orderId = "order_id"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        init(_ ticket: TicketSummary) {
            id = ticket.id
            kind = ticket.kind
            subject = ticket.subject
            status = ticket.status
            counterpartyId = ticket.counterpartyId
            orderId = ticket.orderId
            createdAt = ticket.createdAt
            updatedAt = ticket.updatedAt
        }
    }

    @Sendable func requests(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("requests.create")
        let list = try await database.tickets(counterparties: principal.memberOf)
        return try JSONResponse.make(["items": list.map(TicketDTO.init)])
    }

    struct RequestBody: Decodable {
        struct Line: Decodable {
            var orderLineId: Int64
            var qty: String

            enum CodingKeys: String, CodingKey {
                case qty
                case orderLineId = "order_line_id"
            }
        }

        var kind: String
        var counterpartyId: Int64?
        var orderId: Int64?
        var subject: String?
        var body: String?
        var lines: [Line]?
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case kind, subject, body, lines, reason
            case counterpartyId = "counterparty_id"
            case orderId = "order_id"
        }
    }

    @Sendable func createRequest(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("requests.create")
        let body = try await OrderingAPIController.decode(RequestBody.self, request, context: context)
        guard let kind = TicketForm.Kind(rawValue: body.kind) else {
            throw ValidationError(field: "kind", code: "ticket.bad_kind", message: "Unknown kind of request.")
        }
        guard let company = body.counterpartyId ?? principal.currentCounterpartyId ?? principal.memberOf.sorted().first else {
            throw DomainError(.conflict, code: "company.none_selected", message: "Choose the company you work for in your account first.")
        }
        try context.require("requests.create", on: .counterparty(company))
        var lines: [TicketForm.ReturnLine] = []
        for line in body.lines ?? [] {
            guard let qty = Quantity.milli(parsing: line.qty) else {
                throw ValidationError(field: "lines", code: "ticket.return_qty", message: "Return between 0 and the ordered quantity.")
            }
            lines.append(.init(orderLineId: line.orderLineId, qtyMilli: qty))
        }
        let id = try await database.createTicket(
            TicketForm(
                kind: kind, counterpartyId: company, userId: principal.userId, orderId: body.orderId, subject: body.subject ?? (kind == .return ? "Возврат" : ""),
                body: body.body ?? "", returnLines: lines, reason: body.reason ?? ""))
        return try JSONResponse.make(["id": id], status: .created)
    }

    struct TicketDetailDTO: Encodable {
        struct Message: Encodable {
            var author: String?
            var staff: Bool
            var body: String
            var at: String
        }

        var ticket: TicketDTO
        var messages: [Message]
    }

    @Sendable func showRequest(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("ticket", as: Int64.self), let ticket = try await database.ticket(id: id) else {
            throw DomainError(.notFound, code: "ticket.not_found", message: "The request was not found.")
        }
        return try JSONResponse.make(
            TicketDetailDTO(
                ticket: TicketDTO(ticket.summary),
                messages: ticket.messages.map { .init(author: $0.author, staff: $0.authorIsStaff, body: $0.body, at: $0.at) }))
    }

    struct MessageBody: Decodable { var body: String }

    @Sendable func reply(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("ticket", as: Int64.self) else { throw HTTPError(.notFound) }
        let body = try await OrderingAPIController.decode(MessageBody.self, request, context: context)
        try await database.replyToTicket(id: id, userId: principal.userId, body: body.body, fromStaff: false)
        return try await showRequest(request, context: context)
    }
}
