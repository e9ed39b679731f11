import Foundation
import GRDB
import WholesailCore

extension CatalogImporter {
    /// Documents from the ERP: status and shipment updates of portal orders (1C's answer to
    /// `mode=query`, or JSON `orderStatus` records), and orders placed in the ERP itself, which
    /// arrive as `offline` orders. Status changes go through `setOrderStatus`, so events,
    /// released reservations and notifications follow as for any other change.
    func applyDocuments(_ db: Database) throws {
        for (document, file) in pendingDocuments {
            fileName = file
            if let orderId = try Self.findOrder(db, document) {
                try updateOrder(db, orderId: orderId, document)
            } else if (document.operation == nil || document.operation == "Заказ товара"), !document.lines.isEmpty {
                try createOfflineOrder(db, document)
            } else {
                addIssue(
                    line: document.line, entity: "order", erpId: document.id, code: "import.order_not_found",
                    message: "Line \(document.line): no portal order has the number or id \(document.number ?? document.id); the document was skipped.",
                    severity: "warning")
                counts.add("order", .failed)
            }
        }
    }

    /// The portal order a document is about: by ERP id, by portal id (what `mode=query` sends
    /// as `Ид`), or by number.
    static func findOrder(_ db: Database, _ document: CommerceML.Document) throws -> Int64? {
        if !document.id.isEmpty, let id = try Int64.fetchOne(db, sql: "SELECT id FROM customerOrder WHERE erpId = ?", arguments: [document.id]) {
            return id
        }
        if let id = Int64(document.id),
            let found = try Int64.fetchOne(
                db, sql: "SELECT id FROM customerOrder WHERE id = ? AND (? IS NULL OR number = ? OR ? = ?)",
                arguments: [id, document.number, document.number, document.number, document.id])
        {
            return found
        }
        let number = document.number ?? document.id
        guard !number.isEmpty else { return nil }
        let matches = try Int64.fetchAll(db, sql: "SELECT id FROM customerOrder WHERE number = ? LIMIT 2", arguments: [number])
        return matches.count == 1 ? matches[0] : nil
    }

    /// The status a document asks for: `Статус заказа` / `Статуса заказа ИД` matched against the
    /// statuses' ERP codes, codes and names (Bitrix' `[N] Принят` form too); `Отменен` = true
    /// or a deletion mark means cancelled.
    static func requestedStatus(_ db: Database, _ document: CommerceML.Document) throws -> (code: String?, unknown: String?) {
        let requisites = document.requisites
        func flag(_ name: String) -> Bool { ["true", "1", "да", "истина"].contains((requisites.value(named: name) ?? "").lowercased()) }
        if flag("Отменен") || document.markedForDeletion == true || flag("ПометкаУдаления") { return ("cancelled", nil) }
        let candidates = ["Статус заказа", "Статуса заказа ИД", "Статус заказа ИД", "Статус"].compactMap { requisites.value(named: $0) }
            .map { $0.importTrimmed }.filter { !$0.isEmpty }
        guard !candidates.isEmpty else { return (nil, nil) }
        for candidate in candidates {
            var forms = [candidate]
            if candidate.hasPrefix("["), let close = candidate.firstIndex(of: "]") {
                forms.append(String(candidate[candidate.index(after: candidate.startIndex)..<close]))
                forms.append(String(candidate[candidate.index(after: close)...]).importTrimmed)
            }
            for form in forms where !form.isEmpty {
                if let code = try String.fetchOne(
                    db,
                    sql: """
                        SELECT code FROM orderStatus WHERE lower(erpCode) = lower(:t) OR code = lower(:t) OR lower(nameRu) = lower(:t) OR lower(nameEn) = lower(:t)
                        ORDER BY (lower(erpCode) = lower(:t)) DESC, sortOrder LIMIT 1
                        """, arguments: ["t": form])
                {
                    return (code, nil)
                }
                switch form {
                case "N": return ("new", nil)
                case "F": return ("completed", nil)
                default: break
                }
            }
        }
        return (nil, candidates[0])
    }

    func updateOrder(_ db: Database, orderId: Int64, _ document: CommerceML.Document) throws {
        let before = try Row.fetchOne(db, sql: "SELECT statusId, updatedAt, exportedAt FROM customerOrder WHERE id = ?", arguments: [orderId])!
        let wasExportedCurrent = (before["exportedAt"] as String?).map { $0 >= (before["updatedAt"] as String) } ?? false
        var changed = false
        let status = try Self.requestedStatus(db, document)
        if let unknown = status.unknown {
            warnOnce(
                "status:\(unknown)", entity: "order", erpId: document.id, code: "import.unknown_status",
                message: "Line \(document.line): the status \"\(unknown)\" matches no order status (set its ERP code on the statuses page).",
                line: document.line)
        }
        if let code = status.code {
            let current = try String.fetchOne(db, sql: "SELECT code FROM orderStatus WHERE id = ?", arguments: [before["statusId"] as Int64])
            if current == "pending_approval" || current == "approval_declined" {
                // Never exported, so the ERP should not know it; the buyer company decides first.
                warnOnce(
                    "approval:\(document.id)", entity: "order", erpId: document.id, code: "import.order_awaiting_approval",
                    message: "Line \(document.line): the order waits for the buyer company's approval; its status is not changed.", line: document.line)
            } else if current != code {
                let note = ["ERP", document.number1C ?? document.requisites.value(named: "Номер по 1С")].compactMap { $0 }.joined(separator: " ")
                try WholesailDatabase.setOrderStatus(db, orderId: orderId, statusCode: code, actor: nil, note: note, now: Date())
                changed = true
            }
        }
        // A shipment 1C reports (`Номер отгрузки по 1С`, `Дата отгрузки по 1С`).
        if let number = document.requisites.value(named: "Номер отгрузки по 1С")?.importTrimmed, !number.isEmpty {
            let erpId = "\(orderId):\(number)"
            let date = document.requisites.value(named: "Дата отгрузки по 1С").map(Self.stampFromERP)
            if try Int64.fetchOne(db, sql: "SELECT id FROM shipment WHERE erpId = ?", arguments: [erpId]) == nil {
                try db.execute(
                    sql: "INSERT INTO shipment (erpId, orderId, number, status, shippedAt) VALUES (?, ?, ?, 'shipped', ?)",
                    arguments: [erpId, orderId, String(number.prefix(100)), date])
                let at = WholesailDatabase.stamp(Date())
                try db.execute(
                    sql: "INSERT INTO orderEvent (orderId, at, kind, note) VALUES (?, ?, 'shipment', ?)",
                    arguments: [orderId, at, "№ \(number)" + (date.map { " " + $0.prefix(10) } ?? "")])
                try db.execute(sql: "UPDATE customerOrder SET updatedAt = ? WHERE id = ?", arguments: [at, orderId])
                counts.add("shipment", .created)
                changed = true
            } else {
                counts.add("shipment", .unchanged)
            }
        }
        // The ERP already knows what it told us: an order it had is not sent back to it.
        if changed && wasExportedCurrent {
            try db.execute(sql: "UPDATE customerOrder SET exportedAt = updatedAt WHERE id = ?", arguments: [orderId])
        }
        counts.add("order", changed ? .updated : .unchanged)
    }

    /// "2015-06-29" or "2015-06-29T15:39:10" as the portal's UTC stamp.
    static func stampFromERP(_ raw: String) -> String {
        let text = raw.importTrimmed.replacingOccurrences(of: "T", with: " ")
        if text.count >= 19 { return String(text.prefix(19)) + ".000" }
        if text.count >= 10 { return String(text.prefix(10)) + " 00:00:00.000" }
        return WholesailDatabase.stamp(Date())
    }

    /// An order placed in the ERP: a `customerOrder` with source `offline`, its ERP id, lines
    /// by product ERP id (unknown products keep their name and SKU), totals as the ERP sent them.
    func createOfflineOrder(_ db: Database, _ document: CommerceML.Document) throws {
        guard let seller = try Int64.fetchOne(db, sql: "SELECT id FROM sellerOrganization WHERE active = 1 ORDER BY id LIMIT 1") else {
            addIssue(
                line: document.line, entity: "order", erpId: document.id, code: "import.no_seller",
                message: "Line \(document.line): the order cannot be imported before the seller organization exists.")
            counts.add("order", .failed)
            return
        }
        let party = document.counterparties.first { $0.role == "Покупатель" } ?? document.counterparties.first
        guard let party, let counterpartyId = try offlineCounterparty(db, party) else {
            addIssue(
                line: document.line, entity: "order", erpId: document.id, code: "import.order_without_counterparty",
                message: "Line \(document.line): the order names no buyer; it was skipped.")
            counts.add("order", .failed)
            return
        }
        let currency = try currency(db, document.currency)
        let scale = Money.scale(of: currency)
        func minor(_ raw: String?) -> Int64? {
            raw.flatMap(ExactDecimal.init(parsing:)).flatMap { $0.scaled(to: scale, rounding: true) }
        }
        struct Line {
            var productId: Int64?
            var sku: String
            var name: String
            var unitId: Int64
            var qtyMilli: Int64
            var priceMinor: Int64
            var amountMinor: Int64
            var vatRate: String
            var vatMinor: Int64
        }
        var lines: [Line] = []
        var delivery: Int64 = 0
        for line in document.lines {
            if line.id.raw == "ORDER_DELIVERY" {
                delivery += max(0, minor(line.sum) ?? 0)
                continue
            }
            let product = try Row.fetchOne(
                db, sql: "SELECT id, sku, name, baseUnitId FROM product WHERE erpId = ? OR erpId = ? ORDER BY erpId = ? DESC LIMIT 1",
                arguments: [line.id.raw, line.id.productID, line.id.raw])
            let factor = line.coefficient.flatMap(ExactDecimal.init(parsing:)) ?? ExactDecimal(1)
            guard let quantity = line.quantity.flatMap(ExactDecimal.init(parsing:)), quantity.units > 0, factor.units > 0,
                let qtyMilli = ExactDecimal(units: quantity.units * factor.units, scale: quantity.scale * factor.scale).scaled(to: 1000, rounding: true),
                qtyMilli > 0
            else {
                addIssue(
                    line: line.line, entity: "order", erpId: document.id, code: "import.bad_quantity",
                    message: "Line \(line.line): an order line has no positive quantity; it was skipped.")
                continue
            }
            let unitId = try (product?["baseUnitId"] as Int64?) ?? resolveUnit(db, line.unit)
            let price = line.price.flatMap(ExactDecimal.init(parsing:)).map {
                Money.rounded(numerator: Int128($0.units) * Int128(scale) * Int128(factor.scale), denominator: Int128($0.scale) * Int128(factor.units))
            } ?? 0
            let amount = minor(line.sum) ?? Money.rounded(numerator: Int128(price) * Int128(qtyMilli), denominator: 1000)
            let vatRate = Self.vatRate(line.taxRates.isEmpty ? line.taxes.map { CommerceML.TaxRate(name: $0.name, rate: $0.rate) } : line.taxRates)
            let vat = line.taxes.compactMap { minor($0.sum) }.reduce(0, +)
            lines.append(
                Line(
                    productId: product?["id"], sku: product?["sku"] ?? line.article ?? line.id.raw, name: product?["name"] ?? line.name ?? line.id.raw,
                    unitId: unitId, qtyMilli: qtyMilli, priceMinor: max(0, price), amountMinor: max(0, amount), vatRate: vatRate, vatMinor: max(0, vat)))
        }
        guard !lines.isEmpty else {
            counts.add("order", .failed)
            return
        }
        let subtotal = lines.reduce(0) { $0 + $1.amountMinor }
        let total = max(0, minor(document.sum) ?? subtotal + delivery)
        let status = try Self.requestedStatus(db, document).code ?? "new"
        let statusId = try Int64.fetchOne(db, sql: "SELECT id FROM orderStatus WHERE code = ?", arguments: [status])
            ?? Int64.fetchOne(db, sql: "SELECT id FROM orderStatus ORDER BY sortOrder LIMIT 1")!
        var number = String((document.number1C ?? document.number ?? document.id).prefix(100))
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM customerOrder WHERE sellerOrganizationId = ? AND number = ?)", arguments: [seller, number]) == true {
            number = String("\(number)-ERP".prefix(100))
        }
        let placedAt = document.date.map { Self.stampFromERP($0 + (document.time.map { "T" + $0 } ?? "")) } ?? WholesailDatabase.stamp(Date())
        try db.execute(
            sql: """
                INSERT INTO customerOrder (erpId, number, sellerOrganizationId, counterpartyId, statusId, source, currency, subtotalMinor,
                    deliveryMinor, vatMinor, totalMinor, comment, placedAt, updatedAt, exportedAt)
                VALUES (?, ?, ?, ?, ?, 'offline', ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                document.id, number, seller, counterpartyId, statusId, currency, subtotal, delivery, lines.reduce(0) { $0 + $1.vatMinor }, total,
                document.comment.map { String($0.prefix(5000)) }, placedAt, placedAt, placedAt,
            ])
        let orderId = db.lastInsertedRowID
        for (index, line) in lines.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO orderLine (orderId, lineNo, productId, sku, name, unitId, qtyMilli, priceMinor, amountMinor, vatRate, vatMinor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    orderId, index + 1, line.productId, String(line.sku.prefix(255)), String(line.name.prefix(1000)), line.unitId, line.qtyMilli,
                    line.priceMinor, line.amountMinor, line.vatRate, line.vatMinor,
                ])
        }
        try db.execute(
            sql: "INSERT INTO orderEvent (orderId, at, kind, statusId, note) VALUES (?, ?, 'placed', ?, 'ERP')",
            arguments: [orderId, WholesailDatabase.stamp(Date()), statusId])
        counts.add("order", .created)
    }

    func offlineCounterparty(_ db: Database, _ party: CommerceML.Counterparty) throws -> Int64? {
        if !party.id.isEmpty, let id = try Int64.fetchOne(db, sql: "SELECT id FROM counterparty WHERE erpId = ?", arguments: [party.id]) {
            return id
        }
        if let inn = party.inn, !inn.isEmpty,
            let id = try Int64.fetchOne(
                db, sql: "SELECT id FROM counterparty WHERE inn = ? AND coalesce(kpp, '') = ? ORDER BY id LIMIT 1", arguments: [inn, party.kpp ?? ""])
        {
            return id
        }
        let name = [party.name, party.officialName, party.fullName, party.id].compactMap { $0?.importTrimmed }.first { !$0.isEmpty }
        guard let name else { return nil }
        try db.execute(
            sql: "INSERT INTO counterparty (erpId, name, fullName, inn, kpp) VALUES (?, ?, ?, ?, ?)",
            arguments: [party.id.isEmpty ? nil : party.id, String(name.prefix(500)), party.officialName ?? party.fullName, party.inn, party.kpp])
        counts.add("counterparty", .created)
        return db.lastInsertedRowID
    }
}
