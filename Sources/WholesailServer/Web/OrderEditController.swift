import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// A manager changes a customer's order while its status allows it (`orderStatus.allowsEdit`):
/// quantities, removed lines, a product added by its code. The lines are priced again with the
/// buyer's prices (the same `CartPricing` as checkout), stock is reserved again, and the buyer is
/// told by e-mail; see `WholesailDatabase.editOrder`.
struct OrderEditController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let pricing: PricingService

    func mount(on routes: Routes) {
        let access = RouteAccess.owned(.customerOrder, parameter: "order", permission: "orders.edit")
        routes.get("/orders/:order/edit", access, use: page)
        routes.post("/orders/:order/edit", access, use: save)
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard let id = context.parameters.get("order", as: Int64.self) else { throw HTTPError(.notFound) }
        return try await render(request, context: context, draft: try await database.orderEditDraft(orderId: id), error: nil, status: .ok)
    }

    func render(_ request: Request, context: WholesailRequestContext, draft: OrderEditDraft, error: String?, status: HTTPResponse.Status) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let priced = try await price(draft.lines.map(\.item), draft: draft)
        let format = Formatter(language: context.language, localizer: t)
        let form = context.form
        return renderer.render(
            "order-edit",
            [
                "title": t.format("order_edit.title", ["number": draft.number]), "id": draft.orderId, "number": draft.number, "version": draft.version,
                "error": error ?? "",
                "lines": zip(draft.lines, priced.lines).map { line, pricedLine in
                    [
                        "lineId": line.id, "sku": line.sku, "name": line.name, "unit": line.unit,
                        "qty": form["qty.\(line.id)"] ?? Quantity.text(milli: line.qtyMilli),
                        "price": pricedLine.unitPriceMinor.map { format.money($0, priced.currency) } ?? "—",
                        "amount": format.money(pricedLine.totalMinor, priced.currency), "remove": form["remove.\(line.id)"] == "1",
                    ] as [String: Any]
                },
                "total": format.money(priced.totalMinor, priced.currency),
                "addSku": form["addSku"] ?? "", "addQty": form["addQty"] ?? "",
            ], request: request, context: context, status: status)
    }

    /// Prices lines with the order's buyer's prices today (their company, agreement, region and
    /// user groups; cart thresholds apply as at checkout).
    func price(_ items: [CartItem], draft: OrderEditDraft) async throws -> PricedCart {
        let context = try await database.pricingContext(userId: draft.userId, counterpartyId: draft.counterpartyId, day: PricingService.today())
        return CartPricing.price(items, matrix: pricing.matrix, context: context, thresholds: try await database.cartThresholds())
    }

    @Sendable func save(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("order", as: Int64.self) else { throw HTTPError(.notFound) }
        let draft = try await database.orderEditDraft(orderId: id)
        let form = context.form
        let t = renderer.localizer(context.language)
        do {
            guard form["version"] == draft.version else {
                throw DomainError(.conflict, code: "order.changed", message: "The order was changed meanwhile. Open it again and repeat your change.")
            }
            var lines: [CartLineRecord] = []
            var changes: [String] = []
            for line in draft.lines {
                if form["remove.\(line.id)"] == "1" {
                    changes.append("\(line.sku): \(Quantity.text(milli: line.qtyMilli)) → 0 \(line.unit)")
                    continue
                }
                var changed = line
                if let raw = form["qty.\(line.id)"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
                    guard let milli = Quantity.milli(parsing: raw) else {
                        throw DomainError(.invalid, code: "cart.qty_invalid", message: "Enter a quantity greater than zero.")
                    }
                    try Quantity.validate(milli, rule: line.rule, unit: line.unit)
                    if milli != line.qtyMilli {
                        changes.append("\(line.sku): \(Quantity.text(milli: line.qtyMilli)) → \(Quantity.text(milli: milli)) \(line.unit)")
                    }
                    changed.qtyMilli = milli
                }
                lines.append(changed)
            }
            let code = (form["addSku"] ?? "").trimmingCharacters(in: .whitespaces)
            if !code.isEmpty {
                guard code.count <= 100, var added = try await database.orderableLine(code: code) else {
                    throw DomainError(.invalid, code: "order.edit_unknown_code", message: "There is no product with the code \(code).", values: ["code": String(code.prefix(100))])
                }
                let rawQty = (form["addQty"] ?? "").trimmingCharacters(in: .whitespaces)
                var milli = added.rule.roundedUp(0)
                if !rawQty.isEmpty {
                    guard let parsed = Quantity.milli(parsing: rawQty) else {
                        throw DomainError(.invalid, code: "cart.qty_invalid", message: "Enter a quantity greater than zero.")
                    }
                    milli = parsed
                }
                if let index = lines.firstIndex(where: { $0.productId == added.productId && $0.unitId == added.unitId }) {
                    lines[index].qtyMilli += milli
                    try Quantity.validate(lines[index].qtyMilli, rule: lines[index].rule, unit: lines[index].unit)
                } else {
                    try Quantity.validate(milli, rule: added.rule, unit: added.unit)
                    added.qtyMilli = milli
                    lines.append(added)
                }
                changes.append("\(added.sku): + \(Quantity.text(milli: milli)) \(added.unit)")
            }
            guard !changes.isEmpty else { return .redirect(to: "/orders/\(id)") }
            let priced = try await price(lines.map(\.item), draft: draft)
            try await database.editOrder(
                orderId: id, version: draft.version,
                lines: lines.map { EditedOrderLine(lineId: $0.id == 0 ? nil : $0.id, productId: $0.productId, unitId: $0.unitId, qtyMilli: $0.qtyMilli) },
                priced: priced, changes: changes, actor: principal)
        } catch let error as DomainError where error.kind == .invalid || error.code == "order.changed" {
            let fresh = (try? await database.orderEditDraft(orderId: id)) ?? draft
            return try await render(
                request, context: context, draft: fresh, error: t.message(for: error), status: error.kind == .invalid ? .unprocessableContent : .conflict
            ).response(from: request, context: context)
        }
        // The bill with the new amounts (a failure never undoes the change: it is made on request).
        _ = try? await BillService(database: database).ensureBill(orderId: id)
        return .redirect(to: "/orders/\(id)?edited=1")
    }
}
