import Foundation
import GRDB
import WholesailCore

/// Everything a bill for an order shows: the seller's requisites, the buyer, the basis, lines.
public struct BillData: Sendable, Equatable {
    public struct Party: Sendable, Equatable {
        public var name: String
        public var inn: String?
        public var kpp: String?
        public var address: String?
    }

    public struct Line: Sendable, Equatable {
        public var name: String
        public var sku: String
        public var qtyMilli: Int64
        public var unit: String
        public var priceMinor: Int64
        public var amountMinor: Int64
        /// The buyer's own number of the product, if they have one.
        public var customerSku: String? = nil
    }

    public var orderId: Int64
    public var counterpartyId: Int64
    public var sellerOrganizationId: Int64
    public var number: String
    public var date: String
    public var dueDate: String
    public var seller: Party
    public var bankName: String?
    public var bik: String?
    public var account: String?
    public var correspondentAccount: String?
    public var director: String?
    public var accountant: String?
    public var buyer: Party
    public var agreement: String?
    public var currency: String
    public var lines: [Line]
    public var totalMinor: Int64
    public var vatMinor: Int64
    /// The buyer's purchase order number and requested delivery date, when given at checkout.
    public var poNumber: String? = nil
    public var deliveryDate: String? = nil
}

/// A document in the account's list.
public struct DocumentRow: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var number: String
    public var date: String
    public var counterparty: String
    public var orderId: Int64?
    public var orderNumber: String?
    public var amountMinor: Int64?
    public var currency: String
    public var source: String
    public var hasFile: Bool
}

public struct DocumentFilter: Sendable, Equatable {
    public var counterparties: Set<Int64>?
    public var kind: String?
    public var from: String?
    public var to: String?
    public var orderNumber: String?
    public var limit = 200

    public init(counterparties: Set<Int64>?) { self.counterparties = counterparties }
}

/// A settlement entry as the finance page lists it.
public struct SettlementRow: Sendable, Equatable {
    public var date: String
    public var dueDate: String?
    public var amountMinor: Int64
    public var currency: String
    public var description: String?
    public var orderNumber: String?
}

extension WholesailDatabase {
    public func billData(orderId: Int64) async throws -> BillData? {
        try await read { db in
            guard let order = try Row.fetchOne(
                db,
                sql: """
                    SELECT o.*, s.name AS sName, s.inn AS sInn, s.kpp AS sKpp, s.address AS sAddress, s.bankName, s.bik, s.account,
                        s.correspondentAccount, s.director, s.accountant, c.name AS cName, c.fullName AS cFullName, c.inn AS cInn, c.kpp AS cKpp,
                        c.legalAddress AS cAddress, c.paymentTermDays, a.number AS aNumber, a.date AS aDate, a.paymentTermDays AS aTerms
                    FROM customerOrder o JOIN sellerOrganization s ON s.id = o.sellerOrganizationId JOIN counterparty c ON c.id = o.counterpartyId
                    LEFT JOIN agreement a ON a.id = o.agreementId WHERE o.id = ?
                    """,
                arguments: [orderId])
            else { return nil }
            let lines = try Row.fetchAll(
                db,
                sql: "SELECT l.name, l.sku, l.customerSku, l.qtyMilli, u.name AS unit, l.priceMinor, l.amountMinor FROM orderLine l JOIN unit u ON u.id = l.unitId WHERE l.orderId = ? ORDER BY l.lineNo",
                arguments: [orderId]
            ).map { BillData.Line(name: $0["name"], sku: $0["sku"], qtyMilli: $0["qtyMilli"], unit: $0["unit"], priceMinor: $0["priceMinor"], amountMinor: $0["amountMinor"], customerSku: $0["customerSku"]) }
            let placed: String = order["placedAt"]
            let day = String(placed.prefix(10))
            let terms: Int = order["aTerms"] ?? order["paymentTermDays"] ?? 0
            let due = Self.addingDays(max(terms, 5), to: day)
            var agreement: String?
            if let number: String = order["aNumber"] { agreement = "Договор № \(number) от \(Self.russianDate(order["aDate"] ?? ""))" }
            let cName: String = order["cName"]
            var bill = BillData(
                orderId: orderId, counterpartyId: order["counterpartyId"], sellerOrganizationId: order["sellerOrganizationId"],
                number: order["number"], date: day, dueDate: due,
                seller: .init(name: order["sName"], inn: order["sInn"], kpp: order["sKpp"], address: order["sAddress"]),
                bankName: order["bankName"], bik: order["bik"], account: order["account"], correspondentAccount: order["correspondentAccount"],
                director: order["director"], accountant: order["accountant"],
                buyer: .init(name: order["cFullName"] ?? cName, inn: order["cInn"], kpp: order["cKpp"], address: order["cAddress"]),
                agreement: agreement, currency: order["currency"], lines: lines, totalMinor: order["totalMinor"], vatMinor: order["vatMinor"])
            bill.poNumber = order["poNumber"]
            bill.deliveryDate = order["deliveryDate"]
            return bill
        }
    }

    /// `YYYY-MM-DD` plus days (UTC calendar).
    static func addingDays(_ days: Int, to day: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
            let later = calendar.date(byAdding: .day, value: days, to: date)
        else { return day }
        let c = calendar.dateComponents([.year, .month, .day], from: later)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// "29 ноября 2026 г." for "2026-11-29".
    public static func russianDate(_ day: String) -> String {
        let months = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"]
        let parts = day.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return day }
        return "\(parts[2]) \(months[parts[1] - 1]) \(parts[0]) г."
    }

    /// The stored bill of an order, if one was made.
    public func billFileId(orderId: Int64) async throws -> Int64? {
        try await read { db in
            try Int64.fetchOne(
                db, sql: "SELECT fileId FROM document WHERE orderId = ? AND kind = 'bill' AND fileId IS NOT NULL ORDER BY id DESC LIMIT 1", arguments: [orderId])
        }
    }

    /// Stores a generated bill (or any document file) for an order and tells the buyer.
    @discardableResult
    public func storeOrderDocument(
        orderId: Int64, kind: String, number: String, date: String, amountMinor: Int64?, currency: String, fileName: String, data: Data,
        notify: Bool = true
    ) async throws -> Int64 {
        try await write { db in
            guard let order = try Row.fetchOne(db, sql: "SELECT counterpartyId, sellerOrganizationId, userId FROM customerOrder WHERE id = ?", arguments: [orderId]) else {
                throw DomainError(.notFound, code: "order.not_found", message: "The order was not found.")
            }
            if kind == "bill", let existing = try Int64.fetchOne(
                db, sql: "SELECT fileId FROM document WHERE orderId = ? AND kind = 'bill' AND fileId IS NOT NULL", arguments: [orderId])
            {
                return existing
            }
            let sha = try Self.storeBlob(db, data, contentType: fileName.hasSuffix(".pdf") ? "application/pdf" : nil)
            try db.execute(sql: "INSERT INTO file (blobSha256, fileName, kind) VALUES (?, ?, 'document')", arguments: [sha, fileName])
            let fileId = db.lastInsertedRowID
            try db.execute(
                sql: """
                    INSERT INTO document (kind, number, date, counterpartyId, sellerOrganizationId, orderId, amountMinor, currency, fileId, source)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'generated')
                    """,
                arguments: [kind, number, date, order["counterpartyId"] as Int64, order["sellerOrganizationId"] as Int64?, orderId, amountMinor, currency, fileId])
            let documentId = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO orderEvent (orderId, at, kind, note) VALUES (?, ?, 'document', ?)", arguments: [orderId, Self.stamp(Date()), "\(kind) \(number)"])
            if notify, let userId: Int64 = order["userId"] {
                try Outbox.publish(
                    db, topic: "document.ready",
                    payload: ["userId": String(userId), "title": kind, "number": number, "link": "/orders/\(orderId)", "attachments": "\(sha) \(fileName)"],
                    idempotencyKey: "document.ready.\(documentId)")
            }
            return fileId
        }
    }

    public func documents(_ filter: DocumentFilter) async throws -> [DocumentRow] {
        try await read { db in
            var conditions: [String] = []
            var arguments: [String: (any DatabaseValueConvertible)?] = ["limit": max(1, min(filter.limit, 1000))]
            if let allowed = filter.counterparties {
                conditions.append("d.counterpartyId IN (SELECT value FROM json_each(:allowed))")
                arguments["allowed"] = "[" + allowed.map(String.init).joined(separator: ",") + "]"
            }
            if let kind = filter.kind, !kind.isEmpty {
                conditions.append("d.kind = :kind")
                arguments["kind"] = kind
            }
            if let from = filter.from, !from.isEmpty {
                conditions.append("d.date >= :from")
                arguments["from"] = from
            }
            if let to = filter.to, !to.isEmpty {
                conditions.append("d.date <= :to")
                arguments["to"] = to
            }
            if let number = filter.orderNumber?.trimmingCharacters(in: .whitespaces), !number.isEmpty {
                conditions.append("o.number = :number")
                arguments["number"] = number
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, c.name AS counterparty, o.number AS orderNumber FROM document d JOIN counterparty c ON c.id = d.counterpartyId
                    LEFT JOIN customerOrder o ON o.id = d.orderId \(whereClause) ORDER BY d.date DESC, d.id DESC LIMIT :limit
                    """,
                arguments: StatementArguments(arguments)
            ).map {
                DocumentRow(
                    id: $0["id"], kind: $0["kind"], number: $0["number"], date: $0["date"], counterparty: $0["counterparty"], orderId: $0["orderId"],
                    orderNumber: $0["orderNumber"], amountMinor: $0["amountMinor"], currency: $0["currency"], source: $0["source"], hasFile: $0["fileId"] != nil)
            }
        }
    }

    public func settlements(counterpartyId: Int64, limit: Int = 500) async throws -> [SettlementRow] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.date, s.dueDate, s.amountMinor, s.currency, s.description, o.number FROM settlement s LEFT JOIN customerOrder o ON o.id = s.orderId
                    WHERE s.counterpartyId = ? ORDER BY s.date DESC, s.id DESC LIMIT ?
                    """,
                arguments: [counterpartyId, limit]
            ).map { SettlementRow(date: $0["date"], dueDate: $0["dueDate"], amountMinor: $0["amountMinor"], currency: $0["currency"], description: $0["description"], orderNumber: $0["number"]) }
        }
    }
}
