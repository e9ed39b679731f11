import Foundation

// Readers for the individual records. Each is called right after its element's start tag and
// consumes everything up to its end tag.
extension CommerceMLReader {
    // MARK: Classifier

    /// Reads `Группы` (or `Категории`) at any depth, queueing each group before its children.
    func readGroupList(parentID: String?) throws {
        try children { tag, _ in
            switch tag {
            case .group, .category: try readGroup(parentID: parentID, isCategory: tag == .category)
            default: try parser.skipElement()
            }
        }
    }

    private func readGroup(parentID: String?, isCategory: Bool) throws {
        let line = parser.line
        var group = CommerceML.Group(
            id: "", name: "", parentID: parentID, isDeleted: false, isCategory: isCategory, line: line)
        var emitted = false
        func emitOnce() {
            guard !emitted else { return }
            emitted = true
            if group.id.isEmpty {
                missingID(isCategory ? "Категория" : "Группа", line: line)
                emit(nil)
            } else {
                emit(.group(group))
            }
        }
        try children { tag, _ in
            switch tag {
            case .id: group.id = try text()
            case .name: group.name = try trimmedText() ?? ""
            case .description: group.description = try trimmedText()
            case .markedForDeletion: group.isDeleted = Self.bool(try text()) ?? false
            case .version: group.version = try text()
            case .groups, .categories:
                emitOnce()
                try readGroupList(parentID: group.id.isEmpty ? nil : group.id)
            case .properties:
                emitOnce()
                try children { child, _ in
                    if child == .property {
                        emit(try readProperty(groupID: group.id).map { .property($0) })
                    } else {
                        try parser.skipElement()
                    }
                }
            default: try parser.skipElement()
            }
        }
        emitOnce()
    }

    func readProperty(groupID: String?) throws -> CommerceML.Property? {
        let line = parser.line
        var property = CommerceML.Property(
            id: "", name: "", values: [], isDeleted: false, groupID: groupID, line: line)
        func readVariants() throws {
            try children { tag, _ in
                switch tag {
                case .referenceValue, .valueVariant:
                    var id: String?
                    var value = ""
                    try children { field, _ in
                        switch field {
                        case .valueID, .id: id = try text()
                        case .value: value = try text()
                        default: try parser.skipElement()
                        }
                    }
                    property.values.append(CommerceML.ReferenceValue(id: id, value: value))
                case .value:
                    property.values.append(CommerceML.ReferenceValue(id: nil, value: try text()))
                default: try parser.skipElement()
                }
            }
        }
        try children { tag, _ in
            switch tag {
            case .id: property.id = try text()
            case .name: property.name = try trimmedText() ?? ""
            case .version: property.version = try text()
            case .markedForDeletion: property.isDeleted = Self.bool(try text()) ?? false
            case .valueType:
                // Either text ("Справочник") or, in 2.03/2.04, `Тип` + `ВариантыЗначений` children.
                let own = try children { child, _ in
                    switch child {
                    case .type: property.valueType = try trimmedText()
                    case .valueVariants: try readVariants()
                    default: try parser.skipElement()
                    }
                }
                if let own = Self.trimmed(own) { property.valueType = own }
            case .valueTypes:
                try children { child, _ in
                    if child == .valueType {
                        try children { field, _ in
                            switch field {
                            case .type: property.valueType = try trimmedText()
                            case .valueVariants: try readVariants()
                            default: try parser.skipElement()
                            }
                        }
                    } else {
                        try parser.skipElement()
                    }
                }
            case .valueVariants: try readVariants()
            case .multiple: property.isMultiple = Self.bool(try text())
            case .forProducts: property.forProducts = Self.bool(try text())
            case .forOffers: property.forOffers = Self.bool(try text())
            case .forDocuments: property.forDocuments = Self.bool(try text())
            default: try parser.skipElement()
            }
        }
        guard !property.id.isEmpty else {
            missingID("Свойство", line: line)
            return nil
        }
        return property
    }

    func readPriceType() throws -> CommerceML.PriceType? {
        let line = parser.line
        var priceType = CommerceML.PriceType(id: "", name: "", isDeleted: false, line: line)
        try children { tag, _ in
            switch tag {
            case .id: priceType.id = try text()
            case .name: priceType.name = try trimmedText() ?? ""
            case .version: priceType.version = try text()
            case .markedForDeletion: priceType.isDeleted = Self.bool(try text()) ?? false
            case .currency: priceType.currency = try trimmedText()
            case .tax:
                try children { field, _ in
                    switch field {
                    case .name: priceType.taxName = try trimmedText()
                    case .includedInSum: priceType.taxIncluded = Self.bool(try text())
                    default: try parser.skipElement()
                    }
                }
            default: try parser.skipElement()
            }
        }
        guard !priceType.id.isEmpty else {
            missingID("ТипЦены", line: line)
            return nil
        }
        return priceType
    }

    func readWarehouse() throws -> CommerceML.Warehouse? {
        let line = parser.line
        var warehouse = CommerceML.Warehouse(id: "", contacts: [], isDeleted: false, line: line)
        try children { tag, _ in
            switch tag {
            case .id: warehouse.id = try text()
            case .name: warehouse.name = try trimmedText()
            case .version: warehouse.version = try text()
            case .markedForDeletion: warehouse.isDeleted = Self.bool(try text()) ?? false
            case .comment: warehouse.comment = try trimmedText()
            case .address: warehouse.address = try readAddress(kind: "Адрес")
            case .contacts: warehouse.contacts = try readContacts()
            default: try parser.skipElement()
            }
        }
        guard !warehouse.id.isEmpty else {
            missingID("Склад", line: line)
            return nil
        }
        return warehouse
    }

    func readUnitOfMeasure() throws -> CommerceML.UnitOfMeasure? {
        let line = parser.line
        var unit = CommerceML.UnitOfMeasure(id: "", isDeleted: false, line: line)
        try children { tag, _ in
            switch tag {
            case .id: unit.id = try text()
            case .code: unit.code = try trimmedText()
            case .shortName: unit.shortName = try trimmedText()
            case .fullUnitName: unit.fullName = try trimmedText()
            case .internationalAbbreviation: unit.internationalAbbreviation = try trimmedText()
            case .markedForDeletion: unit.isDeleted = Self.bool(try text()) ?? false
            default: try parser.skipElement()
            }
        }
        guard !unit.id.isEmpty else {
            missingID("ЕдиницаИзмерения", line: line)
            return nil
        }
        return unit
    }

    // MARK: Catalog

    func readProduct(_ attributes: [XMLAttribute]) throws -> CommerceML.Product? {
        let line = parser.line
        var product = CommerceML.Product(id: "", line: line)
        product.status = attribute(.status, in: attributes).flatMap(Self.trimmed)
        try children { tag, attributes in
            switch tag {
            case .id: product.id = try text()
            case .version: product.version = try text()
            case .markedForDeletion: product.markedForDeletion = Self.bool(try text())
            case .barcode: product.barcode = try trimmedText()
            case .article: product.article = try trimmedText()
            case .name: product.name = try trimmedText()
            case .fullName: product.fullName = try trimmedText()
            case .baseUnit: product.baseUnit = try readUnit(attributes, field: "Товар/БазоваяЕдиница")
            case .groups:
                try children { child, _ in
                    if child == .id { product.groupIDs.append(try text()) } else { try parser.skipElement() }
                }
            case .category:
                if let id = try trimmedText() { product.groupIDs.append(id) }
            case .description: product.description = try trimmedText()
            case .image: if let path = try trimmedText() { product.images.append(path) }
            case .manufacturer:
                var manufacturer = CommerceML.Manufacturer()
                let own = try children { field, _ in
                    switch field {
                    case .id: manufacturer.id = try text()
                    case .name: manufacturer.name = try trimmedText()
                    default: try parser.skipElement()
                    }
                }
                if manufacturer.name == nil { manufacturer.name = Self.trimmed(own) }
                if manufacturer.id != nil || manufacturer.name != nil { product.manufacturer = manufacturer }
            case .brand: product.brand = try trimmedText()
            case .country: product.country = try trimmedText()
            case .propertyValues: product.propertyValues += try readPropertyValues()
            case .taxRates: product.taxRates += try readTaxRates()
            case .characteristics: product.characteristics += try readCharacteristics()
            case .requisites: product.requisites += try readRequisites()
            case .weight: product.weight = try numberText(field: "Товар/Вес")
            default: try parser.skipElement()
            }
        }
        for requisite in product.requisites where requisite.name == "ОписаниеФайла" {
            let parts = requisite.value.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
            guard let path = parts.first.flatMap({ Self.trimmed(String($0)) }) else { continue }
            product.files.append(
                CommerceML.FileReference(path: path, caption: parts.count > 1 ? Self.trimmed(String(parts[1])) : nil))
        }
        guard !product.id.isEmpty else {
            missingID("Товар", line: line)
            return nil
        }
        return product
    }

    /// A unit in any of its three shapes (see `CommerceML.Unit`).
    func readUnit(_ attributes: [XMLAttribute], field: String) throws -> CommerceML.Unit {
        var unit = CommerceML.Unit()
        unit.code = attribute(.code, in: attributes).flatMap(Self.trimmed)
        unit.fullName = attribute(.fullUnitName, in: attributes).flatMap(Self.trimmed)
        unit.internationalAbbreviation = attribute(.internationalAbbreviation, in: attributes).flatMap(Self.trimmed)
        let own = try children { tag, _ in
            switch tag {
            case .conversion:
                var target: String?
                var coefficient: String?
                try children { child, _ in
                    switch child {
                    case .unit: target = try trimmedText()
                    case .coefficient: coefficient = try numberText(field: field + "/Пересчет/Коэффициент")
                    default: try parser.skipElement()
                    }
                }
                if let target {
                    unit.conversions.append(CommerceML.UnitConversion(unit: target, coefficient: coefficient))
                }
            case .code: unit.code = try trimmedText()
            case .id: if unit.code == nil { unit.code = try trimmedText() } else { try parser.skipElement() }
            case .shortName: unit.name = try trimmedText()
            case .fullUnitName: unit.fullName = try trimmedText()
            case .internationalAbbreviation: unit.internationalAbbreviation = try trimmedText()
            default: try parser.skipElement()
            }
        }
        if let text = Self.trimmed(own) {
            // 3.1 writes the bare code ("796 ", "2009"); 2.x the short name with a Код attribute.
            if unit.code == nil, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
                unit.code = text
            } else {
                unit.name = text
            }
        }
        return unit
    }

    func readPropertyValues() throws -> [CommerceML.PropertyValue] {
        var result: [CommerceML.PropertyValue] = []
        try children { tag, _ in
            guard tag == .propertyValue else { return try parser.skipElement() }
            var id = ""
            var values: [String] = []
            try children { field, _ in
                switch field {
                case .id: id = try text()
                case .value, .valueID:
                    let value = try text()
                    if Self.trimmed(value) != nil { values.append(value) }
                default: try parser.skipElement()
                }
            }
            if !id.isEmpty { result.append(CommerceML.PropertyValue(propertyID: id, values: values)) }
        }
        return result
    }

    func readTaxRates() throws -> [CommerceML.TaxRate] {
        var result: [CommerceML.TaxRate] = []
        try children { tag, _ in
            guard tag == .taxRate else { return try parser.skipElement() }
            var rate = CommerceML.TaxRate(name: "")
            try children { field, _ in
                switch field {
                case .name: rate.name = try trimmedText() ?? ""
                case .rate: rate.rate = try trimmedText()
                default: try parser.skipElement()
                }
            }
            result.append(rate)
        }
        return result
    }

    func readCharacteristics() throws -> [CommerceML.Characteristic] {
        var result: [CommerceML.Characteristic] = []
        try children { tag, _ in
            guard tag == .characteristic else { return try parser.skipElement() }
            var characteristic = CommerceML.Characteristic(name: "", value: "")
            try children { field, _ in
                switch field {
                case .id: characteristic.id = try text()
                case .name: characteristic.name = try trimmedText() ?? ""
                case .value: characteristic.value = try trimmedText() ?? ""
                default: try parser.skipElement()
                }
            }
            result.append(characteristic)
        }
        return result
    }

    func readRequisites() throws -> [CommerceML.NameValue] {
        var result: [CommerceML.NameValue] = []
        try children { tag, _ in
            guard tag == .requisite else { return try parser.skipElement() }
            var name = ""
            var value: String?
            try children { field, _ in
                switch field {
                case .name: name = try trimmedText() ?? ""
                case .value:
                    let text = try text()
                    if value == nil { value = text } else { value! += "\n" + text }
                default: try parser.skipElement()
                }
            }
            if !name.isEmpty { result.append(CommerceML.NameValue(name: name, value: value ?? "")) }
        }
        return result
    }

    // MARK: Offers

    func readOffer() throws -> CommerceML.Offer? {
        let line = parser.line
        var offer = CommerceML.Offer(id: "", line: line)
        var characteristicID: String?
        func readStock(_ attributes: [XMLAttribute]) throws {
            var warehouseID = attribute(.warehouseID, in: attributes)
            var quantity = attribute(.quantityInWarehouse, in: attributes).flatMap {
                number($0, field: "Предложение/Склад@КоличествоНаСкладе")
            }
            try children { field, attributes in
                switch field {
                case .id: warehouseID = try text()
                case .quantity: quantity = try numberText(field: "Предложение/Остатки/Остаток/Склад/Количество")
                case .warehouse: try readStock(attributes)
                default: try parser.skipElement()
                }
            }
            if let warehouseID, !warehouseID.isEmpty {
                offer.stocks.append(CommerceML.Stock(warehouseID: warehouseID, quantity: quantity))
            }
        }
        try children { tag, attributes in
            switch tag {
            case .id: offer.id = CommerceML.ItemID(try text())
            case .characteristicID: characteristicID = try text()
            case .version: offer.version = try text()
            case .markedForDeletion: offer.markedForDeletion = Self.bool(try text())
            case .barcode: offer.barcode = try trimmedText()
            case .article: offer.article = try trimmedText()
            case .name: offer.name = try trimmedText()
            case .baseUnit: offer.baseUnit = try readUnit(attributes, field: "Предложение/БазоваяЕдиница")
            case .characteristics: offer.characteristics += try readCharacteristics()
            case .propertyValues: offer.propertyValues += try readPropertyValues()
            case .prices:
                try children { child, _ in
                    if child == .price, let price = try readPrice() {
                        offer.prices.append(price)
                    } else if child != .price {
                        try parser.skipElement()
                    }
                }
            case .quantity: offer.quantity = try numberText(field: "Предложение/Количество")
            case .warehouse, .warehouses: try readStock(attributes)
            case .rests:
                try children { child, _ in
                    guard child == .rest else { return try parser.skipElement() }
                    try children { field, attributes in
                        switch field {
                        case .warehouse: try readStock(attributes)
                        case .quantity: offer.quantity = try numberText(field: "Предложение/Остатки/Остаток/Количество")
                        default: try parser.skipElement()
                        }
                    }
                }
            default: try parser.skipElement()
            }
        }
        if let characteristicID, !characteristicID.isEmpty, offer.id.variantID == nil, !offer.id.raw.isEmpty {
            offer.id = CommerceML.ItemID(offer.id.productID + "#" + characteristicID)
        }
        guard !offer.id.raw.isEmpty else {
            missingID("Предложение", line: line)
            return nil
        }
        return offer
    }

    private func readPrice() throws -> CommerceML.Price? {
        var price = CommerceML.Price(priceTypeID: "")
        try children { tag, _ in
            switch tag {
            case .priceTypeID: price.priceTypeID = try text()
            case .pricePerUnit: price.value = try numberText(field: "Предложение/Цены/Цена/ЦенаЗаЕдиницу")
            case .currency: price.currency = try trimmedText()
            case .unit: price.unit = try readUnitName()
            case .coefficient: price.coefficient = try numberText(field: "Предложение/Цены/Цена/Коэффициент")
            case .minQuantity: price.minQuantity = try numberText(field: "Предложение/Цены/Цена/МинКоличество")
            case .presentation: price.presentation = try text()
            case .tax:
                try children { field, _ in
                    switch field {
                    case .name: price.taxName = try trimmedText()
                    case .includedInSum: price.taxIncluded = Self.bool(try text())
                    default: try parser.skipElement()
                    }
                }
            default: try parser.skipElement()
            }
        }
        return price.priceTypeID.isEmpty && price.value == nil ? nil : price
    }

    /// `Единица` as text ("шт", "796", "PCE") or as an element with `Код`/`НаименованиеКраткое`.
    private func readUnitName() throws -> String? {
        var name: String?
        var code: String?
        let own = try children { tag, _ in
            switch tag {
            case .shortName: name = try trimmedText()
            case .code: code = try trimmedText()
            default: try parser.skipElement()
            }
        }
        return Self.trimmed(own) ?? name ?? code
    }

    // MARK: Counterparties

    func readCounterparty() throws -> CommerceML.Counterparty? {
        let line = parser.line
        var counterparty = CommerceML.Counterparty(id: "", line: line)
        func readFields() throws {
            try children { tag, _ in
                switch tag {
                case .id: counterparty.id = try text()
                case .version: counterparty.version = try text()
                case .markedForDeletion: counterparty.markedForDeletion = Self.bool(try text())
                case .name: counterparty.name = try trimmedText()
                case .fullName: counterparty.fullName = try trimmedText()
                case .officialName: counterparty.officialName = try trimmedText()
                case .role: counterparty.role = try trimmedText()
                case .inn: counterparty.inn = try trimmedText()
                case .kpp: counterparty.kpp = try trimmedText()
                case .okpo: counterparty.okpo = try trimmedText()
                case .lastName: counterparty.lastName = try trimmedText()
                case .firstName: counterparty.firstName = try trimmedText()
                case .middleName: counterparty.middleName = try trimmedText()
                case .address: counterparty.addresses.append(try readAddress(kind: "Адрес"))
                case .registrationAddress: counterparty.addresses.append(try readAddress(kind: "АдресРегистрации"))
                case .legalAddress: counterparty.addresses.append(try readAddress(kind: "ЮридическийАдрес"))
                case .actualAddress: counterparty.addresses.append(try readAddress(kind: "ФактическийАдрес"))
                case .contacts: counterparty.contacts += try readContacts()
                case .representatives: counterparty.representatives += try readRepresentatives()
                case .legalEntity, .person: try readFields()
                default: try parser.skipElement()
                }
            }
        }
        try readFields()
        guard !counterparty.id.isEmpty else {
            missingID("Контрагент", line: line)
            return nil
        }
        return counterparty
    }

    func readAddress(kind: String) throws -> CommerceML.Address {
        var address = CommerceML.Address(kind: kind, fields: [])
        let own = try children { tag, _ in
            switch tag {
            case .presentation: address.presentation = try trimmedText()
            case .addressField:
                var type = ""
                var value = ""
                try children { field, _ in
                    switch field {
                    case .type: type = try trimmedText() ?? ""
                    case .value: value = try trimmedText() ?? ""
                    default: try parser.skipElement()
                    }
                }
                address.fields.append(CommerceML.NameValue(name: type, value: value))
            default: try parser.skipElement()
            }
        }
        if address.presentation == nil { address.presentation = Self.trimmed(own) }
        return address
    }

    func readContacts() throws -> [CommerceML.Contact] {
        var result: [CommerceML.Contact] = []
        try children { tag, _ in
            guard tag == .contact else { return try parser.skipElement() }
            var type = ""
            var value = ""
            try children { field, _ in
                switch field {
                case .type: type = try trimmedText() ?? ""
                case .value: value = try trimmedText() ?? ""
                default: try parser.skipElement()
                }
            }
            if !value.isEmpty { result.append(CommerceML.Contact(type: type, value: value)) }
        }
        return result
    }

    private func readRepresentatives() throws -> [CommerceML.Representative] {
        var result: [CommerceML.Representative] = []
        try children { tag, _ in
            guard tag == .representative else { return try parser.skipElement() }
            var representative = CommerceML.Representative()
            func readFields() throws {
                try children { field, _ in
                    switch field {
                    case .relation: representative.relation = try trimmedText()
                    case .id: representative.id = try text()
                    case .name: representative.name = try trimmedText()
                    case .counterparty: try readFields()  // 2.03 nests them in Контрагент
                    default: try parser.skipElement()
                    }
                }
            }
            try readFields()
            result.append(representative)
        }
        return result
    }

    // MARK: Documents

    func readDocument() throws -> CommerceML.Document? {
        let line = parser.line
        var document = CommerceML.Document(id: "", line: line)
        try children { tag, _ in
            switch tag {
            case .id: document.id = try text()
            case .version: document.version = try text()
            case .markedForDeletion: document.markedForDeletion = Self.bool(try text())
            case .number: document.number = try trimmedText()
            case .number1C: document.number1C = try trimmedText()
            case .date: document.date = try trimmedText()
            case .date1C: document.date1C = try trimmedText()
            case .time: document.time = try trimmedText()
            case .operation: document.operation = try trimmedText()
            case .role: document.role = try trimmedText()
            case .currency: document.currency = try trimmedText()
            case .exchangeRate: document.rate = try numberText(field: "Документ/Курс")
            case .sum: document.sum = try numberText(field: "Документ/Сумма")
            case .comment: document.comment = try trimmedText()
            case .counterparties:
                try children { child, _ in
                    if child == .counterparty, let counterparty = try readCounterparty() {
                        document.counterparties.append(counterparty)
                    } else if child != .counterparty {
                        try parser.skipElement()
                    }
                }
            case .warehouses:
                try children { child, attributes in
                    guard child == .warehouse else { return try parser.skipElement() }
                    var id = attribute(.warehouseID, in: attributes)
                    try children { field, _ in
                        if field == .id { id = try text() } else { try parser.skipElement() }
                    }
                    if let id, !id.isEmpty { document.warehouseIDs.append(id) }
                }
            case .taxes: document.taxes += try readTaxes(field: "Документ/Налоги/Налог")
            case .products:
                try children { child, _ in
                    if child == .product, let line = try readDocumentLine() {
                        document.lines.append(line)
                    } else if child != .product {
                        try parser.skipElement()
                    }
                }
            case .requisites: document.requisites += try readRequisites()
            default: try parser.skipElement()
            }
        }
        guard !document.id.isEmpty else {
            missingID("Документ", line: line)
            return nil
        }
        return document
    }

    private func readDocumentLine() throws -> CommerceML.DocumentLine? {
        let line = parser.line
        var item = CommerceML.DocumentLine(id: "", line: line)
        try children { tag, attributes in
            switch tag {
            case .id: item.id = CommerceML.ItemID(try text())
            case .catalogID: item.catalogID = try text()
            case .article: item.article = try trimmedText()
            case .name: item.name = try trimmedText()
            case .baseUnit, .unit: item.unit = try readUnit(attributes, field: "Документ/Товары/Товар/Единица")
            case .coefficient: item.coefficient = try numberText(field: "Документ/Товары/Товар/Коэффициент")
            case .quantity: item.quantity = try numberText(field: "Документ/Товары/Товар/Количество")
            case .pricePerUnit, .price: item.price = try numberText(field: "Документ/Товары/Товар/Цена")
            case .sum: item.sum = try numberText(field: "Документ/Товары/Товар/Сумма")
            case .characteristics: item.characteristics += try readCharacteristics()
            case .taxRates: item.taxRates += try readTaxRates()
            case .taxes: item.taxes += try readTaxes(field: "Документ/Товары/Товар/Налоги/Налог")
            case .requisites: item.requisites += try readRequisites()
            default: try parser.skipElement()
            }
        }
        guard !item.id.raw.isEmpty else {
            missingID("Документ/Товары/Товар", line: line)
            return nil
        }
        return item
    }

    private func readTaxes(field: String) throws -> [CommerceML.Tax] {
        var result: [CommerceML.Tax] = []
        try children { tag, _ in
            guard tag == .tax else { return try parser.skipElement() }
            var tax = CommerceML.Tax(name: "")
            try children { child, _ in
                switch child {
                case .name: tax.name = try trimmedText() ?? ""
                case .includedInSum: tax.includedInSum = Self.bool(try text())
                case .sum: tax.sum = try numberText(field: field + "/Сумма")
                case .rate: tax.rate = try trimmedText()
                default: try parser.skipElement()
                }
            }
            result.append(tax)
        }
        return result
    }
}
