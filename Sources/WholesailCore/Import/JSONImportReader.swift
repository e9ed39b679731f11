import Foundation

/// Wholesail's JSON import shape (docs/import.md), read as CommerceML records so one applier
/// handles every format. Two forms:
///
/// - **JSON Lines** (any size, read line by line, memory stays flat): one object per line, each
///   with a `type` — `options`, `group`, `property`, `priceType`, `warehouse`, `unit`,
///   `product`, `offer`, `counterparty`, `orderStatus`, `document`, `settlement`, `agreement`,
///   `creditLine`, `paymentSchedule`.
/// - **A document** (up to `maxDocumentBytes`): one object whose arrays (`groups`, `properties`,
///   `priceTypes`, `warehouses`, `units`, `products`, `offers`, `counterparties`,
///   `orderStatuses`, `documents`, `settlements`, `agreements`, `creditLines`, `paymentSchedules`) hold the
///   same objects without `type`, plus `fullUpload`.
///
/// Amounts and quantities are decimal strings (`"1234.50"`); JSON numbers are accepted too.
/// A record that cannot be used (no id, a price that is not a number) becomes an `.issue`.
public final class JSONImportReader {
    public static let defaultMaxDocumentBytes = 64 << 20
    static let maxLineBytes = 16 << 20

    private let input: ExchangeInput
    private let maxDocumentBytes: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var inputEnded = false
    private var line = 0
    private var queue: [CommerceML.Record] = []
    private var head = 0
    private var mode: Mode?
    private var fullUpload = false
    private var sectionEmitted = false

    private enum Mode {
        case lines
        case document
    }

    public init(input: ExchangeInput, maxDocumentBytes: Int = JSONImportReader.defaultMaxDocumentBytes) {
        self.input = input
        self.maxDocumentBytes = maxDocumentBytes
    }

    public func next() throws -> CommerceML.Record? {
        while head >= queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
            guard try step() else { return nil }
        }
        defer { head += 1 }
        return queue[head]
    }

    // MARK: Reading

    private func fill() throws -> Bool {
        guard !inputEnded else { return false }
        guard let chunk = try input.nextChunk(), !chunk.isEmpty else {
            inputEnded = true
            return false
        }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        buffer.append(contentsOf: chunk)
        return true
    }

    /// The next line's bytes (without the line break), or nil at the end.
    private func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[position...].firstIndex(of: 10) {
                let start = position
                position = newline + 1
                line += 1
                var end = newline
                if end > start, buffer[end - 1] == 13 { end -= 1 }
                return buffer[start..<end]
            }
            if buffer.count - position > Self.maxLineBytes {
                throw ExchangeError(.textTooLarge, line: line + 1, "A JSON line is longer than \(Self.maxLineBytes >> 20) MB.")
            }
            if try !fill() {
                guard position < buffer.count else { return nil }
                let start = position
                position = buffer.count
                line += 1
                return buffer[start...]
            }
        }
    }

    private func step() throws -> Bool {
        if mode == nil {
            try decideMode()
            // A document is read whole: everything is queued now.
            if mode == .document { return !queue.isEmpty }
        }
        switch mode {
        case .document:
            return false
        default:
            while let bytes = try nextLine() {
                var slice = bytes
                if line == 1, slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
                guard slice.contains(where: { $0 != 32 && $0 != 9 }) else { continue }
                let object: Any
                do {
                    object = try JSONSerialization.jsonObject(with: Data(slice))
                } catch {
                    throw ExchangeError(.malformed, line: line, "This line is not a JSON object: \(Self.describe(error)).")
                }
                guard let record = object as? [String: Any], let type = record["type"] as? String else {
                    throw ExchangeError(.malformed, line: line, "Each line must be a JSON object with a \"type\".")
                }
                read(type: type, record, line: line)
                if !queue.isEmpty { return true }
            }
            return false
        }
    }

    private func decideMode() throws {
        _ = try fill()
        var index = buffer.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while true {
            while index < buffer.count, [9, 10, 13, 32].contains(buffer[index]) { index += 1 }
            if index < buffer.count { break }
            if try !fill() { break }
        }
        guard index < buffer.count, buffer[index] == UInt8(ascii: "{") else {
            throw ExchangeError(.malformed, line: 1, "A JSON import is an object (a document) or one object per line (JSON Lines).")
        }
        // JSON Lines when the first line is a whole object with a "type".
        let firstEnd = buffer[index...].firstIndex(of: 10) ?? buffer.endIndex
        if let object = try? JSONSerialization.jsonObject(with: Data(buffer[index..<firstEnd])) as? [String: Any],
            object["type"] is String
        {
            mode = .lines
            return
        }
        mode = .document
        while try fill() {
            if buffer.count > maxDocumentBytes {
                throw ExchangeError(
                    .textTooLarge, line: 0,
                    "A JSON document is limited to \(maxDocumentBytes >> 20) MB; send larger imports as JSON Lines (one object per line).")
            }
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(buffer[index...]))
        } catch {
            throw ExchangeError(.malformed, line: 0, "The file is not valid JSON: \(Self.describe(error)).")
        }
        buffer = []
        position = 0
        guard let document = object as? [String: Any] else {
            throw ExchangeError(.malformed, line: 1, "A JSON import document is an object.")
        }
        fullUpload = Self.bool(document["fullUpload"]) ?? false
        let order: [(String, String)] = [
            ("units", "unit"), ("groups", "group"), ("properties", "property"), ("priceTypes", "priceType"),
            ("warehouses", "warehouse"), ("products", "product"), ("offers", "offer"), ("counterparties", "counterparty"),
            ("orderStatuses", "orderStatus"), ("documents", "document"), ("settlements", "settlement"),
            ("agreements", "agreement"), ("creditLines", "creditLine"), ("paymentSchedules", "paymentSchedule"),
        ]
        for (key, type) in order {
            guard let list = document[key] else { continue }
            guard let items = list as? [Any] else {
                queue.append(.issue(ExchangeIssue(.missingID, line: 0, field: key, value: "not an array", recordID: nil)))
                continue
            }
            for (offset, item) in items.enumerated() {
                guard let record = item as? [String: Any] else {
                    queue.append(.issue(ExchangeIssue(.missingID, line: offset + 1, field: key, value: "not an object", recordID: nil)))
                    continue
                }
                read(type: type, record, line: offset + 1)
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
        return String(text.prefix(200))
    }

    // MARK: Mapping

    private func emitSectionIfNeeded(line: Int) {
        guard !sectionEmitted else { return }
        sectionEmitted = true
        queue.append(.section(CommerceML.Section(kind: .catalog, containsOnlyChanges: !fullUpload, line: line)))
    }

    private func string(_ value: Any?) -> String? {
        switch value {
        case let text as String:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        case let number as NSNumber:
            return number.stringValue
        default:
            return nil
        }
    }

    /// Identifiers are kept exactly (no trimming): ERPs compare them byte for byte.
    private func id(_ value: Any?) -> String? {
        switch value {
        case let text as String: return text.isEmpty ? nil : text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    static func bool(_ value: Any?) -> Bool? {
        switch value {
        case let flag as Bool: return flag
        case let number as NSNumber: return number.boolValue
        case let text as String: return ["true", "1", "yes", "да"].contains(text.lowercased()) ? true : (["false", "0", "no", "нет"].contains(text.lowercased()) ? false : nil)
        default: return nil
        }
    }

    private func strings(_ value: Any?) -> [String] {
        if let list = value as? [Any] { return list.compactMap { id($0) } }
        return id(value).map { [$0] } ?? []
    }

    private func number(_ value: Any?, field: String, line: Int, id: String?) -> String? {
        guard let raw = string(value) else { return nil }
        if let canonical = DecimalText.canonical(raw) { return canonical }
        queue.append(.issue(ExchangeIssue(.badNumber, line: line, field: field, value: raw, recordID: id)))
        return nil
    }

    private func unit(_ value: Any?, code: Any?) -> CommerceML.Unit? {
        if let object = value as? [String: Any] {
            return CommerceML.Unit(code: string(object["code"]), name: string(object["name"]), fullName: string(object["fullName"]))
        }
        let name = string(value)
        let code = string(code)
        if name == nil && code == nil { return nil }
        if code == nil, let name, TableImportReader.isUnitCode(name) { return CommerceML.Unit(code: name) }
        return CommerceML.Unit(code: code, name: name)
    }

    private func missing(_ field: String, line: Int) {
        queue.append(.issue(ExchangeIssue(.missingID, line: line, field: field, value: "", recordID: nil)))
    }

    private func read(type: String, _ object: [String: Any], line: Int) {
        switch type {
        case "options":
            if !sectionEmitted { fullUpload = Self.bool(object["fullUpload"]) ?? false }
            emitSectionIfNeeded(line: line)
            return
        default:
            emitSectionIfNeeded(line: line)
        }
        switch type {
        case "group":
            guard let id = id(object["id"]), let name = string(object["name"]) else { return missing("group.id/name", line: line) }
            queue.append(
                .group(
                    CommerceML.Group(
                        id: id, name: name, parentID: self.id(object["parent"] ?? object["parentId"]),
                        isDeleted: Self.bool(object["deleted"]) ?? false, line: line)))
        case "property":
            guard let id = id(object["id"]), let name = string(object["name"]) else { return missing("property.id/name", line: line) }
            let kind = string(object["kind"] ?? object["type_"])?.lowercased()
            var values: [CommerceML.ReferenceValue] = []
            for item in object["values"] as? [Any] ?? [] {
                if let entry = item as? [String: Any], let value = string(entry["value"]) {
                    values.append(CommerceML.ReferenceValue(id: self.id(entry["id"]), value: value))
                } else if let value = string(item) {
                    values.append(CommerceML.ReferenceValue(id: nil, value: value))
                }
            }
            let valueType: String? =
                switch kind {
                case "enum", "reference", "справочник": "Справочник"
                case "number", "число": "Число"
                case "bool", "boolean", "булево": "Булево"
                default: values.isEmpty ? "Строка" : "Справочник"
                }
            queue.append(
                .property(
                    CommerceML.Property(
                        id: id, name: name, valueType: valueType, values: values, isMultiple: Self.bool(object["multiple"]),
                        isDeleted: Self.bool(object["deleted"]) ?? false, line: line)))
        case "priceType":
            guard let id = id(object["id"]) else { return missing("priceType.id", line: line) }
            queue.append(
                .priceType(
                    CommerceML.PriceType(
                        id: id, name: string(object["name"]) ?? id, currency: string(object["currency"]),
                        taxIncluded: Self.bool(object["vatIncluded"]), line: line)))
        case "warehouse":
            guard let id = id(object["id"]) else { return missing("warehouse.id", line: line) }
            queue.append(
                .warehouse(
                    CommerceML.Warehouse(
                        id: id, name: string(object["name"]),
                        address: string(object["address"]).map { CommerceML.Address(kind: "Адрес", presentation: $0) },
                        isDeleted: Self.bool(object["deleted"]) ?? false, line: line)))
        case "unit":
            guard let code = string(object["code"]) else { return missing("unit.code", line: line) }
            queue.append(
                .unit(CommerceML.UnitOfMeasure(id: code, code: code, shortName: string(object["name"]), fullName: string(object["fullName"]), line: line)))
        case "product":
            let sku = string(object["sku"] ?? object["article"])
            let erpId = id(object["id"])
            guard erpId != nil || sku != nil else { return missing("product.id/sku", line: line) }
            var product = CommerceML.Product(id: erpId ?? "", line: line)
            product.article = sku
            product.name = string(object["name"])
            product.fullName = string(object["fullName"])
            product.barcode = string(object["barcode"])
            product.description = string(object["description"])
            product.brand = string(object["brand"])
            product.baseUnit = unit(object["unit"], code: object["unitCode"])
            product.groupIDs = strings(object["groups"] ?? object["group"])
            product.images = strings(object["images"])
            if let vat = string(object["vat"]) { product.taxRates = [CommerceML.TaxRate(name: "НДС", rate: vat)] }
            product.weight = number(object["weight"], field: "product.weight", line: line, id: erpId ?? sku)
            if let pack = number(object["packSize"], field: "product.packSize", line: line, id: erpId ?? sku) {
                product.requisites.append(CommerceML.NameValue(name: "Кратность", value: pack))
            }
            if let properties = object["properties"] as? [String: Any] {
                for key in properties.keys.sorted() {
                    product.propertyValues.append(CommerceML.PropertyValue(propertyID: key, values: strings(properties[key])))
                }
            } else if let properties = object["properties"] as? [Any] {
                for case let entry as [String: Any] in properties {
                    guard let propertyID = id(entry["id"]) else { continue }
                    product.propertyValues.append(CommerceML.PropertyValue(propertyID: propertyID, values: strings(entry["values"] ?? entry["value"])))
                }
            }
            product.characteristics = characteristics(object["characteristics"])
            if Self.bool(object["deleted"]) == true || Self.bool(object["active"]) == false { product.markedForDeletion = true }
            queue.append(.product(product))
        case "offer":
            guard let id = id(object["id"] ?? object["product"] ?? object["sku"]) else { return missing("offer.id", line: line) }
            var offer = CommerceML.Offer(id: id, line: line)
            offer.name = string(object["name"])
            offer.article = string(object["sku"])
            offer.characteristics = characteristics(object["characteristics"])
            for case let entry as [String: Any] in object["prices"] as? [Any] ?? [] {
                let value = number(entry["price"] ?? entry["amount"], field: "offer.prices.price", line: line, id: id)
                if value == nil && string(entry["price"] ?? entry["amount"]) == nil {
                    queue.append(.issue(ExchangeIssue(.badNumber, line: line, field: "offer.prices.price", value: "", recordID: id)))
                }
                offer.prices.append(
                    CommerceML.Price(
                        priceTypeID: self.id(entry["priceType"]) ?? "", value: value, currency: string(entry["currency"]),
                        unit: string(entry["unit"]), coefficient: number(entry["factor"], field: "offer.prices.factor", line: line, id: id)))
            }
            for case let entry as [String: Any] in object["stock"] as? [Any] ?? [] {
                guard let warehouse = self.id(entry["warehouse"]) else { continue }
                let quantity = number(entry["quantity"], field: "offer.stock.quantity", line: line, id: id)
                offer.stocks.append(CommerceML.Stock(warehouseID: warehouse, quantity: quantity))
            }
            offer.quantity = number(object["quantity"], field: "offer.quantity", line: line, id: id)
            if Self.bool(object["deleted"]) == true { offer.markedForDeletion = true }
            // The record goes before the issues found in it.
            let issues = queue.filter { if case .issue = $0 { true } else { false } }
            queue.removeAll { if case .issue = $0 { true } else { false } }
            queue.append(.offer(offer))
            queue.append(contentsOf: issues)
        case "counterparty":
            guard let name = string(object["name"]) else { return missing("counterparty.name", line: line) }
            var counterparty = CommerceML.Counterparty(id: id(object["id"]) ?? "", line: line)
            counterparty.name = name
            counterparty.fullName = string(object["fullName"])
            counterparty.officialName = string(object["fullName"])
            counterparty.inn = string(object["inn"])
            counterparty.kpp = string(object["kpp"])
            if let email = string(object["email"]) { counterparty.contacts.append(.init(type: "Электронная почта", value: email)) }
            if let phone = string(object["phone"]) { counterparty.contacts.append(.init(type: "Телефон рабочий", value: phone)) }
            if let priceType = string(object["priceType"]) {
                counterparty.contacts.append(.init(type: TableImportReader.priceTypeContact, value: priceType))
            }
            if let address = string(object["address"]) { counterparty.addresses.append(.init(kind: "ЮридическийАдрес", presentation: address)) }
            queue.append(.counterparty(counterparty))
        case "orderStatus":
            guard let order = id(object["order"]), let status = string(object["status"]) else {
                return missing("orderStatus.order/status", line: line)
            }
            var document = CommerceML.Document(id: order, line: line)
            document.number = order
            document.requisites.append(CommerceML.NameValue(name: "Статус заказа", value: status))
            if let shipment = object["shipment"] as? [String: Any], let number = string(shipment["number"]) {
                document.requisites.append(CommerceML.NameValue(name: "Номер отгрузки по 1С", value: number))
                if let date = string(shipment["date"]) { document.requisites.append(CommerceML.NameValue(name: "Дата отгрузки по 1С", value: date)) }
            }
            if let note = string(object["note"]) { document.comment = note }
            queue.append(.document(document))
        case "document":
            guard let id = id(object["id"]) else { return missing("document.id", line: line) }
            var document = CommerceML.AccountingDocument(id: id, line: line)
            document.kind = string(object["kind"])
            document.number = string(object["number"])
            document.date = string(object["date"])
            document.counterpartyID = self.id(object["counterparty"])
            document.sellerID = self.id(object["seller"])
            document.order = self.id(object["order"])
            document.shipment = self.id(object["shipment"])
            document.amount = number(object["amount"], field: "document.amount", line: line, id: id)
            document.currency = string(object["currency"])
            document.file = string(object["file"])
            document.isDeleted = Self.bool(object["deleted"]) ?? false
            let issues = queue.filter { if case .issue = $0 { true } else { false } }
            queue.removeAll { if case .issue = $0 { true } else { false } }
            queue.append(.accountingDocument(document))
            queue.append(contentsOf: issues)
        case "settlement":
            guard let id = id(object["id"]) else { return missing("settlement.id", line: line) }
            var entry = CommerceML.SettlementEntry(id: id, line: line)
            entry.counterpartyID = self.id(object["counterparty"])
            entry.date = string(object["date"])
            entry.dueDate = string(object["dueDate"])
            entry.amount = number(object["amount"], field: "settlement.amount", line: line, id: id)
            entry.currency = string(object["currency"])
            entry.description = string(object["description"])
            entry.agreementID = self.id(object["agreement"])
            entry.order = self.id(object["order"])
            entry.documentID = self.id(object["document"])
            entry.isDeleted = Self.bool(object["deleted"]) ?? false
            let issues = queue.filter { if case .issue = $0 { true } else { false } }
            queue.removeAll { if case .issue = $0 { true } else { false } }
            queue.append(.settlement(entry))
            queue.append(contentsOf: issues)
        case "agreement":
            guard let id = id(object["id"]) else { return missing("agreement.id", line: line) }
            var agreement = CommerceML.AgreementRecord(id: id, line: line)
            agreement.counterpartyID = self.id(object["counterparty"])
            agreement.sellerID = self.id(object["seller"])
            agreement.number = string(object["number"])
            agreement.date = string(object["date"])
            agreement.currency = string(object["currency"])
            agreement.priceTypeID = self.id(object["priceType"])
            agreement.creditLimit = number(object["creditLimit"], field: "agreement.creditLimit", line: line, id: id)
            agreement.paymentTermDays = number(object["paymentTermDays"], field: "agreement.paymentTermDays", line: line, id: id)
            agreement.isDefault = Self.bool(object["default"])
            agreement.isActive = Self.bool(object["active"])
            agreement.isDeleted = Self.bool(object["deleted"]) ?? false
            appendBeforeIssues(.agreement(agreement))
        case "creditLine":
            guard let id = id(object["id"]) else { return missing("creditLine.id", line: line) }
            var credit = CommerceML.CreditLineRecord(id: id, line: line)
            credit.counterpartyID = self.id(object["counterparty"])
            credit.agreementID = self.id(object["agreement"])
            credit.name = string(object["name"])
            credit.limit = number(object["limit"], field: "creditLine.limit", line: line, id: id)
            credit.used = number(object["used"], field: "creditLine.used", line: line, id: id)
            credit.currency = string(object["currency"])
            credit.termDays = number(object["termDays"], field: "creditLine.termDays", line: line, id: id)
            credit.rate = number(object["rate"], field: "creditLine.rate", line: line, id: id)
            credit.openedOn = string(object["opened"] ?? object["openedOn"])
            credit.expiresOn = string(object["expires"] ?? object["expiresOn"])
            credit.status = string(object["status"])
            credit.isDeleted = Self.bool(object["deleted"]) ?? false
            appendBeforeIssues(.creditLine(credit))
        case "paymentSchedule":
            guard let id = id(object["id"]) else { return missing("paymentSchedule.id", line: line) }
            var schedule = CommerceML.PaymentScheduleRecord(id: id, line: line)
            schedule.counterpartyID = self.id(object["counterparty"])
            schedule.agreementID = self.id(object["agreement"])
            schedule.creditLineID = self.id(object["creditLine"])
            schedule.number = string(object["number"])
            schedule.date = string(object["date"])
            schedule.currency = string(object["currency"])
            schedule.description = string(object["description"])
            for case let entry as [String: Any] in object["payments"] as? [Any] ?? [] {
                schedule.payments.append(
                    CommerceML.PaymentScheduleRecord.Payment(
                        dueDate: string(entry["date"] ?? entry["dueDate"]),
                        amount: number(entry["amount"], field: "paymentSchedule.payments.amount", line: line, id: id),
                        paid: number(entry["paid"], field: "paymentSchedule.payments.paid", line: line, id: id),
                        paidOn: string(entry["paidOn"])))
            }
            schedule.isDeleted = Self.bool(object["deleted"]) ?? false
            appendBeforeIssues(.paymentSchedule(schedule))
        default:
            queue.append(.issue(ExchangeIssue(.missingID, line: line, field: "type", value: type, recordID: nil)))
        }
    }

    /// Queues a record before the issues found while reading it.
    private func appendBeforeIssues(_ record: CommerceML.Record) {
        let issues = queue.filter { if case .issue = $0 { true } else { false } }
        queue.removeAll { if case .issue = $0 { true } else { false } }
        queue.append(record)
        queue.append(contentsOf: issues)
    }

    private func characteristics(_ value: Any?) -> [CommerceML.Characteristic] {
        (value as? [Any] ?? []).compactMap { item in
            guard let entry = item as? [String: Any], let name = string(entry["name"]), let value = string(entry["value"]) else { return nil }
            return CommerceML.Characteristic(name: name, value: value)
        }
    }
}
