import Foundation
import GRDB
import WholesailCore

extension CatalogImporter {
    /// Documents the ERP made, with their files (JSON `document` records; the PDF travels in the
    /// same job): kept as the company's documents, tied to an order and a shipment when named,
    /// downloadable as they are. Matched by ERP id; an unchanged record writes nothing; a
    /// deletion mark removes the document (its file stays in the blob store).
    func applyAccountingDocuments(_ db: Database) throws {
        for (document, file) in pendingAccountingDocuments {
            fileName = file
            let line = document.line
            func fail(_ code: String, _ message: String) {
                addIssue(line: line, entity: "document", erpId: document.id, code: code, message: "Line \(line): \(message)")
                counts.add("document", .failed)
            }
            guard let existing = try matchOrDelete(db, table: "document", erpId: document.id, isDeleted: document.isDeleted) else { continue }
            guard let kind = document.kind.flatMap(CommerceML.AccountingDocument.portalKind) else {
                fail("import.document_kind", "the document kind \"\(document.kind ?? "")\" is not one of bill, invoice, waybill, upd, act, reconciliation, other.")
                continue
            }
            guard let date = document.date.flatMap(Self.importDay) else {
                fail("import.document_date", "the document has no date as YYYY-MM-DD.")
                continue
            }
            guard let counterpartyId = try counterpartyID(db, document.counterpartyID) else {
                fail("import.unknown_counterparty", "no counterparty has the ERP id \"\(document.counterpartyID ?? "")\"; import counterparties first.")
                continue
            }
            var orderId: Int64?
            var orderSeller: Int64?
            if let reference = document.order {
                if let order = try Self.orderRow(db, reference, counterpartyId: counterpartyId) {
                    orderId = order["id"]
                    orderSeller = order["sellerOrganizationId"]
                } else {
                    addIssue(
                        line: line, entity: "document", erpId: document.id, code: "import.order_not_found",
                        message: "Line \(line): no order of this counterparty has the id or number \"\(reference)\"; the document is kept without it.",
                        severity: "warning")
                }
            }
            var shipmentId: Int64?
            if let reference = document.shipment {
                shipmentId = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT s.id FROM shipment s JOIN customerOrder o ON o.id = s.orderId
                        WHERE o.counterpartyId = ? AND (s.erpId = ? OR s.number = ?) AND (? IS NULL OR s.orderId = ?) ORDER BY s.erpId = ? DESC, s.id LIMIT 1
                        """,
                    arguments: [counterpartyId, reference, reference, orderId, orderId, reference])
                if shipmentId == nil {
                    addIssue(
                        line: line, entity: "document", erpId: document.id, code: "import.shipment_not_found",
                        message: "Line \(line): no shipment has the id or number \"\(reference)\"; the document is kept without it.", severity: "warning")
                } else if orderId == nil {
                    orderId = try Int64.fetchOne(db, sql: "SELECT orderId FROM shipment WHERE id = ?", arguments: [shipmentId])
                }
            }
            var sellerId = orderSeller
            if let reference = document.sellerID {
                sellerId = try Int64.fetchOne(db, sql: "SELECT id FROM sellerOrganization WHERE erpId = ? OR inn = ? ORDER BY erpId = ? DESC LIMIT 1", arguments: [reference, reference, reference]) ?? sellerId
            }
            let currency = try currency(db, document.currency, fallback: try counterpartyCurrency(db, counterpartyId), line: line)
            var amountMinor: Int64?
            if let amount = document.amount {
                guard let money = Money(decimal: amount, currency: currency), money.minorUnits >= 0 else {
                    fail("import.document_amount", "the amount \"\(amount)\" is not a non-negative amount in \(currency).")
                    continue
                }
                amountMinor = money.minorUnits
            }
            // The file: found among the job's files by its path.
            var fileId: Int64? = existing.flatMap { $0["fileId"] as Int64? }
            if let path = document.file {
                if let attachment = ImportFiles.normalizedPath(path).flatMap({ options.attachments($0) }) {
                    let current = try fileId.flatMap { try String.fetchOne(db, sql: "SELECT blobSha256 FROM file WHERE id = ?", arguments: [$0]) }
                    if current != attachment.sha256 {
                        if attachment.kind != .pdf {
                            addIssue(
                                line: line, entity: "document", erpId: document.id, code: "import.document_not_pdf",
                                message: "Line \(line): \(path) is not a PDF; it is kept and handed out as it is.", severity: "warning")
                        }
                        let name = WholesailDatabase.safeFileName(String(path.split(separator: "/").last ?? ""), fallback: "\(kind)-\(document.id).pdf")
                        try db.execute(
                            sql: "INSERT INTO file (blobSha256, fileName, kind) VALUES (?, ?, 'document')", arguments: [attachment.sha256, name])
                        fileId = db.lastInsertedRowID
                    }
                } else {
                    addIssue(
                        line: line, entity: "document", erpId: document.id, code: "import.missing_document_file",
                        message: "Line \(line): the file \(path) is not in the import; the document is listed without it.", severity: "warning")
                }
            }
            let number = String((document.number ?? document.id).prefix(100))
            let values: [(any DatabaseValueConvertible)?] = [
                kind, number, date, counterpartyId, sellerId, orderId, shipmentId, amountMinor, currency, fileId,
            ]
            if let existing {
                let columns = ["kind", "number", "date", "counterpartyId", "sellerOrganizationId", "orderId", "shipmentId", "amountMinor", "currency", "fileId"]
                if Self.same(existing, columns, values) {
                    counts.add("document", .unchanged)
                    continue
                }
                try db.execute(
                    sql: """
                        UPDATE document SET kind = ?, number = ?, date = ?, counterpartyId = ?, sellerOrganizationId = ?, orderId = ?, shipmentId = ?,
                            amountMinor = ?, currency = ?, fileId = ?, source = 'erp' WHERE id = ?
                        """,
                    arguments: StatementArguments(values + [existing["id"] as Int64]))
                counts.add("document", .updated)
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO document (erpId, kind, number, date, counterpartyId, sellerOrganizationId, orderId, shipmentId, amountMinor, currency,
                            fileId, source)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'erp')
                        """,
                    arguments: StatementArguments([document.id] + values))
                counts.add("document", .created)
            }
        }
    }

    /// Settlement entries (JSON `settlement` records): the finance page, credit checks and
    /// reconciliation acts read them. Matched by ERP id; the sign says debit (+) or credit (−).
    func applySettlements(_ db: Database) throws {
        for (entry, file) in pendingSettlements {
            fileName = file
            let line = entry.line
            func fail(_ code: String, _ message: String) {
                addIssue(line: line, entity: "settlement", erpId: entry.id, code: code, message: "Line \(line): \(message)")
                counts.add("settlement", .failed)
            }
            guard let existing = try matchOrDelete(db, table: "settlement", erpId: entry.id, isDeleted: entry.isDeleted) else { continue }
            guard let date = entry.date.flatMap(Self.importDay) else {
                fail("import.settlement_date", "the entry has no date as YYYY-MM-DD.")
                continue
            }
            let dueDate = entry.dueDate.flatMap(Self.importDay)
            guard let counterpartyId = try counterpartyID(db, entry.counterpartyID) else {
                fail("import.unknown_counterparty", "no counterparty has the ERP id \"\(entry.counterpartyID ?? "")\"; import counterparties first.")
                continue
            }
            let currency = try currency(db, entry.currency, fallback: try counterpartyCurrency(db, counterpartyId), line: line)
            guard let amount = entry.amount, let money = Money(decimal: amount, currency: currency) else {
                fail("import.settlement_amount", "the entry has no amount in \(currency) (positive: debt, negative: payment).")
                continue
            }
            let agreementId = try entry.agreementID.flatMap {
                try Int64.fetchOne(db, sql: "SELECT id FROM agreement WHERE erpId = ? AND counterpartyId = ?", arguments: [$0, counterpartyId])
            }
            let orderId: Int64? = try entry.order.flatMap { try Self.orderRow(db, $0, counterpartyId: counterpartyId)?["id"] }
            let documentId = try entry.documentID.flatMap {
                try Int64.fetchOne(db, sql: "SELECT id FROM document WHERE erpId = ? AND counterpartyId = ?", arguments: [$0, counterpartyId])
            }
            let description = entry.description.map { String($0.prefix(500)) }
            let values: [(any DatabaseValueConvertible)?] = [counterpartyId, agreementId, documentId, orderId, date, dueDate, money.minorUnits, currency, description]
            if let existing {
                let columns = ["counterpartyId", "agreementId", "documentId", "orderId", "date", "dueDate", "amountMinor", "currency", "description"]
                if Self.same(existing, columns, values) {
                    counts.add("settlement", .unchanged)
                    continue
                }
                try db.execute(
                    sql: """
                        UPDATE settlement SET counterpartyId = ?, agreementId = ?, documentId = ?, orderId = ?, date = ?, dueDate = ?, amountMinor = ?,
                            currency = ?, description = ? WHERE id = ?
                        """,
                    arguments: StatementArguments(values + [existing["id"] as Int64]))
                counts.add("settlement", .updated)
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO settlement (erpId, counterpartyId, agreementId, documentId, orderId, date, dueDate, amountMinor, currency, description)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments([entry.id] + values))
                counts.add("settlement", .created)
            }
        }
    }

    /// Whether a stored row already holds these values in these columns.
    static func same(_ row: Row, _ columns: [String], _ values: [(any DatabaseValueConvertible)?]) -> Bool {
        zip(columns, values).allSatisfy { column, value in (row[column] as DatabaseValue) == (value?.databaseValue ?? .null) }
    }

    func counterpartyID(_ db: Database, _ erpId: String?) throws -> Int64? {
        guard let erpId, !erpId.isEmpty else { return nil }
        return try Int64.fetchOne(db, sql: "SELECT id FROM counterparty WHERE erpId = ?", arguments: [erpId])
    }

    func counterpartyCurrency(_ db: Database, _ id: Int64) throws -> String {
        try String.fetchOne(db, sql: "SELECT currency FROM counterparty WHERE id = ?", arguments: [id]) ?? "RUB"
    }

    /// An order of the counterparty by ERP id, then by number.
    static func orderRow(_ db: Database, _ reference: String, counterpartyId: Int64) throws -> Row? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT id, sellerOrganizationId FROM customerOrder WHERE counterpartyId = ? AND (erpId = ? OR number = ?)
                ORDER BY erpId = ? DESC, id DESC LIMIT 1
                """,
            arguments: [counterpartyId, reference, reference, reference])
    }

    /// `2026-02-03` from `2026-02-03`, `2026-02-03T10:00:00` or `2026-02-03 10:00`; nil otherwise.
    static func importDay(_ raw: String) -> String? {
        let day = String(raw.importTrimmed.prefix(10))
        return CalendarDay.parse(day).map(CalendarDay.text)
    }
}

extension CatalogImporter {
    /// The row a finance record (document, settlement, credit line, payment schedule) updates,
    /// matched by ERP id (`.some(nil)`: a new one). A record with a deletion mark removes its row
    /// here, counted as deleted (or unchanged when there was none), and answers nil: nothing more
    /// to do for it.
    func matchOrDelete(_ db: Database, table: String, erpId: String, isDeleted: Bool) throws -> Row?? {
        let existing = try Row.fetchOne(db, sql: "SELECT * FROM \(table) WHERE erpId = ?", arguments: [erpId])
        guard isDeleted else { return .some(existing) }
        if let existing {
            try db.execute(sql: "DELETE FROM \(table) WHERE id = ?", arguments: [existing["id"] as Int64])
            counts.add(table, .deleted)
        } else {
            counts.add(table, .unchanged)
        }
        return nil
    }
}
