import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Order history and order pages for buyers and staff; the admin's statuses and ordering settings.
struct OrderPagesController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.get("/orders", .permission("orders.view"), use: list)
        routes.get("/orders/:order", .owned(.customerOrder, parameter: "order", permission: "orders.view"), use: show)
        routes.post("/orders/:order/repeat", .owned(.customerOrder, parameter: "order", permission: "orders.place"), use: repeatOrder)
        routes.post("/orders/:order/cancel", .owned(.customerOrder, parameter: "order", permission: "orders.place"), use: cancel)
        routes.post("/orders/:order/status", .owned(.customerOrder, parameter: "order", permission: "orders.edit"), use: setStatus)
        routes.get("/admin/ordering", .permission("admin.settings"), use: admin)
        routes.post("/admin/ordering/settings", .permission("admin.settings"), use: saveSettings)
        routes.post("/admin/ordering/statuses", .permission("admin.settings"), use: saveStatus)
    }

    /// The companies whose orders the principal may list: their own, or those they serve (all for
    /// executives and admins).
    static func visibleCompanies(_ principal: Principal) -> Set<Int64>? {
        if principal.seesAllCustomers || principal.permissions.contains("orders.view_all") { return nil }
        return principal.memberOf.union(principal.serves)
    }

    static func filter(from query: [String: String], principal: Principal) -> OrderFilter {
        var filter = OrderFilter(counterparties: visibleCompanies(principal))
        filter.statusCode = query["status"].flatMap { $0.isEmpty ? nil : String($0.prefix(40)) }
        filter.activeOnly = query["active"] == "1"
        filter.from = query["from"].flatMap { CheckoutForm.isDateText($0) ? $0 : nil }
        filter.to = query["to"].flatMap { CheckoutForm.isDateText($0) ? $0 : nil }
        filter.number = query["number"].map { String($0.prefix(50)) }
        filter.counterpartyId = query["counterparty"].flatMap { Int64($0) }
        filter.page = query["page"].flatMap { Int($0) }.map { max(1, min($0, 10_000)) } ?? 1
        filter.perPage = query["per_page"].flatMap { Int($0) }.map { max(1, min($0, 100)) } ?? 20
        return filter
    }

    @Sendable func list(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("orders.view")
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let filter = Self.filter(from: query, principal: principal)
        let (items, total) = try await database.orders(filter)
        let statuses = try await database.orderStatuses()
        let companies = try await database.companyNames(ids: filter.counterparties)
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let pages = max(1, (total + filter.perPage - 1) / filter.perPage)
        var base = query
        base["page"] = nil
        let baseQuery = base.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        return renderer.render(
            "orders",
            [
                "title": t["orders.title"],
                "orders": items.map { order in
                    [
                        "id": order.id, "number": order.number, "date": String(order.placedAt.prefix(10)), "company": order.counterparty,
                        "status": context.language == .ru ? order.status.nameRu : order.status.nameEn, "color": order.status.color,
                        "total": format.money(order.totalMinor, order.currency), "lines": order.lineCount,
                        "offline": order.source == "offline", "part": order.parentOrderId != nil, "poNumber": order.poNumber ?? "",
                    ] as [String: Any]
                },
                "hasOrders": !items.isEmpty, "total": total,
                "statuses": statuses.map { ["code": $0.code, "name": context.language == .ru ? $0.nameRu : $0.nameEn, "selected": $0.code == filter.statusCode] as [String: Any] },
                "companies": companies.map { ["id": $0.id, "name": $0.name, "selected": $0.id == filter.counterpartyId] as [String: Any] },
                "manyCompanies": companies.count > 1,
                "values": ["from": filter.from ?? "", "to": filter.to ?? "", "number": filter.number ?? ""], "active": filter.activeOnly,
                "prev": filter.page > 1 ? "?\(baseQuery)&page=\(filter.page - 1)" : "", "next": filter.page < pages ? "?\(baseQuery)&page=\(filter.page + 1)" : "",
                "page": filter.page, "pages": pages,
            ], request: request, context: context)
    }

    @Sendable func show(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("orders.view")
        guard let id = context.parameters.get("order", as: Int64.self), let order = try await database.order(id: id) else {
            throw DomainError(.notFound, code: "order.not_found", message: "The order was not found.")
        }
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let currency = order.summary.currency
        let statusName = { (status: OrderStatus) in context.language == .ru ? status.nameRu : status.nameEn }
        let lineNames = Dictionary(uniqueKeysWithValues: order.lines.map { ($0.id, $0) })
        let isStaff = principal.permissions.contains("orders.edit")
        let statuses = isStaff ? try await database.orderStatuses() : []
        // Card payments: what was paid or tried, and "pay by card" when a gateway is set up and something is due.
        let payments = try await database.payments(orderId: order.summary.id)
        let due = try await database.amountDue(orderId: order.summary.id)
        let gateway = try await database.paymentSettings()
        let paid = payments.contains { $0.status == .paid } && due.minor == 0
        let canDocuments = principal.permissions.contains("documents.view")
        // Shipment documents are listed with their shipment.
        let orderDocuments = order.documents.filter { $0.shipmentId == nil }
        // The request for quote this order was accepted from, if any.
        let quoteId = try await database.quoteId(orderId: order.summary.id)
        let quoteLink = quoteId.map { principal.permissions.contains("quotes.answer") ? "/staff/quotes/\($0)" : "/quotes/\($0)" } ?? ""
        // Until the buyer company approves it, the order is not the distributor's: no bill, no payment.
        let awaitingApproval = ["pending_approval", "approval_declined"].contains(order.summary.status.code)
        let approvals = try await database.orderApprovals(orderId: order.summary.id)
        let costCentre = try await database.orderCostCentre(orderId: order.summary.id)
        return renderer.render(
            "order",
            [
                "quoteNumber": quoteId.map(QuoteSummary.number) ?? "", "quoteLink": quoteLink,
                "title": t.format("orders.order_title", ["number": order.summary.number]), "id": order.summary.id, "number": order.summary.number,
                "date": String(order.summary.placedAt.prefix(16)), "company": order.summary.counterparty, "seller": order.sellerOrganization,
                "agreement": order.agreement ?? "", "placedBy": order.placedBy ?? "",
                "status": statusName(order.summary.status), "color": order.summary.status.color,
                "offline": order.summary.source == "offline", "placed": request.uri.queryParameters["placed"] != nil,
                "delivery": t["checkout.method_" + order.deliveryMethod], "warehouse": order.warehouse ?? "", "address": order.address ?? "",
                "consignee": order.consignee ?? "", "contact": [order.contactName, order.contactPhone].compactMap { $0 }.joined(separator: ", "),
                "deliveryDate": [order.deliveryDate, order.deliveryWindow].compactMap { $0 }.joined(separator: " "), "comment": order.comment ?? "",
                "reservedUntil": order.reservedUntil.map { String($0.prefix(16)) } ?? "", "creditOverride": order.creditOverride,
                "poNumber": order.summary.poNumber ?? "", "costCentre": costCentre ?? "",
                "approvals": approvals.map { item in
                    var row = ApprovalsController.row(item, t: t, format: format)
                    row["canDecide"] = item.status == "pending" && item.approverUserId == principal.userId
                        && order.summary.status.code == "pending_approval" && principal.permissions.contains("orders.approve")
                    row["back"] = "/orders/\(order.summary.id)"
                    return row
                },
                "hasApprovals": !approvals.isEmpty, "pendingApproval": order.summary.status.code == "pending_approval",
                "decidedText": request.uri.queryParameters["decided"].map(String.init).flatMap {
                    ["approved", "declined", "pending"].contains($0) ? t["approvals.decided_" + $0] : nil
                } ?? "",
                "lines": order.lines.map { line in
                    [
                        "no": line.lineNo, "sku": line.sku, "customerSku": line.customerSku ?? "", "name": line.name, "productId": line.productId ?? 0, "hasProduct": line.productId != nil,
                        "qty": format.quantity(line.qtyMilli), "unit": line.unit, "price": format.money(line.priceMinor, currency),
                        "discount": line.discountMinor > 0 ? format.money(line.discountMinor, currency) : "",
                        "amount": format.money(line.amountMinor, currency), "shipped": line.shippedMilli > 0 ? format.quantity(line.shippedMilli) : "",
                        "reserved": line.reservedMilli > 0 ? format.quantity(line.reservedMilli) : "",
                    ] as [String: Any]
                },
                "subtotal": format.money(order.subtotalMinor, currency), "discount": order.discountMinor > 0 ? format.money(order.discountMinor, currency) : "",
                "vat": format.money(order.vatMinor, currency), "total": format.money(order.summary.totalMinor, currency),
                "shipments": order.shipments.map { shipment in
                    let documents = order.documents.filter { $0.shipmentId == shipment.id }
                    let fromERP = documents.contains { $0.source != "generated" && $0.hasFile && ["waybill", "invoice", "upd"].contains($0.kind) }
                    return [
                        "id": shipment.id, "number": shipment.number, "warehouse": shipment.warehouse ?? "", "status": t["shipment.status_" + shipment.status],
                        "carrier": shipment.carrier ?? "", "tracking": shipment.trackingNumber ?? "",
                        "trackingStatus": shipment.trackingStatus ?? "", "trackingChanged": shipment.trackingChangedAt.map { String($0.prefix(16)) } ?? "", "shippedAt": shipment.shippedAt.map { String($0.prefix(10)) } ?? "",
                        "lines": shipment.lines.compactMap { part in
                            lineNames[part.orderLineId].map { ["sku": $0.sku, "name": $0.name, "qty": format.quantity(part.qtyMilli), "unit": $0.unit] }
                        },
                        "documents": documents.map { document in
                            [
                                "id": document.id, "kind": t["document.kind_" + document.kind], "number": document.number, "date": document.date,
                                "hasFile": document.hasFile, "erp": document.source == "erp",
                            ] as [String: Any]
                        },
                        "hasDocuments": !documents.isEmpty,
                        "canGenerate": canDocuments && !fromERP && ["shipped", "delivered"].contains(shipment.status),
                    ] as [String: Any]
                },
                "hasShipments": !order.shipments.isEmpty,
                "documents": orderDocuments.map { document in
                    [
                        "id": document.id, "kind": t["document.kind_" + document.kind], "number": document.number, "date": document.date,
                        "amount": document.amountMinor.map { format.money($0, currency) } ?? "", "hasFile": document.hasFile,
                        "paid": document.kind == "bill" && paid,
                    ] as [String: Any]
                },
                "payments": payments.map { payment in
                    [
                        "amount": format.money(payment.amountMinor, payment.currency), "status": t["payment.status_\(payment.status.rawValue)"],
                        "at": String((payment.paidAt ?? payment.createdAt).prefix(16)), "isPaid": payment.status == .paid,
                    ] as [String: Any]
                },
                "hasPayments": !payments.isEmpty, "orderPaid": paid,
                "canPay": gateway.isUsable && due.minor > 0 && order.summary.status.code != "cancelled" && !awaitingApproval
                    && principal.permissions.contains("orders.place"),
                "due": format.money(due.minor, due.currency), "gatewayName": gateway.name,
                "hasDocuments": !orderDocuments.isEmpty,
                "events": order.events.map { event in
                    [
                        "at": String(event.at.prefix(16)), "kind": t["orders.event_" + event.kind], "user": event.user ?? "",
                        "status": event.status.map(statusName) ?? "", "note": event.note ?? "",
                    ] as [String: Any]
                },
                "linked": order.linkedOrders.map { ["id": $0.id, "number": $0.number] as [String: Any] }, "hasLinked": !order.linkedOrders.isEmpty,
                "canCancel": order.summary.status.allowsCancel && principal.permissions.contains("orders.place"),
                "canRepeat": principal.permissions.contains("orders.place") && !principal.isStaff,
                "isStaff": isStaff && !awaitingApproval,
                // Staff change the lines while the status allows it (docs/workstation.md).
                "canEdit": isStaff && order.summary.status.allowsEdit && order.summary.source != "offline",
                "edited": request.uri.queryParameters["edited"] != nil,
                "canBill": principal.permissions.contains("documents.view") && order.summary.source != "offline" && !awaitingApproval,
                "statuses": statuses.map { ["code": $0.code, "name": statusName($0), "selected": $0.id == order.summary.status.id] as [String: Any] },
            ], request: request, context: context)
    }

    @Sendable func repeatOrder(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let id = context.parameters.get("order", as: Int64.self) else { throw HTTPError(.notFound) }
        let skipped = try await database.repeatOrder(orderId: id, userId: principal.userId)
        let query = skipped.isEmpty ? "?added=1" : "?skipped=" + (skipped.joined(separator: ",").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return .redirect(to: "/cart" + query, type: .normal)
    }

    @Sendable func cancel(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        guard let id = context.parameters.get("order", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.cancelOrder(orderId: id, actor: principal.impersonatorId ?? principal.userId)
        return .redirect(to: "/orders/\(id)", type: .normal)
    }

    @Sendable func setStatus(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.edit")
        guard let id = context.parameters.get("order", as: Int64.self) else { throw HTTPError(.notFound) }
        let note = context.form["note"].map { String($0.prefix(1000)) }
        try await database.setOrderStatus(
            orderId: id, statusCode: context.form["status"] ?? "", actor: principal.impersonatorId ?? principal.userId, note: note?.isEmpty == true ? nil : note)
        return .redirect(to: "/orders/\(id)", type: .normal)
    }

    // MARK: Admin

    @Sendable func admin(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderAdmin(request, context: context, errors: [:], values: [:])
    }

    func renderAdmin(
        _ request: Request, context: WholesailRequestContext, errors: [String: String], values: [String: String], status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let settings = try await database.orderSettings()
        let statuses = try await database.orderStatuses()
        return renderer.render(
            "admin-ordering",
            [
                "title": t["admin_ordering.title"], "reservationDays": settings.reservationDays,
                "splits": OrderSettings.Split.allCases.map { ["value": $0.rawValue, "name": t["admin_ordering.split_" + $0.rawValue], "selected": $0 == settings.split] as [String: Any] },
                "statuses": statuses.map { status in
                    [
                        "id": status.id, "code": status.code, "nameEn": status.nameEn, "nameRu": status.nameRu, "color": status.color,
                        "erpCode": status.erpCode ?? "", "isActive": status.isActive, "allowsCancel": status.allowsCancel, "allowsEdit": status.allowsEdit,
                        "isFinal": status.isFinal, "sortOrder": status.sortOrder,
                    ] as [String: Any]
                },
                "errors": errors, "values": values, "hasErrors": !errors.isEmpty, "saved": request.uri.queryParameters["saved"] != nil,
            ], request: request, context: context, status: status)
    }

    @Sendable func saveSettings(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("admin.settings")
        let t = renderer.localizer(context.language)
        guard let days = Int(context.form["reservationDays"] ?? ""), (0...365).contains(days),
            let split = OrderSettings.Split(rawValue: context.form["split"] ?? "")
        else {
            return try await renderAdmin(
                request, context: context, errors: ["reservationDays": t["admin_ordering.bad_days"]], values: [:], status: .unprocessableContent
            ).response(from: request, context: context)
        }
        try await database.saveOrderSettings(OrderSettings(reservationDays: days, split: split), actor: principal.userId)
        return .redirect(to: "/admin/ordering?saved=1", type: .normal)
    }

    @Sendable func saveStatus(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("admin.settings")
        let f = context.form
        let status = OrderStatus(
            id: f["id"].flatMap { Int64($0) } ?? 0, code: f["code"] ?? "", nameEn: f["nameEn"] ?? "", nameRu: f["nameRu"] ?? "",
            color: f["color"] ?? "#5b6675", erpCode: f["erpCode"], isActive: f["isActive"] == "1", allowsCancel: f["allowsCancel"] == "1",
            allowsEdit: f["allowsEdit"] == "1", isFinal: f["isFinal"] == "1", sortOrder: f["sortOrder"].flatMap { Int($0) } ?? 0)
        do {
            try await database.saveOrderStatus(status, actor: principal.userId)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderAdmin(request, context: context, errors: t.fieldMessages(error), values: context.echoedForm(limit: 200), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/admin/ordering?saved=1", type: .normal)
    }
}
