import Foundation

/// Reads a CommerceML 2.03–2.10 or 3.1 document (1C's `КоммерческаяИнформация`) as a stream of
/// typed records, without holding the catalog in memory: only the record being read is.
///
/// ```swift
/// let reader = CommerceMLReader(reading: handle)
/// while let record = try reader.next() {
///     switch record {
///     case .product(let product): …
///     case .offer(let offer): …
///     case .issue(let issue): report(issue)
///     default: break
///     }
/// }
/// ```
///
/// Elements are matched by local name (namespaces and prefixes vary between 1C versions) and in
/// any order; unknown elements are skipped. The file may carry any combination of sections
/// (`Классификатор`, `Каталог`, `ПакетПредложений`, `ИзмененияПакетаПредложений`,
/// `Контрагенты`, `Документ`, `Контейнер/Документ`), as real 1C files do. A file whose root is not
/// `КоммерческаяИнформация` is refused (`cml.not_commerceml`); XML errors are thrown as they are.
public final class CommerceMLReader {
    let parser: XMLPullParser
    private var tagByID: [Tag] = []
    private var contexts: [Context] = []
    private var section: SectionState?
    private var queue: [CommerceML.Record] = []
    private var queueHead = 0
    private var pendingIssues: [ExchangeIssue] = []
    private var done = false

    /// The root's attributes, once the first record has been read.
    public private(set) var header: CommerceML.Header?

    private enum Context {
        case root, container, section, properties(groupID: String?), priceTypes, warehouses, units, products, offers
    }

    private struct SectionState {
        var value: CommerceML.Section
        var emitted = false
    }

    public init(parser: XMLPullParser) {
        self.parser = parser
        for tag in Tag.allCases where tag != .unknown {
            let id = parser.nameID(tag.rawValue)
            if id >= tagByID.count {
                tagByID.append(contentsOf: repeatElement(.unknown, count: id - tagByID.count + 1))
            }
            tagByID[id] = tag
        }
    }

    public convenience init(input: ExchangeInput, limits: XMLLimits = XMLLimits()) {
        self.init(parser: XMLPullParser(input: input, limits: limits))
    }

    public convenience init(data: Data, limits: XMLLimits = XMLLimits()) {
        self.init(input: .data(data), limits: limits)
    }

    public convenience init(reading handle: FileHandle, limits: XMLLimits = XMLLimits()) {
        self.init(input: .fileHandle(handle), limits: limits)
    }

    /// The input line the reader has reached.
    public var line: Int { parser.line }
    /// Bytes pulled from the input so far (for progress against the file size).
    public var bytesRead: Int { parser.bytesRead }
    /// The file's encoding (after the first record).
    public var encoding: XMLPullParser.Encoding { parser.encoding }

    /// The next record, or nil at the end of the document.
    public func next() throws -> CommerceML.Record? {
        while queueHead >= queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
            if done { return nil }
            try step()
        }
        defer { queueHead += 1 }
        return queue[queueHead]
    }

    /// Calls `body` with every remaining record.
    public func forEach(_ body: (CommerceML.Record) throws -> Void) throws {
        while let record = try next() { try body(record) }
    }

    // MARK: Driving

    func step() throws {
        guard let event = try parser.next() else {
            if contexts.isEmpty { throw ExchangeError(.notCommerceML, line: parser.line, "The file has no content.") }
            done = true
            return
        }
        switch event {
        case .text:
            return
        case .endElement:
            if case .section = contexts.popLast() {
                emitSection()
                section = nil
            }
            if contexts.isEmpty { done = true }
        case .startElement(let name, let attributes):
            try handleStart(tag(name), name, attributes)
        }
    }

    func handleStart(_ tag: Tag, _ name: XMLName, _ attributes: [XMLAttribute]) throws {
        guard let context = contexts.last else {
            guard tag == .root else {
                throw ExchangeError(
                    .notCommerceML, line: parser.line,
                    "The root element is <\(name.qualified)>, not <КоммерческаяИнформация>: this is not a CommerceML file."
                )
            }
            let header = CommerceML.Header(
                schemaVersion: attribute(.schemaVersion, in: attributes),
                generatedAt: attribute(.generatedAt, in: attributes),
                namespace: attributes.first { $0.name.qualified == "xmlns" }?.value)
            self.header = header
            emit(.header(header))
            contexts.append(.root)
            return
        }
        switch context {
        case .root, .container:
            switch tag {
            case .classifier: openSection(.classifier, attributes)
            case .catalog: openSection(.catalog, attributes)
            case .offerPackage: openSection(.offerPackage, attributes)
            case .offerChanges: openSection(.offerChanges, attributes)
            case .counterparties: openSection(.counterparties, attributes)
            case .container: contexts.append(.container)
            case .document:
                let document = try readDocument()
                emit(document.map { .document($0) })
            default: try parser.skipElement()
            }
        case .section:
            try handleSectionChild(tag, attributes)
        case .properties(let groupID):
            if tag == .property {
                emit(try readProperty(groupID: groupID).map { .property($0) })
            } else {
                try parser.skipElement()
            }
        case .priceTypes:
            if tag == .priceType { emit(try readPriceType().map { .priceType($0) }) } else { try parser.skipElement() }
        case .warehouses:
            if tag == .warehouse { emit(try readWarehouse().map { .warehouse($0) }) } else { try parser.skipElement() }
        case .units:
            if tag == .unitOfMeasure {
                emit(try readUnitOfMeasure().map { .unit($0) })
            } else {
                try parser.skipElement()
            }
        case .products:
            if tag == .product {
                emit(try readProduct(attributes).map { .product($0) })
            } else {
                try parser.skipElement()
            }
        case .offers:
            if tag == .offer { emit(try readOffer().map { .offer($0) }) } else { try parser.skipElement() }
        }
    }

    func openSection(_ kind: CommerceML.Section.Kind, _ attributes: [XMLAttribute]) {
        section = SectionState(
            value: CommerceML.Section(
                kind: kind, containsOnlyChanges: attribute(.containsOnlyChanges, in: attributes).flatMap(Self.bool),
                line: parser.line))
        contexts.append(.section)
    }

    func emitSection() {
        guard let state = section, !state.emitted else { return }
        section?.emitted = true
        queue.append(.section(state.value))
    }

    func handleSectionChild(_ tag: Tag, _ attributes: [XMLAttribute]) throws {
        switch tag {
        case .id: section?.value.id = try text()
        case .name: section?.value.name = try trimmedText()
        case .classifierID: section?.value.classifierID = try text()
        case .catalogID: section?.value.catalogID = try text()
        case .containsOnlyChanges: section?.value.containsOnlyChanges = Self.bool(try text())
        case .groups, .categories:
            emitSection()
            try readGroupList(parentID: nil)
        case .properties:
            emitSection()
            contexts.append(.properties(groupID: nil))
        case .priceTypes:
            emitSection()
            contexts.append(.priceTypes)
        case .warehouses:
            emitSection()
            contexts.append(.warehouses)
        case .unitsOfMeasure:
            emitSection()
            contexts.append(.units)
        case .products:
            emitSection()
            contexts.append(.products)
        case .offers:
            emitSection()
            contexts.append(.offers)
        case .counterparty where section?.value.kind == .counterparties:
            emitSection()
            emit(try readCounterparty().map { .counterparty($0) })
        default:
            try parser.skipElement()
        }
    }

    /// Queues `record` followed by the issues found while reading it.
    func emit(_ record: CommerceML.Record?) {
        if let record { queue.append(record) }
        guard !pendingIssues.isEmpty else { return }
        let id = record.flatMap(Self.recordID)
        for var issue in pendingIssues {
            if issue.recordID == nil { issue.recordID = id }
            queue.append(.issue(issue))
        }
        pendingIssues.removeAll(keepingCapacity: true)
    }

    static func recordID(_ record: CommerceML.Record) -> String? {
        switch record {
        case .group(let value): value.id
        case .property(let value): value.id
        case .priceType(let value): value.id
        case .warehouse(let value): value.id
        case .unit(let value): value.id
        case .product(let value): value.id
        case .offer(let value): value.id.raw
        case .counterparty(let value): value.id
        case .document(let value): value.id
        case .settlement(let value): value.id
        case .accountingDocument(let value): value.id
        case .agreement(let value): value.id
        case .creditLine(let value): value.id
        case .paymentSchedule(let value): value.id
        case .header, .section, .issue: nil
        }
    }

    // MARK: Reading helpers

    @inline(__always)
    func tag(_ name: XMLName) -> Tag {
        name.localID < tagByID.count ? tagByID[name.localID] : .unknown
    }

    func attribute(_ tag: Tag, in attributes: [XMLAttribute]) -> String? {
        attributes.first { self.tag($0.name) == tag }?.value
    }

    /// Walks the children of the element just started, until its end tag. `body` gets each child
    /// and must consume it (read its text, walk its children, or skip it). Returns the element's
    /// own text, if any.
    @discardableResult
    func children(_ body: (Tag, [XMLAttribute]) throws -> Void) throws -> String {
        var own = ""
        while let event = try parser.next() {
            switch event {
            case .startElement(let name, let attributes): try body(tag(name), attributes)
            case .endElement: return own
            case .text(let text): own += text
            }
        }
        return own
    }

    /// The text of the element just started (child elements are skipped).
    func text() throws -> String {
        var result = ""
        while let event = try parser.next() {
            switch event {
            case .text(let text): result += text
            case .startElement: try parser.skipElement()
            case .endElement: return result
            }
        }
        return result
    }

    func trimmedText() throws -> String? {
        Self.trimmed(try text())
    }

    /// `text` without leading and trailing whitespace (ASCII and no-break spaces); nil when
    /// nothing is left. Returns `text` itself (no copy) when there is nothing to trim.
    static func trimmed(_ text: String) -> String? {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return nil }
        if !isSpace(first) && !isSpace(last) && first != 0xC2 && last != 0xA0 { return text }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 10 || byte == 13 || byte == 9 }

    static func bool(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "true", "1", "да", "истина", "yes": true
        case "false", "0", "нет", "ложь", "no": false
        default: nil
        }
    }

    /// A canonical decimal from `raw`; nil for empty text, and an issue for anything unreadable.
    func number(_ raw: String, field: String) -> String? {
        guard let trimmed = Self.trimmed(raw) else { return nil }
        if let canonical = DecimalText.canonical(trimmed) { return canonical }
        pendingIssues.append(ExchangeIssue(.badNumber, line: parser.line, field: field, value: raw, recordID: nil))
        return nil
    }

    func numberText(field: String) throws -> String? {
        number(try text(), field: field)
    }

    func missingID(_ element: String, line: Int) {
        pendingIssues.append(ExchangeIssue(.missingID, line: line, field: element, value: "", recordID: nil))
    }
}

// MARK: - Names

extension CommerceMLReader {
    /// Every element and attribute name the reader understands.
    enum Tag: String, CaseIterable {
        case unknown = ""
        // Root and sections
        case root = "КоммерческаяИнформация"
        case schemaVersion = "ВерсияСхемы"
        case generatedAt = "ДатаФормирования"
        case classifier = "Классификатор"
        case catalog = "Каталог"
        case offerPackage = "ПакетПредложений"
        case offerChanges = "ИзмененияПакетаПредложений"
        case counterparties = "Контрагенты"
        case counterparty = "Контрагент"
        case container = "Контейнер"
        case document = "Документ"
        case containsOnlyChanges = "СодержитТолькоИзменения"
        // Common
        case id = "Ид"
        case name = "Наименование"
        case version = "НомерВерсии"
        case markedForDeletion = "ПометкаУдаления"
        case classifierID = "ИдКлассификатора"
        case catalogID = "ИдКаталога"
        case description = "Описание"
        case comment = "Комментарий"
        case value = "Значение"
        case type = "Тип"
        // Classifier
        case groups = "Группы"
        case group = "Группа"
        case categories = "Категории"
        case category = "Категория"
        case properties = "Свойства"
        case property = "Свойство"
        case valueType = "ТипЗначений"
        case valueTypes = "ТипыЗначений"
        case valueVariants = "ВариантыЗначений"
        case valueVariant = "ВариантЗначения"
        case referenceValue = "Справочник"
        case valueID = "ИдЗначения"
        case multiple = "Множественное"
        case forProducts = "ДляТоваров"
        case forOffers = "ДляПредложений"
        case forDocuments = "ДляДокументов"
        case priceTypes = "ТипыЦен"
        case priceType = "ТипЦены"
        case currency = "Валюта"
        case tax = "Налог"
        case taxes = "Налоги"
        case includedInSum = "УчтеноВСумме"
        case warehouses = "Склады"
        case warehouse = "Склад"
        case unitsOfMeasure = "ЕдиницыИзмерения"
        case unitOfMeasure = "ЕдиницаИзмерения"
        case code = "Код"
        case shortName = "НаименованиеКраткое"
        case fullUnitName = "НаименованиеПолное"
        case internationalAbbreviation = "МеждународноеСокращение"
        // Products
        case products = "Товары"
        case product = "Товар"
        case status = "Статус"
        case barcode = "Штрихкод"
        case article = "Артикул"
        case fullName = "ПолноеНаименование"
        case baseUnit = "БазоваяЕдиница"
        case conversion = "Пересчет"
        case unit = "Единица"
        case coefficient = "Коэффициент"
        case image = "Картинка"
        case manufacturer = "Изготовитель"
        case brand = "ТорговаяМарка"
        case country = "Страна"
        case propertyValues = "ЗначенияСвойств"
        case propertyValue = "ЗначенияСвойства"
        case taxRates = "СтавкиНалогов"
        case taxRate = "СтавкаНалога"
        case rate = "Ставка"
        case characteristics = "ХарактеристикиТовара"
        case characteristic = "ХарактеристикаТовара"
        case requisites = "ЗначенияРеквизитов"
        case requisite = "ЗначениеРеквизита"
        case weight = "Вес"
        // Offers
        case offers = "Предложения"
        case offer = "Предложение"
        case characteristicID = "ИдХарактеристики"
        case prices = "Цены"
        case price = "Цена"
        case presentation = "Представление"
        case priceTypeID = "ИдТипаЦены"
        case pricePerUnit = "ЦенаЗаЕдиницу"
        case minQuantity = "МинКоличество"
        case quantity = "Количество"
        case rests = "Остатки"
        case rest = "Остаток"
        case warehouseID = "ИдСклада"
        case quantityInWarehouse = "КоличествоНаСкладе"
        // Counterparties
        case officialName = "ОфициальноеНаименование"
        case role = "Роль"
        case inn = "ИНН"
        case kpp = "КПП"
        case okpo = "КодПоОКПО"
        case lastName = "Фамилия"
        case firstName = "Имя"
        case middleName = "Отчество"
        case address = "Адрес"
        case registrationAddress = "АдресРегистрации"
        case legalAddress = "ЮридическийАдрес"
        case actualAddress = "ФактическийАдрес"
        case addressField = "АдресноеПоле"
        case contacts = "Контакты"
        case contact = "Контакт"
        case representatives = "Представители"
        case representative = "Представитель"
        case relation = "Отношение"
        case legalEntity = "ЮридическоеЛицо"
        case person = "ФизическоеЛицо"
        // Documents
        case number = "Номер"
        case number1C = "Номер1С"
        case date = "Дата"
        case date1C = "Дата1С"
        case time = "Время"
        case operation = "ХозОперация"
        case exchangeRate = "Курс"
        case sum = "Сумма"
    }
}
