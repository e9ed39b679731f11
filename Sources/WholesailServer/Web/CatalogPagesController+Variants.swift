import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// What the buyer entered in a product's variant grid, and the problems found, to show again.
struct VariantForm: Sendable {
    /// Product id → the quantity as typed.
    var entered: [Int64: String] = [:]
    /// Product id → what is wrong with that cell.
    var errors: [Int64: String] = [:]
    /// A problem with the form as a whole.
    var error: String = ""
}

/// The variant grid on the product card: a quantity per variant (size × colour…), with the
/// buyer's price and free stock, and one button that adds every filled-in cell to the cart.
///
/// All or nothing: when any filled-in cell is refused (not a number, below the minimum, not a
/// multiple of the step, no price for the buyer, no longer sold), nothing is added and the card
/// comes back with each refused cell's reason next to it and every entered quantity kept.
extension CatalogPagesController {
    func variantGridValues(
        _ grid: VariantGrid, openedId: Int64, currency: String, form: VariantForm, format: Formatter, t: Localizer
    ) -> [String: Any] {
        [
            "columnTitle": grid.columnTitle, "rowTitle": grid.rowTitle, "parentName": grid.parentName, "parentId": grid.parentId,
            "isVariant": openedId != grid.parentId,
            "columns": grid.columns.map { ["heading": $0] },
            "formError": form.error,
            "problems": grid.cells.compactMap { cell in form.errors[cell.productId].map { ["sku": cell.sku, "message": $0] } },
            "rows": grid.rows.map { row -> [String: Any] in
                [
                    "label": row.label,
                    "cells": row.cells.map { cell -> [String: Any] in
                        guard let cell else { return ["vacant": true] }
                        var values: [String: Any] = [
                            "vacant": false, "cellId": cell.productId, "cellSku": cell.sku, "cellName": cell.name,
                            "cellPrice": cell.priceMinor.map { format.money($0, currency) } ?? "",
                            "cellStock": t.format("variants.stock", ["n": format.quantity(cell.freeMilli)]), "cellInStock": cell.freeMilli > 0,
                            "cellQty": form.entered[cell.productId] ?? "", "cellError": form.errors[cell.productId] ?? "",
                            "cellOpened": cell.productId == openedId,
                        ]
                        if cell.rule.minMilli != 1000 || cell.rule.stepMilli != 1000 {
                            values["cellRule"] = t.format(
                                "variants.rule", ["min": format.quantity(cell.rule.minMilli), "step": format.quantity(cell.rule.stepMilli)])
                        }
                        return values
                    },
                ]
            },
        ]
    }

    @Sendable func addVariants(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("orders.place")
        let t = renderer.localizer(context.language)
        let buyer = try await pricing.context(for: principal)
        let prices = pricing.view(for: buyer)
        guard let id = context.parameters.get("id", as: Int64.self), !prices.hides(id),
            let grid = try await database.variantGrid(productId: id, regionId: buyer.regionId, hidden: prices.hides, price: prices.price(of:))
        else {
            throw DomainError(.notFound, code: "catalog.product_not_found", message: "The product was not found.")
        }
        // Only the cells of this grid are read: quantities for anything else (a hidden variant,
        // another product) are ignored.
        var form = VariantForm()
        var items: [(productId: Int64, qtyMilli: Int64)] = []
        for cell in grid.cells {
            let raw = (context.form["qty_\(cell.productId)"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            // An empty cell, or a zero, is not ordered.
            if raw.isEmpty || ExactDecimal(parsing: raw.replacingOccurrences(of: ",", with: "."))?.units == 0 { continue }
            form.entered[cell.productId] = String(raw.prefix(40))
            guard let qty = Quantity.milli(parsing: raw) ?? Quantity.milli(parsing: raw.replacingOccurrences(of: ",", with: ".")) else {
                form.errors[cell.productId] = t.format("quick.bad_qty", ["qty": String(raw.prefix(40))])
                continue
            }
            guard cell.priceMinor != nil else {
                form.errors[cell.productId] = t.message(code: "cart.no_price", fallback: "No price for you yet").replacingOccurrences(of: "{sku}", with: cell.sku)
                continue
            }
            items.append((cell.productId, qty))
        }
        if form.entered.isEmpty {
            form.error = t["variants.nothing_entered"]
        } else {
            let results = try await database.addAllToCart(userId: principal.userId, items: items, commit: form.errors.isEmpty)
            for (item, result) in zip(items, results) {
                if let result { form.errors[item.productId] = t.message(for: result) }
            }
            if form.errors.isEmpty {
                return .redirect(to: "/product/\(id)?variants_added=\(items.count)#variants", type: .normal)
            }
            form.error = t["variants.nothing_added"]
        }
        return try await renderProduct(request, context: context, variantForm: form, status: .unprocessableContent)
            .response(from: request, context: context)
    }
}
