import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Requests from the personal account (complaints, messages, returns step by step, requests for
/// documents or content) and the staff's queue of them. Each is a ticket with a thread.
struct RequestsPagesController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.get("/requests", .permission("requests.create"), use: list)
        routes.get("/requests/new", .permission("requests.create"), use: newForm)
        routes.post("/requests", .permission("requests.create"), use: create)
        routes.get("/requests/:ticket", .owned(.ticket, parameter: "ticket", permission: "requests.create"), use: show)
        routes.post("/requests/:ticket/reply", .owned(.ticket, parameter: "ticket", permission: "requests.create"), use: reply)
        routes.get("/requests/:ticket/files/:file", .owned(.ticket, parameter: "ticket", permission: "requests.create"), use: file)
        routes.get("/staff/requests", .permission("requests.handle"), use: queue)
        routes.get("/staff/requests/:ticket", .owned(.ticket, parameter: "ticket", permission: "requests.handle"), use: show)
        routes.post("/staff/requests/:ticket/reply", .owned(.ticket, parameter: "ticket", permission: "requests.handle"), use: reply)
        routes.post("/staff/requests/:ticket/status", .owned(.ticket, parameter: "ticket", permission: "requests.handle"), use: setStatus)
        routes.get("/staff/requests/:ticket/files/:file", .owned(.ticket, parameter: "ticket", permission: "requests.handle"), use: file)
    }

    func company(_ principal: Principal, requested: Int64? = nil) throws -> Int64 {
        if let requested, principal.memberOf.contains(requested) { return requested }
        guard let id = principal.currentCounterpartyId ?? principal.memberOf.sorted().first else {
            throw DomainError(.conflict, code: "company.none_selected", message: "Choose the company you work for in your account first.")
        }
        return id
    }

    func rows(_ tickets: [TicketSummary], t: Localizer, staff: Bool) -> [[String: Any]] {
        tickets.map { ticket in
            [
                "id": ticket.id, "kind": t["requests.kind_" + ticket.kind], "subject": ticket.subject, "status": t["requests.status_" + ticket.status],
                "company": ticket.counterparty, "order": ticket.orderNumber ?? "", "date": String(ticket.updatedAt.prefix(16)),
                "assignee": ticket.assignee ?? "", "author": ticket.author ?? "", "link": (staff ? "/staff/requests/" : "/requests/") + String(ticket.id),
            ]
        }
    }

    @Sendable func list(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("requests.create")
        let t = renderer.localizer(context.language)
        let tickets = try await database.tickets(counterparties: principal.memberOf)
        return renderer.render(
            "requests",
            ["title": t["requests.title"], "tickets": rows(tickets, t: t, staff: false), "hasTickets": !tickets.isEmpty, "isStaff": false,
             "kinds": TicketForm.Kind.allCases.map { ["code": $0.rawValue, "name": t["requests.kind_" + $0.rawValue]] }],
            request: request, context: context)
    }

    @Sendable func queue(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("requests.handle")
        let t = renderer.localizer(context.language)
        let openOnly = request.uri.queryParameters["all"] == nil
        let tickets = try await database.tickets(counterparties: principal.seesAllCustomers ? nil : principal.serves, openOnly: openOnly)
        return renderer.render(
            "requests",
            ["title": t["requests.queue_title"], "tickets": rows(tickets, t: t, staff: true), "hasTickets": !tickets.isEmpty, "isStaff": true, "openOnly": openOnly],
            request: request, context: context)
    }

    /// The form; a return goes step by step: the order, then lines and quantities, then reason,
    /// photos and confirmation.
    @Sendable func newForm(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        return try await renderForm(request, context: context, values: query, errors: [:])
    }

    func renderForm(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let principal = try context.require("requests.create")
        let t = renderer.localizer(context.language)
        let kind = TicketForm.Kind(rawValue: values["kind"] ?? "") ?? .message
        let companyId = try company(principal)
        var filter = OrderFilter(counterparties: principal.memberOf)
        filter.perPage = 100
        let orders = try await database.orders(filter).items
        let orderId = values["orderId"].flatMap { Int64($0) }
        var page: [String: Any] = [
            "title": t["requests.new_title"], "kind": kind.rawValue, "kindName": t["requests.kind_" + kind.rawValue], "companyId": companyId,
            "kinds": TicketForm.Kind.allCases.map {
                ["code": $0.rawValue, "name": t["requests.kind_" + $0.rawValue], "selected": $0 == kind, "isReturnKind": $0 == .return] as [String: Any]
            },
            "orders": orders.map { ["id": $0.id, "number": $0.number, "date": String($0.placedAt.prefix(10)), "selected": $0.id == orderId] as [String: Any] },
            "needsOrder": kind == .complaint || kind == .return, "isReturn": kind == .return, "values": values, "errors": errors,
            "hasErrors": !errors.isEmpty,
            "reasons": ["defect", "wrong_item", "damaged", "not_needed"].map { code -> [String: Any] in
                ["code": code, "name": t["requests.reason_" + code], "selected": values["reason"] == code]
            },
        ]
        if kind == .return {
            let step = values["step"].flatMap { Int($0) } ?? 1
            if let orderId, step >= 2, let order = try await database.order(id: orderId), principal.memberOf.contains(order.summary.counterpartyId) {
                let format = Formatter(language: context.language, localizer: t)
                page["order"] = ["id": order.summary.id, "number": order.summary.number]
                page["lines"] = order.lines.map { line in
                    [
                        "id": line.id, "sku": line.sku, "name": line.name, "ordered": format.quantity(line.qtyMilli), "unit": line.unit,
                        "qty": values["qty_\(line.id)"] ?? "",
                    ] as [String: Any]
                }
                let chosen = order.lines.compactMap { line -> [String: Any]? in
                    guard let qty = values["qty_\(line.id)"].flatMap(Quantity.milli(parsing:)) else { return nil }
                    return ["id": line.id, "sku": line.sku, "name": line.name, "qty": format.quantity(qty), "raw": values["qty_\(line.id)"] ?? "", "unit": line.unit]
                }
                page["chosen"] = chosen
                page["step2"] = step == 2 || chosen.isEmpty
                page["step3"] = step >= 3 && !chosen.isEmpty
                if step >= 3 && chosen.isEmpty { page["stepError"] = t["error.ticket.lines_required"] }
            } else {
                page["step1"] = true
            }
        }
        return renderer.render("request-new", page, request: request, context: context, status: status)
    }

    @Sendable func create(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("requests.create")
        let f = context.form
        let companyId = try company(principal, requested: f["companyId"].flatMap { Int64($0) })
        try context.require("requests.create", on: .counterparty(companyId))
        let kind = TicketForm.Kind(rawValue: f["kind"] ?? "") ?? .message
        var returnLines: [TicketForm.ReturnLine] = []
        for (key, value) in f where key.hasPrefix("qty_") {
            guard let lineId = Int64(key.dropFirst(4)), !value.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            guard let qty = Quantity.milli(parsing: value) else { continue }
            returnLines.append(.init(orderLineId: lineId, qtyMilli: qty))
        }
        let attachments = (1...TicketForm.maxAttachments).compactMap { index -> TicketForm.Attachment? in
            guard let part = context.uploads["file\(index)"], !part.data.isEmpty else { return nil }
            return TicketForm.Attachment(fileName: part.fileName ?? "file\(index)", data: part.data)
        }
        let t = renderer.localizer(context.language)
        var subject = f["subject"] ?? ""
        if subject.trimmingCharacters(in: .whitespaces).isEmpty, kind == .return { subject = t["requests.kind_return"] }
        let form = TicketForm(
            kind: kind, counterpartyId: companyId, userId: principal.userId, orderId: f["orderId"].flatMap { Int64($0) }, subject: subject,
            body: f["body"] ?? "", returnLines: returnLines.sorted { $0.orderLineId < $1.orderLineId }, reason: f["reason"] ?? "", attachments: attachments)
        do {
            let id = try await database.createTicket(form)
            return .redirect(to: "/requests/\(id)?sent=1", type: .normal)
        } catch let error as ValidationError {
            var values = context.echoedForm(limit: 20_000)
            if kind == .return { values["step"] = "3" }
            return try await renderForm(request, context: context, values: values, errors: t.fieldMessages(error), status: .unprocessableContent)
                .response(from: request, context: context)
        }
    }

    @Sendable func show(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("ticket", as: Int64.self), let ticket = try await database.ticket(id: id) else {
            throw DomainError(.notFound, code: "ticket.not_found", message: "The request was not found.")
        }
        let staff = request.uri.path.hasPrefix("/staff/")
        let base = (staff ? "/staff/requests/" : "/requests/") + String(id)
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        return renderer.render(
            "request",
            [
                "title": ticket.summary.subject, "id": id, "base": base, "isStaff": staff, "subject": ticket.summary.subject,
                "kind": t["requests.kind_" + ticket.summary.kind], "status": t["requests.status_" + ticket.summary.status],
                "company": ticket.summary.counterparty, "order": ticket.summary.orderNumber ?? "", "orderId": ticket.summary.orderId ?? 0,
                "assignee": ticket.summary.assignee ?? "", "sent": request.uri.queryParameters["sent"] != nil,
                "reason": ticket.reason.map { t.strings["requests.reason_" + $0] ?? $0 } ?? "", "returnLines": ticket.returnLines.map { ["sku": $0.sku, "name": $0.name, "qty": format.quantity($0.qtyMilli), "unit": $0.unit] },
                "hasReturn": !ticket.returnLines.isEmpty,
                "messages": ticket.messages.map { message in
                    ["author": message.author ?? "", "staff": message.authorIsStaff, "body": message.body, "at": String(message.at.prefix(16)),
                     "files": message.files.map { ["id": $0.id, "name": $0.name] }] as [String: Any]
                },
                "closed": ["closed", "rejected"].contains(ticket.summary.status) && !staff,
                "statuses": ["open", "in_progress", "answered", "closed", "rejected"].map {
                    ["code": $0, "name": t["requests.status_" + $0], "selected": $0 == ticket.summary.status] as [String: Any]
                },
                "canSetStatus": staff && principal.permissions.contains("requests.handle"),
                "period": ticket.details["from"].flatMap { from in ticket.details["to"].flatMap { ReconciliationPeriod.custom(from: from, to: $0)?.russianRange } } ?? "",
                "canUploadAct": staff && ticket.summary.kind == "reconciliation" && principal.permissions.contains("requests.handle"),
            ], request: request, context: context)
    }

    @Sendable func reply(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("ticket", as: Int64.self) else { throw HTTPError(.notFound) }
        let staff = request.uri.path.hasPrefix("/staff/")
        let attachments = (1...TicketForm.maxAttachments).compactMap { index -> TicketForm.Attachment? in
            guard let part = context.uploads["file\(index)"], !part.data.isEmpty else { return nil }
            return TicketForm.Attachment(fileName: part.fileName ?? "file\(index)", data: part.data)
        }
        try await database.replyToTicket(id: id, userId: principal.impersonatorId ?? principal.userId, body: context.form["body"] ?? "", fromStaff: staff, attachments: attachments)
        return .redirect(to: (staff ? "/staff/requests/" : "/requests/") + String(id), type: .normal)
    }

    @Sendable func setStatus(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("requests.handle")
        guard let id = context.parameters.get("ticket", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.setTicketStatus(id: id, status: context.form["status"] ?? "", actor: principal.userId)
        return .redirect(to: "/staff/requests/\(id)", type: .normal)
    }

    @Sendable func file(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("ticket", as: Int64.self), let fileId = context.parameters.get("file", as: Int64.self),
            try await database.ticketFile(ticketId: id, fileId: fileId)
        else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
        return try await FilesController.download(fileId: fileId, database: database)
    }
}
