import Foundation
import GRDB
import WholesailCore

extension WholesailDatabase {
    /// A company's credit lines: open ones first, those that run longest first. When the ERP did not report what is used of a
    /// line under an agreement, the balance of that agreement's settlement entries stands in.
    public func creditLines(counterpartyId: Int64) async throws -> [CreditLine] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.id, l.name, l.limitMinor, l.usedMinor, l.currency, l.termDays, l.ratePercent, l.openedOn, l.expiresOn, l.status,
                        a.number AS agreementNumber, a.date AS agreementDate,
                        (SELECT sum(s.amountMinor) FROM settlement s WHERE s.agreementId = l.agreementId AND s.counterpartyId = l.counterpartyId)
                            AS agreementBalance
                    FROM creditLine l LEFT JOIN agreement a ON a.id = l.agreementId
                    WHERE l.counterpartyId = ?
                    ORDER BY l.status = 'open' DESC, coalesce(l.expiresOn, '9999-12-31') DESC, l.name, l.id
                    """, arguments: [counterpartyId]
            ).map { row in
                let reported: Int64? = row["usedMinor"]
                let agreementNumber: String? = row["agreementNumber"]
                let computed: Int64? = agreementNumber == nil ? nil : max(0, (row["agreementBalance"] as Int64?) ?? 0)
                return CreditLine(
                    id: row["id"], name: row["name"], agreementNumber: agreementNumber, agreementDate: row["agreementDate"],
                    limitMinor: row["limitMinor"], usedMinor: reported ?? computed, usedReported: reported != nil, currency: row["currency"],
                    termDays: row["termDays"], ratePercent: row["ratePercent"], openedOn: row["openedOn"], expiresOn: row["expiresOn"],
                    status: CreditLine.Status(rawValue: row["status"]) ?? .open)
            }
        }
    }

    /// A company's payment schedules with their instalments, the most recent first.
    public func paymentSchedules(counterpartyId: Int64) async throws -> [PaymentSchedule] {
        try await read { db in
            let schedules = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, p.number, p.date, p.currency, p.description, a.number AS agreementNumber, a.date AS agreementDate,
                        l.name AS creditLine
                    FROM paymentSchedule p LEFT JOIN agreement a ON a.id = p.agreementId LEFT JOIN creditLine l ON l.id = p.creditLineId
                    WHERE p.counterpartyId = ? ORDER BY p.date DESC, p.id DESC
                    """, arguments: [counterpartyId])
            var items: [Int64: [PaymentInstalment]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT i.scheduleId, i.position, i.dueDate, i.amountMinor, i.paidMinor, i.paidOn FROM paymentScheduleItem i
                    JOIN paymentSchedule p ON p.id = i.scheduleId WHERE p.counterpartyId = ?
                    """, arguments: [counterpartyId])
            {
                items[row["scheduleId"], default: []].append(
                    PaymentInstalment(
                        position: row["position"], dueDate: row["dueDate"], amountMinor: row["amountMinor"], paidMinor: row["paidMinor"],
                        paidOn: row["paidOn"]))
            }
            return schedules.map { row in
                PaymentSchedule(
                    id: row["id"], number: row["number"], date: row["date"], agreementNumber: row["agreementNumber"],
                    agreementDate: row["agreementDate"], creditLine: row["creditLine"], currency: row["currency"], description: row["description"],
                    instalments: items[row["id"]] ?? [])
            }
        }
    }

    /// What the company owes per order (settlement entries tied to an order), overdue first.
    public func receivablesByOrder(counterpartyId: Int64, today: String) async throws -> [OrderReceivable] {
        try await read { db in
            let currency = try String.fetchOne(db, sql: "SELECT currency FROM counterparty WHERE id = ?", arguments: [counterpartyId]) ?? "RUB"
            let entries = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.orderId, o.number, s.date, s.dueDate, s.amountMinor FROM settlement s JOIN customerOrder o ON o.id = s.orderId
                    WHERE s.counterpartyId = ?
                    """, arguments: [counterpartyId]
            ).map { row in
                (
                    orderId: row["orderId"] as Int64, orderNumber: row["number"] as String,
                    entry: CreditState.Entry(date: row["date"], dueDate: row["dueDate"], amountMinor: row["amountMinor"])
                )
            }
            return OrderReceivable.make(entries: entries, today: today, currency: currency)
        }
    }

    /// A company's name and ERP id, for a staff page's heading.
    public func companyHeading(id: Int64) async throws -> (name: String, inn: String?)? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT name, inn FROM counterparty WHERE id = ?", arguments: [id]).map { ($0["name"], $0["inn"]) }
        }
    }
}
