import Foundation
import GRDB
import WholesailCore

/// A shipment's document data plus where it belongs.
public struct ShipmentDocumentSource: Sendable, Hashable {
    public var shipmentId: Int64
    public var orderId: Int64
    public var counterpartyId: Int64
    public var sellerOrganizationId: Int64
    public var status: String
    public var document: ShipmentDocument
}

extension WholesailDatabase {
    /// The kinds of shipment documents the portal makes itself.
    public static let generatedShipmentKinds = ["waybill", "invoice"]

    /// Everything a shipment's waybill and invoice print; nil for an unknown shipment.
    public func shipmentDocument(shipmentId: Int64) async throws -> ShipmentDocumentSource? {
        try await read { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT sh.id, sh.number AS shipmentNumber, sh.status, sh.shippedAt, o.id AS orderId, o.number AS orderNumber, o.placedAt,
                        o.currency, o.counterpartyId, o.sellerOrganizationId, o.consignee, o.deliveryAddressText, o.deliveryMethod, o.poNumber,
                        s.name AS sName, s.inn AS sInn, s.kpp AS sKpp, s.address AS sAddress, s.director, s.accountant,
                        c.name AS cName, c.fullName AS cFullName, c.inn AS cInn, c.kpp AS cKpp, c.legalAddress AS cAddress,
                        a.number AS aNumber, a.date AS aDate
                    FROM shipment sh JOIN customerOrder o ON o.id = sh.orderId JOIN sellerOrganization s ON s.id = o.sellerOrganizationId
                    JOIN counterparty c ON c.id = o.counterpartyId LEFT JOIN agreement a ON a.id = o.agreementId WHERE sh.id = ?
                    """,
                arguments: [shipmentId])
            else { return nil }
            let lines = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.name, l.sku, l.customerSku, l.qtyMilli AS ordered, l.amountMinor, l.vatRate, sl.qtyMilli AS shipped, u.name AS unit, u.code AS unitCode
                    FROM shipmentLine sl JOIN orderLine l ON l.id = sl.orderLineId JOIN unit u ON u.id = l.unitId
                    WHERE sl.shipmentId = ? ORDER BY l.lineNo
                    """,
                arguments: [shipmentId]
            ).map { line -> ShipmentDocument.Line in
                var shipped = ShipmentDocument.Line.shipped(
                    name: line["name"], sku: line["sku"], unit: line["unit"], unitCode: line["unitCode"], orderedMilli: line["ordered"],
                    orderedAmountMinor: line["amountMinor"], shippedMilli: line["shipped"],
                    vatRate: ExactDecimal(parsing: line["vatRate"] as String) ?? ExactDecimal(20))
                shipped.customerSku = line["customerSku"]
                return shipped
            }
            let orderDate = String((row["placedAt"] as String).prefix(10))
            let orderNumber: String = row["orderNumber"]
            var basis = "Заказ № \(orderNumber) от \(Self.russianDate(orderDate))"
            if let number: String = row["aNumber"] { basis = "Договор № \(number) от \(Self.russianDate(row["aDate"] ?? ""))" }
            // The buyer's own purchase order number, so their accounts payable can match the document.
            if let po: String = row["poNumber"] { basis += ", заказ покупателя № \(po)" }
            let buyerName: String = row["cFullName"] ?? row["cName"]
            var consignee: String?
            if row["deliveryMethod"] != "pickup" {
                let parts = [(row["consignee"] as String?) ?? buyerName, row["deliveryAddressText"] as String?].compactMap { $0 }.filter { !$0.isEmpty }
                consignee = parts.joined(separator: ", ")
            }
            let shippedAt: String? = row["shippedAt"]
            return ShipmentDocumentSource(
                shipmentId: shipmentId, orderId: row["orderId"], counterpartyId: row["counterpartyId"], sellerOrganizationId: row["sellerOrganizationId"],
                status: row["status"],
                document: ShipmentDocument(
                    seller: OrganizationDetails(
                        name: row["sName"], inn: row["sInn"], kpp: row["sKpp"], address: row["sAddress"], director: row["director"],
                        accountant: row["accountant"]),
                    buyer: OrganizationDetails(name: buyerName, inn: row["cInn"], kpp: row["cKpp"], address: row["cAddress"]),
                    consignee: consignee, basis: basis, orderNumber: orderNumber, orderDate: orderDate, number: row["shipmentNumber"],
                    date: shippedAt.map { String($0.prefix(10)) } ?? String(Self.stamp(Date()).prefix(10)), currency: row["currency"], lines: lines))
        }
    }

    /// The file to hand out for a shipment's document of a kind: the ERP's (or a manager's)
    /// when one was sent — a UPD stands for both the waybill and the invoice — else the one the
    /// portal made earlier; nil when there is none yet.
    public func shipmentDocumentFile(shipmentId: Int64, kind: String) async throws -> Int64? {
        try await read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT fileId FROM document WHERE shipmentId = ? AND fileId IS NOT NULL AND (kind = ? OR (kind = 'upd' AND source <> 'generated'))
                    ORDER BY source = 'generated', kind = 'upd', id DESC LIMIT 1
                    """,
                arguments: [shipmentId, kind])
        }
    }
}
