import Foundation
import GRDB
import WholesailCore

extension CatalogImporter {
    /// Agreements (JSON `agreement` records): a counterparty's contracts with a seller, which
    /// orders, settlement entries, credit lines and payment schedules name. Matched by ERP id; an
    /// unchanged record writes nothing; a deletion mark deactivates the agreement (orders placed
    /// under it keep it). One marked `default` becomes the company's default agreement.
    func applyAgreements(_ db: Database) throws {
        for (record, file) in pendingAgreements {
            fileName = file
            let line = record.line
            func fail(_ code: String, _ message: String) {
                addIssue(line: line, entity: "agreement", erpId: record.id, code: code, message: "Line \(line): \(message)")
                counts.add("agreement", .failed)
            }
            let existing = try Row.fetchOne(db, sql: "SELECT * FROM agreement WHERE erpId = ?", arguments: [record.id])
            if record.isDeleted {
                if let existing, existing["active"] as Bool {
                    try db.execute(sql: "UPDATE agreement SET active = 0, isDefault = 0 WHERE id = ?", arguments: [existing["id"] as Int64])
                    counts.add("agreement", .deleted)
                } else {
                    counts.add("agreement", .unchanged)
                }
                continue
            }
            guard let counterpartyId = try counterpartyID(db, record.counterpartyID) else {
                fail("import.unknown_counterparty", "no counterparty has the ERP id \"\(record.counterpartyID ?? "")\"; import counterparties first.")
                continue
            }
            guard let date = record.date.flatMap(Self.importDay) else {
                fail("import.agreement_date", "the agreement has no date as YYYY-MM-DD.")
                continue
            }
            let sellerId: Int64?
            if let reference = record.sellerID {
                sellerId = try Int64.fetchOne(
                    db, sql: "SELECT id FROM sellerOrganization WHERE erpId = ? OR inn = ? ORDER BY erpId = ? DESC LIMIT 1",
                    arguments: [reference, reference, reference])
            } else {
                sellerId = try existing.map { $0["sellerOrganizationId"] as Int64 }
                    ?? Int64.fetchOne(db, sql: "SELECT id FROM sellerOrganization ORDER BY active DESC, id LIMIT 1")
            }
            guard let sellerId else {
                fail("import.agreement_seller", "no seller organization has the ERP id or INN \"\(record.sellerID ?? "")\".")
                continue
            }
            let currency = try currency(db, record.currency, fallback: try counterpartyCurrency(db, counterpartyId), line: line)
            var limitMinor: Int64?
            if let raw = record.creditLimit {
                guard let money = Money(decimal: raw, currency: currency), money.minorUnits >= 0 else {
                    fail("import.agreement_amount", "the credit limit \"\(raw)\" is not a non-negative amount in \(currency).")
                    continue
                }
                limitMinor = money.minorUnits
            }
            var termDays: Int?
            if let raw = record.paymentTermDays {
                guard let days = Int(raw), days >= 0, days <= 3650 else {
                    fail("import.agreement_term", "the payment term \"\(raw)\" is not a whole number of days.")
                    continue
                }
                termDays = days
            }
            var priceTypeId: Int64? = existing.flatMap { $0["priceTypeId"] as Int64? }
            if let reference = record.priceTypeID {
                priceTypeId = try Int64.fetchOne(db, sql: "SELECT id FROM priceType WHERE erpId = ?", arguments: [reference])
                if priceTypeId == nil {
                    addIssue(
                        line: line, entity: "agreement", erpId: record.id, code: "import.agreement_price_type",
                        message: "Line \(line): no price type has the ERP id \"\(reference)\"; the agreement is kept without it.", severity: "warning")
                }
            }
            let number = String((record.number ?? record.id).prefix(100))
            let isDefault = record.isDefault ?? (existing.map { $0["isDefault"] as Bool } ?? false)
            let active = record.isActive ?? true
            let values: [(any DatabaseValueConvertible)?] = [
                counterpartyId, sellerId, number, date, currency, priceTypeId, limitMinor, termDays, isDefault, active,
            ]
            if isDefault {
                try db.execute(
                    sql: "UPDATE agreement SET isDefault = 0 WHERE counterpartyId = ? AND isDefault = 1 AND erpId IS NOT ?",
                    arguments: [counterpartyId, record.id])
            }
            if let existing {
                let columns = [
                    "counterpartyId", "sellerOrganizationId", "number", "date", "currency", "priceTypeId", "creditLimitMinor", "paymentTermDays",
                    "isDefault", "active",
                ]
                if Self.same(existing, columns, values) {
                    counts.add("agreement", .unchanged)
                    continue
                }
                try db.execute(
                    sql: """
                        UPDATE agreement SET counterpartyId = ?, sellerOrganizationId = ?, number = ?, date = ?, currency = ?, priceTypeId = ?,
                            creditLimitMinor = ?, paymentTermDays = ?, isDefault = ?, active = ? WHERE id = ?
                        """,
                    arguments: StatementArguments(values + [existing["id"] as Int64]))
                counts.add("agreement", .updated)
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO agreement (erpId, counterpartyId, sellerOrganizationId, number, date, currency, priceTypeId, creditLimitMinor,
                            paymentTermDays, isDefault, active)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments([record.id] + values))
                counts.add("agreement", .created)
            }
        }
    }

    /// Credit lines (JSON `creditLine` records). Matched by ERP id; a deletion mark removes the
    /// line (a payment schedule that named it keeps its instalments).
    func applyCreditLines(_ db: Database) throws {
        for (record, file) in pendingCreditLines {
            fileName = file
            let line = record.line
            func fail(_ code: String, _ message: String) {
                addIssue(line: line, entity: "creditLine", erpId: record.id, code: code, message: "Line \(line): \(message)")
                counts.add("creditLine", .failed)
            }
            guard let existing = try matchOrDelete(db, table: "creditLine", erpId: record.id, isDeleted: record.isDeleted) else { continue }
            guard let counterpartyId = try counterpartyID(db, record.counterpartyID) else {
                fail("import.unknown_counterparty", "no counterparty has the ERP id \"\(record.counterpartyID ?? "")\"; import counterparties first.")
                continue
            }
            let agreementId = try agreementID(db, record.agreementID, counterpartyId: counterpartyId, line: line, entity: "creditLine", erpId: record.id)
            let currency = try currency(db, record.currency, fallback: try agreementCurrency(db, agreementId) ?? counterpartyCurrency(db, counterpartyId), line: line)
            guard let rawLimit = record.limit, let limit = Money(decimal: rawLimit, currency: currency), limit.minorUnits >= 0 else {
                fail("import.credit_line_amount", "the limit \"\(record.limit ?? "")\" is not a non-negative amount in \(currency).")
                continue
            }
            var usedMinor: Int64?
            if let raw = record.used {
                guard let used = Money(decimal: raw, currency: currency), used.minorUnits >= 0 else {
                    fail("import.credit_line_amount", "the used amount \"\(raw)\" is not a non-negative amount in \(currency).")
                    continue
                }
                usedMinor = used.minorUnits
            }
            var termDays: Int?
            if let raw = record.termDays {
                guard let days = Int(raw), days >= 0, days <= 3650 else {
                    fail("import.agreement_term", "the term \"\(raw)\" is not a whole number of days.")
                    continue
                }
                termDays = days
            }
            if let rate = record.rate, ExactDecimal(parsing: rate).map({ $0.units < 0 }) ?? true {
                fail("import.credit_line_rate", "the rate \"\(rate)\" is not a non-negative percentage.")
                continue
            }
            let openedOn = record.openedOn.flatMap(Self.importDay)
            let expiresOn = record.expiresOn.flatMap(Self.importDay)
            if (record.openedOn != nil && openedOn == nil) || (record.expiresOn != nil && expiresOn == nil) {
                fail("import.credit_line_date", "the opening and expiry dates are written as YYYY-MM-DD.")
                continue
            }
            var status = "open"
            if let raw = record.status {
                guard let known = CommerceML.CreditLineRecord.portalStatus(raw) else {
                    fail("import.credit_line_status", "the status \"\(raw)\" is not one of open, suspended, closed.")
                    continue
                }
                status = known
            }
            let name = String((record.name ?? record.id).prefix(200))
            let values: [(any DatabaseValueConvertible)?] = [
                counterpartyId, agreementId, name, limit.minorUnits, usedMinor, currency, termDays, record.rate, openedOn, expiresOn, status,
            ]
            let columns = [
                "counterpartyId", "agreementId", "name", "limitMinor", "usedMinor", "currency", "termDays", "ratePercent", "openedOn", "expiresOn",
                "status",
            ]
            if let existing {
                if Self.same(existing, columns, values) {
                    counts.add("creditLine", .unchanged)
                    continue
                }
                try db.execute(
                    sql: """
                        UPDATE creditLine SET counterpartyId = ?, agreementId = ?, name = ?, limitMinor = ?, usedMinor = ?, currency = ?, termDays = ?,
                            ratePercent = ?, openedOn = ?, expiresOn = ?, status = ?, updatedAt = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = ?
                        """,
                    arguments: StatementArguments(values + [existing["id"] as Int64]))
                counts.add("creditLine", .updated)
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO creditLine (erpId, counterpartyId, agreementId, name, limitMinor, usedMinor, currency, termDays, ratePercent,
                            openedOn, expiresOn, status)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments([record.id] + values))
                counts.add("creditLine", .created)
            }
        }
    }

    /// Payment schedules (JSON `paymentSchedule` records), each sent whole: a changed schedule's
    /// instalments replace the stored ones in one go. Matched by ERP id; a deletion mark removes it.
    func applyPaymentSchedules(_ db: Database) throws {
        for (record, file) in pendingSchedules {
            fileName = file
            let line = record.line
            func fail(_ code: String, _ message: String) {
                addIssue(line: line, entity: "paymentSchedule", erpId: record.id, code: code, message: "Line \(line): \(message)")
                counts.add("paymentSchedule", .failed)
            }
            guard let existing = try matchOrDelete(db, table: "paymentSchedule", erpId: record.id, isDeleted: record.isDeleted) else { continue }
            guard let counterpartyId = try counterpartyID(db, record.counterpartyID) else {
                fail("import.unknown_counterparty", "no counterparty has the ERP id \"\(record.counterpartyID ?? "")\"; import counterparties first.")
                continue
            }
            guard let date = record.date.flatMap(Self.importDay) else {
                fail("import.schedule_date", "the schedule has no date as YYYY-MM-DD.")
                continue
            }
            let agreementId = try agreementID(db, record.agreementID, counterpartyId: counterpartyId, line: line, entity: "paymentSchedule", erpId: record.id)
            var creditLineId: Int64?
            if let reference = record.creditLineID {
                creditLineId = try Int64.fetchOne(
                    db, sql: "SELECT id FROM creditLine WHERE erpId = ? AND counterpartyId = ?", arguments: [reference, counterpartyId])
                if creditLineId == nil {
                    addIssue(
                        line: line, entity: "paymentSchedule", erpId: record.id, code: "import.credit_line_not_found",
                        message: "Line \(line): no credit line of this counterparty has the ERP id \"\(reference)\"; the schedule is kept without it.",
                        severity: "warning")
                }
            }
            let currency = try currency(db, record.currency, fallback: try agreementCurrency(db, agreementId) ?? counterpartyCurrency(db, counterpartyId), line: line)
            var instalments: [PaymentInstalment] = []
            var problem: String?
            for (index, payment) in record.payments.enumerated() {
                guard let due = payment.dueDate.flatMap(Self.importDay) else {
                    problem = "payment \(index + 1) has no date as YYYY-MM-DD."
                    break
                }
                guard let raw = payment.amount, let amount = Money(decimal: raw, currency: currency), amount.minorUnits >= 0 else {
                    problem = "payment \(index + 1) has no non-negative amount in \(currency)."
                    break
                }
                var paidMinor: Int64 = 0
                if let raw = payment.paid {
                    guard let paid = Money(decimal: raw, currency: currency), paid.minorUnits >= 0 else {
                        problem = "payment \(index + 1) has a paid amount that is not a non-negative amount in \(currency)."
                        break
                    }
                    paidMinor = paid.minorUnits
                }
                let paidOn = payment.paidOn.flatMap(Self.importDay)
                instalments.append(PaymentInstalment(position: index + 1, dueDate: due, amountMinor: amount.minorUnits, paidMinor: paidMinor, paidOn: paidOn))
            }
            if let problem {
                fail("import.schedule_payment", problem)
                continue
            }
            guard !instalments.isEmpty, instalments.count <= 1000 else {
                fail("import.schedule_payment", "a schedule has from 1 to 1,000 payments.")
                continue
            }
            let number = String((record.number ?? record.id).prefix(100))
            let description = record.description.map { String($0.prefix(500)) }
            let values: [(any DatabaseValueConvertible)?] = [counterpartyId, agreementId, creditLineId, number, date, currency, description]
            let columns = ["counterpartyId", "agreementId", "creditLineId", "number", "date", "currency", "description"]
            let scheduleId: Int64
            if let existing {
                scheduleId = existing["id"]
                let stored = try Row.fetchAll(
                    db, sql: "SELECT position, dueDate, amountMinor, paidMinor, paidOn FROM paymentScheduleItem WHERE scheduleId = ? ORDER BY position",
                    arguments: [scheduleId]
                ).map {
                    PaymentInstalment(
                        position: $0["position"], dueDate: $0["dueDate"], amountMinor: $0["amountMinor"], paidMinor: $0["paidMinor"], paidOn: $0["paidOn"])
                }
                if Self.same(existing, columns, values) && stored == instalments {
                    counts.add("paymentSchedule", .unchanged)
                    continue
                }
                try db.execute(
                    sql: """
                        UPDATE paymentSchedule SET counterpartyId = ?, agreementId = ?, creditLineId = ?, number = ?, date = ?, currency = ?, description = ?,
                            updatedAt = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = ?
                        """,
                    arguments: StatementArguments(values + [scheduleId]))
                try db.execute(sql: "DELETE FROM paymentScheduleItem WHERE scheduleId = ?", arguments: [scheduleId])
                counts.add("paymentSchedule", .updated)
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO paymentSchedule (erpId, counterpartyId, agreementId, creditLineId, number, date, currency, description)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments([record.id] + values))
                scheduleId = db.lastInsertedRowID
                counts.add("paymentSchedule", .created)
            }
            for item in instalments {
                try db.execute(
                    sql: "INSERT INTO paymentScheduleItem (scheduleId, position, dueDate, amountMinor, paidMinor, paidOn) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [scheduleId, item.position, item.dueDate, item.amountMinor, item.paidMinor, item.paidOn])
            }
        }
    }

    /// An agreement of the counterparty by ERP id; a warning (and nil) when it is not known.
    func agreementID(_ db: Database, _ reference: String?, counterpartyId: Int64, line: Int, entity: String, erpId: String) throws -> Int64? {
        guard let reference else { return nil }
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM agreement WHERE erpId = ? AND counterpartyId = ?", arguments: [reference, counterpartyId]) {
            return id
        }
        addIssue(
            line: line, entity: entity, erpId: erpId, code: "import.agreement_not_found",
            message: "Line \(line): no agreement of this counterparty has the ERP id \"\(reference)\"; the record is kept without it.",
            severity: "warning")
        return nil
    }

    func agreementCurrency(_ db: Database, _ id: Int64?) throws -> String? {
        guard let id else { return nil }
        return try String.fetchOne(db, sql: "SELECT currency FROM agreement WHERE id = ?", arguments: [id])
    }
}
