import Foundation

/// Writes a synthetic but realistic CommerceML 2.08 package (`import.xml` with classifier and
/// catalog, `offers.xml` with prices and stock) for tests and benchmarks.
///
/// Deterministic: the same options give the same bytes on every machine (no clock, no system
/// random). Russian names, GUID ids, `Справочник` properties whose values products refer to by
/// `ИдЗначения`, several price types and warehouses, as UT 11 writes them. Output goes to a
/// sink in chunks of about 256 KB, so a 100 000-product file never sits in memory.
public struct CommerceMLGenerator: Sendable {
    public var seed: UInt64
    public var products: Int
    public var propertiesPerProduct: Int
    public var priceTypes: Int
    public var warehouses: Int
    /// Varies prices and stock of `offers.xml` (ids, names and the catalog stay the same): the
    /// next price list of the same catalog, for update benchmarks. 0 is the original.
    public var priceVariant: UInt64 = 0

    public init(seed: UInt64, products: Int, propertiesPerProduct: Int, priceTypes: Int = 3, warehouses: Int = 3) {
        precondition(products >= 0 && propertiesPerProduct >= 0 && priceTypes >= 1 && warehouses >= 0)
        self.seed = seed
        self.products = products
        self.propertiesPerProduct = propertiesPerProduct
        self.priceTypes = priceTypes
        self.warehouses = warehouses
    }

    /// What the generated files contain, for tests that read them back.
    public struct Summary: Sendable, Equatable {
        public var groups: Int
        public var properties: Int
        public var referenceValues: Int
        public var products: Int
        public var propertyValues: Int
        public var priceTypes: Int
        public var warehouses: Int
        public var offers: Int
        public var prices: Int
        public var stockEntries: Int
    }

    public var summary: Summary {
        Summary(
            groups: groupCount, properties: propertiesPerProduct,
            referenceValues: (0..<propertiesPerProduct).reduce(0) { $0 + valueCount(ofProperty: $1) },
            products: products, propertyValues: products * propertiesPerProduct, priceTypes: priceTypes,
            warehouses: warehouses, offers: products, prices: products * priceTypes, stockEntries: products * warehouses
        )
    }

    /// The `Ид` of product `index` (0-based).
    public func productID(_ index: Int) -> String { String(decoding: guid(.product, index), as: UTF8.self) }

    // MARK: Files

    public func writeImport(to handle: FileHandle) throws {
        try writeImport { try handle.write(contentsOf: $0) }
    }

    public func writeOffers(to handle: FileHandle) throws {
        try writeOffers { try handle.write(contentsOf: $0) }
    }

    /// `import.xml`: classifier (groups, properties with reference values) and catalog.
    public func writeImport(to sink: (Data) throws -> Void) throws {
        var out = Output()
        out.open()
        let classifierID = guid(.classifier, 0)
        out.raw("\t<Классификатор>\n\t\t<Ид>")
        out.bytes(classifierID)
        out.raw("</Ид>\n\t\t<Наименование>Классификатор (Основной каталог товаров)</Наименование>\n")
        out.raw("\t\t<Владелец>\n\t\t\t<Ид>")
        out.bytes(guid(.owner, 0))
        out.raw(
            "</Ид>\n\t\t\t<Наименование>ООО \"Оптовик\"</Наименование>\n\t\t\t<ИНН>7701234567</ИНН>\n\t\t</Владелец>\n")
        // Groups: a few roots, the rest one level below.
        out.raw("\t\t<Группы>\n")
        let roots = rootGroupCount
        for root in 0..<roots {
            out.raw("\t\t\t<Группа>\n\t\t\t\t<Ид>")
            out.bytes(guid(.group, root))
            out.raw("</Ид>\n\t\t\t\t<Наименование>")
            out.text(groupName(root))
            out.raw("</Наименование>\n")
            let children = Array(stride(from: roots + root, to: groupCount, by: roots))
            if !children.isEmpty {
                out.raw("\t\t\t\t<Группы>\n")
                for child in children {
                    out.raw("\t\t\t\t\t<Группа>\n\t\t\t\t\t\t<Ид>")
                    out.bytes(guid(.group, child))
                    out.raw("</Ид>\n\t\t\t\t\t\t<Наименование>")
                    out.text(groupName(child))
                    out.raw("</Наименование>\n\t\t\t\t\t</Группа>\n")
                }
                out.raw("\t\t\t\t</Группы>\n")
            }
            out.raw("\t\t\t</Группа>\n")
            try out.flushIfNeeded(sink)
        }
        out.raw("\t\t</Группы>\n\t\t<Свойства>\n")
        for property in 0..<propertiesPerProduct {
            out.raw("\t\t\t<Свойство>\n\t\t\t\t<Ид>")
            out.bytes(guid(.property, property))
            out.raw("</Ид>\n\t\t\t\t<Наименование>")
            out.text(propertyName(property))
            out.raw("</Наименование>\n\t\t\t\t<ТипЗначений>Справочник</ТипЗначений>\n\t\t\t\t<ВариантыЗначений>\n")
            for value in 0..<valueCount(ofProperty: property) {
                out.raw("\t\t\t\t\t<Справочник>\n\t\t\t\t\t\t<ИдЗначения>")
                out.bytes(guid(.value, property * 1000 + value))
                out.raw("</ИдЗначения>\n\t\t\t\t\t\t<Значение>")
                out.text(propertyValue(property, value))
                out.raw("</Значение>\n\t\t\t\t\t</Справочник>\n")
            }
            out.raw("\t\t\t\t</ВариантыЗначений>\n\t\t\t</Свойство>\n")
            try out.flushIfNeeded(sink)
        }
        out.raw("\t\t</Свойства>\n\t</Классификатор>\n")
        out.raw("\t<Каталог СодержитТолькоИзменения=\"false\">\n\t\t<Ид>")
        out.bytes(classifierID)
        out.raw("</Ид>\n\t\t<ИдКлассификатора>")
        out.bytes(classifierID)
        out.raw("</ИдКлассификатора>\n\t\t<Наименование>Основной каталог товаров</Наименование>\n\t\t<Товары>\n")
        let propertyIDs = (0..<propertiesPerProduct).map { guid(.property, $0) }
        let valueIDs = (0..<propertiesPerProduct).map { property in
            (0..<valueCount(ofProperty: property)).map { guid(.value, property * 1000 + $0) }
        }
        for index in 0..<products {
            let item = basics(index)
            var random = SeededGenerator(seed: streamSeed(.productDetails, index))
            out.raw("\t\t\t<Товар>\n\t\t\t\t<Ид>")
            out.bytes(item.id)
            out.raw("</Ид>\n\t\t\t\t<Штрихкод>")
            out.raw(ean13(index))
            out.raw("</Штрихкод>\n\t\t\t\t<Артикул>")
            out.text(item.article)
            out.raw("</Артикул>\n\t\t\t\t<Наименование>")
            out.text(item.name)
            out.raw(
                "</Наименование>\n\t\t\t\t<БазоваяЕдиница Код=\"796\" НаименованиеПолное=\"Штука\" МеждународноеСокращение=\"PCE\">шт</БазоваяЕдиница>\n"
            )
            out.raw("\t\t\t\t<Группы>\n\t\t\t\t\t<Ид>")
            out.bytes(guid(.group, item.group))
            out.raw("</Ид>\n\t\t\t\t</Группы>\n\t\t\t\t<Описание>")
            out.text(description(item, &random))
            out.raw("</Описание>\n\t\t\t\t<Картинка>import_files/")
            out.bytes(Array(item.id.prefix(2)))
            out.raw("/")
            out.bytes(item.id)
            out.raw(".jpg</Картинка>\n\t\t\t\t<ЗначенияСвойств>\n")
            for property in 0..<propertiesPerProduct {
                out.raw("\t\t\t\t\t<ЗначенияСвойства>\n\t\t\t\t\t\t<Ид>")
                out.bytes(propertyIDs[property])
                out.raw("</Ид>\n\t\t\t\t\t\t<Значение>")
                out.bytes(valueIDs[property][random.int(0...valueIDs[property].count - 1)])
                out.raw("</Значение>\n\t\t\t\t\t</ЗначенияСвойства>\n")
            }
            out.raw("\t\t\t\t</ЗначенияСвойств>\n\t\t\t\t<СтавкиНалогов>\n\t\t\t\t\t<СтавкаНалога>\n")
            out.raw("\t\t\t\t\t\t<Наименование>НДС</Наименование>\n\t\t\t\t\t\t<Ставка>20</Ставка>\n")
            out.raw("\t\t\t\t\t</СтавкаНалога>\n\t\t\t\t</СтавкиНалогов>\n\t\t\t\t<ЗначенияРеквизитов>\n")
            requisite(&out, "ВидНоменклатуры", groupName(item.group))
            requisite(&out, "ТипНоменклатуры", "Товар")
            requisite(&out, "Полное наименование", item.name)
            requisite(&out, "Вес", decimal(random.int(50...25_000), scale: 3))
            out.raw("\t\t\t\t</ЗначенияРеквизитов>\n\t\t\t</Товар>\n")
            try out.flushIfNeeded(sink)
        }
        out.raw("\t\t</Товары>\n\t</Каталог>\n")
        try out.close(sink)
    }

    /// `offers.xml`: price types, warehouses, one offer per product with every price and stock.
    public func writeOffers(to sink: (Data) throws -> Void) throws {
        var out = Output()
        out.open()
        let classifierID = guid(.classifier, 0)
        out.raw("\t<ПакетПредложений СодержитТолькоИзменения=\"false\">\n\t\t<Ид>")
        out.bytes(classifierID)
        out.raw(
            "#</Ид>\n\t\t<Наименование>Пакет предложений (Основной каталог товаров)</Наименование>\n\t\t<ИдКаталога>")
        out.bytes(classifierID)
        out.raw("</ИдКаталога>\n\t\t<ИдКлассификатора>")
        out.bytes(classifierID)
        out.raw("</ИдКлассификатора>\n\t\t<ТипыЦен>\n")
        let priceTypeIDs = (0..<priceTypes).map { guid(.priceType, $0) }
        for type in 0..<priceTypes {
            out.raw("\t\t\t<ТипЦены>\n\t\t\t\t<Ид>")
            out.bytes(priceTypeIDs[type])
            out.raw("</Ид>\n\t\t\t\t<Наименование>")
            out.text(priceTypeName(type))
            out.raw("</Наименование>\n\t\t\t\t<Валюта>RUB</Валюта>\n\t\t\t\t<Налог>\n")
            out.raw("\t\t\t\t\t<Наименование>НДС</Наименование>\n\t\t\t\t\t<УчтеноВСумме>true</УчтеноВСумме>\n")
            out.raw("\t\t\t\t</Налог>\n\t\t\t</ТипЦены>\n")
        }
        out.raw("\t\t</ТипыЦен>\n\t\t<Склады>\n")
        let warehouseIDs = (0..<warehouses).map { guid(.warehouse, $0) }
        for warehouse in 0..<warehouses {
            out.raw("\t\t\t<Склад>\n\t\t\t\t<Ид>")
            out.bytes(warehouseIDs[warehouse])
            out.raw("</Ид>\n\t\t\t\t<Наименование>")
            out.text(warehouseName(warehouse))
            out.raw("</Наименование>\n\t\t\t</Склад>\n")
        }
        out.raw("\t\t</Склады>\n\t\t<Предложения>\n")
        for index in 0..<products {
            let item = basics(index)
            var random = SeededGenerator(seed: streamSeed(.offerDetails, index) ^ (priceVariant &* 0x9E37_79B9_7F4A_7C15))
            out.raw("\t\t\t<Предложение>\n\t\t\t\t<Ид>")
            out.bytes(item.id)
            out.raw("</Ид>\n\t\t\t\t<Артикул>")
            out.text(item.article)
            out.raw("</Артикул>\n\t\t\t\t<Наименование>")
            out.text(item.name)
            out.raw(
                "</Наименование>\n\t\t\t\t<БазоваяЕдиница Код=\"796\" НаименованиеПолное=\"Штука\" МеждународноеСокращение=\"PCE\">шт</БазоваяЕдиница>\n"
            )
            out.raw("\t\t\t\t<Цены>\n")
            let base = basePriceKopecks(&random)
            for type in 0..<priceTypes {
                let kopecks = base * Int64(100 - min(type, 9) * 5) / 100
                let value = decimal(Int(kopecks), scale: 2)
                out.raw("\t\t\t\t\t<Цена>\n\t\t\t\t\t\t<Представление>")
                out.text(value.replacingOccurrences(of: ".", with: ","))
                out.raw(" RUB за шт</Представление>\n\t\t\t\t\t\t<ИдТипаЦены>")
                out.bytes(priceTypeIDs[type])
                out.raw("</ИдТипаЦены>\n\t\t\t\t\t\t<ЦенаЗаЕдиницу>")
                out.text(value)
                out.raw("</ЦенаЗаЕдиницу>\n\t\t\t\t\t\t<Валюта>RUB</Валюта>\n\t\t\t\t\t\t<Единица>шт</Единица>\n")
                out.raw("\t\t\t\t\t\t<Коэффициент>1</Коэффициент>\n\t\t\t\t\t</Цена>\n")
            }
            out.raw("\t\t\t\t</Цены>\n")
            let stock = (0..<warehouses).map { _ in random.chance(25) ? 0 : random.int(1...500) }
            out.raw("\t\t\t\t<Количество>")
            out.text(String(stock.reduce(0, +)))
            out.raw("</Количество>\n")
            for warehouse in 0..<warehouses {
                out.raw("\t\t\t\t<Склад ИдСклада=\"")
                out.bytes(warehouseIDs[warehouse])
                out.raw("\" КоличествоНаСкладе=\"")
                out.text(String(stock[warehouse]))
                out.raw("\"/>\n")
            }
            out.raw("\t\t\t</Предложение>\n")
            try out.flushIfNeeded(sink)
        }
        out.raw("\t\t</Предложения>\n\t</ПакетПредложений>\n")
        try out.close(sink)
    }

    // MARK: Content

    private enum Stream: UInt64 {
        case classifier = 1, owner, group, property, value, product, priceType, warehouse, productBasics,
            productDetails, offerDetails
    }

    private func streamSeed(_ stream: Stream, _ index: Int) -> UInt64 {
        var mixer = SeededGenerator(seed: seed ^ (stream.rawValue &* 0xA076_1D64_78BD_642F) ^ UInt64(index))
        return mixer.next()
    }

    /// A GUID-shaped id, lower-case hex, stable for (seed, stream, index).
    private func guid(_ stream: Stream, _ index: Int) -> [UInt8] {
        var random = SeededGenerator(seed: streamSeed(stream, index))
        let high = random.next()
        let low = random.next()
        let hex = Self.hexDigits
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (offset, word) in [(0, high), (16, low)] {
            for nibble in 0..<16 {
                let position = offset + nibble
                if position == 8 || position == 12 || position == 16 || position == 20 { out.append(UInt8(ascii: "-")) }
                out.append(hex[Int((word >> UInt64(60 - nibble * 4)) & 0xF)])
            }
        }
        return out
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private var groupCount: Int { max(3, min(120, products / 400 + 3)) }
    private var rootGroupCount: Int { max(1, (groupCount + 3) / 4) }

    private static let groupNames = [
        "Электротовары", "Кабель и провод", "Освещение", "Сантехника", "Крепёж", "Инструмент",
        "Лакокрасочные материалы",
        "Отопление", "Вентиляция", "Садовый инвентарь", "Спецодежда", "Хозяйственные товары", "Строительные смеси",
        "Изоляционные материалы", "Метизы",
    ]
    private static let nouns = [
        "Кабель", "Провод", "Автоматический выключатель", "Розетка", "Выключатель", "Светильник", "Лампа светодиодная",
        "Удлинитель", "Дрель", "Шуруповёрт", "Перфоратор", "Смеситель", "Кран шаровой", "Труба", "Саморез", "Дюбель",
        "Краска", "Грунтовка", "Герметик", "Перчатки", "Радиатор", "Вентилятор", "Лопата", "Шпатлёвка",
    ]
    private static let adjectives = [
        "белый", "чёрный", "усиленный", "влагостойкий", "универсальный", "промышленный", "бытовой", "компактный",
        "морозостойкий", "оцинкованный",
    ]
    private static let brands = [
        "Феникс", "ЭлектроПром", "Мастер", "Уралкабель", "Северсталь", "Интерскол", "Зубр", "Технолюкс", "Русский свет",
        "СтройКомплект",
    ]
    private static let properties: [(String, [String])] = [
        (
            "Цвет",
            [
                "белый", "чёрный", "серый", "красный", "синий", "зелёный", "жёлтый", "коричневый", "бежевый",
                "прозрачный",
            ]
        ),
        (
            "Материал",
            ["сталь", "алюминий", "медь", "латунь", "пластик", "полипропилен", "ПВХ", "резина", "дерево", "керамика"]
        ),
        (
            "Страна производства",
            ["Россия", "Беларусь", "Казахстан", "Китай", "Турция", "Германия", "Италия", "Польша"]
        ),
        ("Напряжение, В", ["12", "24", "36", "127", "220", "230", "380"]),
        ("Мощность, Вт", ["5", "7", "10", "15", "20", "40", "60", "100", "150", "500", "1000", "2000"]),
        ("Сечение, мм²", ["0,75", "1,5", "2,5", "4", "6", "10", "16", "25"]),
        ("Степень защиты", ["IP20", "IP23", "IP44", "IP54", "IP65", "IP67", "IP68"]),
        ("Гарантия, мес", ["6", "12", "18", "24", "36", "60"]),
        ("Длина, м", ["0,5", "1", "1,5", "2", "3", "5", "10", "25", "50", "100"]),
        ("Упаковка", ["штучно", "блистер", "коробка", "пакет", "паллета", "бухта"]),
    ]
    private static let priceTypeNames = ["Розничная", "Оптовая", "Крупный опт", "Дилерская", "Закупочная"]
    private static let warehouseNames = [
        "Основной склад", "Склад Москва", "Склад Санкт-Петербург", "Склад Екатеринбург", "Склад Новосибирск",
        "Склад Казань", "Склад Краснодар",
    ]

    private func groupName(_ index: Int) -> String {
        let base = Self.groupNames[index % Self.groupNames.count]
        return index < Self.groupNames.count ? base : "\(base) \(index / Self.groupNames.count + 1)"
    }

    private func propertyName(_ index: Int) -> String {
        let base = Self.properties[index % Self.properties.count].0
        return index < Self.properties.count ? base : "\(base) (\(index / Self.properties.count + 1))"
    }

    private func valueCount(ofProperty index: Int) -> Int { Self.properties[index % Self.properties.count].1.count }

    private func propertyValue(_ property: Int, _ value: Int) -> String {
        Self.properties[property % Self.properties.count].1[value]
    }

    private func priceTypeName(_ index: Int) -> String {
        index < Self.priceTypeNames.count ? Self.priceTypeNames[index] : "Тип цен \(index + 1)"
    }

    private func warehouseName(_ index: Int) -> String {
        index < Self.warehouseNames.count ? Self.warehouseNames[index] : "Склад \(index + 1)"
    }

    private struct Basics {
        var id: [UInt8]
        var article: String
        var name: String
        var group: Int
    }

    private func basics(_ index: Int) -> Basics {
        var random = SeededGenerator(seed: streamSeed(.productBasics, index))
        let noun = random.pick(Self.nouns)
        let adjective = random.pick(Self.adjectives)
        let brand = random.pick(Self.brands)
        let model = "\(random.pick(["А", "Б", "В", "К", "М", "Т"]))\(random.int(10...999))"
        // Every seventh name carries quotes, as 1C names often do, to exercise escaping.
        let name =
            index % 7 == 3 ? "\(noun) \(adjective) \"\(brand)\" \(model)" : "\(noun) \(adjective) \(brand) \(model)"
        let article = "АРТ-" + String(100_000 + index)
        let group = groupCount > rootGroupCount ? rootGroupCount + random.int(0...(groupCount - rootGroupCount - 1)) : 0
        return Basics(id: guid(.product, index), article: article, name: name, group: group)
    }

    private func description(_ item: Basics, _ random: inout SeededGenerator) -> String {
        let uses = [
            "для дома и дачи", "для профессионального монтажа", "для складских помещений", "для наружных работ",
        ]
        return
            "\(item.name): \(random.pick(uses)). Поставка со склада, гарантия производителя & сертификат соответствия."
    }

    private func basePriceKopecks(_ random: inout SeededGenerator) -> Int64 {
        let rubles = random.pick([
            random.int(10...99), random.int(100...999), random.int(1_000...9_999), random.int(10_000...150_000),
        ])
        return Int64(rubles) * 100 + Int64(random.pick([0, 0, 50, 90, random.int(1...99)]))
    }

    private func ean13(_ index: Int) -> String {
        let body = String(format: "460%09d", (index * 7919 + Int(seed % 1_000_000)) % 1_000_000_000)
        let digits = body.compactMap(\.wholeNumberValue)
        let sum = digits.enumerated().reduce(0) { $0 + $1.element * ($1.offset % 2 == 0 ? 1 : 3) }
        return body + String((10 - sum % 10) % 10)
    }

    private func decimal(_ units: Int, scale: Int) -> String {
        var divisor = 1
        for _ in 0..<scale { divisor *= 10 }
        let fraction = String(units % divisor)
        return "\(units / divisor)." + String(repeating: "0", count: scale - fraction.count) + fraction
    }

    private func requisite(_ out: inout Output, _ name: String, _ value: String) {
        out.raw("\t\t\t\t\t<ЗначениеРеквизита>\n\t\t\t\t\t\t<Наименование>")
        out.text(name)
        out.raw("</Наименование>\n\t\t\t\t\t\t<Значение>")
        out.text(value)
        out.raw("</Значение>\n\t\t\t\t\t</ЗначениеРеквизита>\n")
    }

    // MARK: Output

    private struct Output {
        var buffer: [UInt8] = []

        init() { buffer.reserveCapacity(Self.chunk + 4096) }

        static let chunk = 256 * 1024

        mutating func open() {
            buffer.append(contentsOf: [0xEF, 0xBB, 0xBF])
            raw(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<КоммерческаяИнформация xmlns=\"urn:1C.ru:commerceml_2\" "
                    + "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                    + "ВерсияСхемы=\"2.08\" ДатаФормирования=\"2024-03-01T09:00:00\">\n")
        }

        mutating func close(_ sink: (Data) throws -> Void) throws {
            raw("</КоммерческаяИнформация>\n")
            try flush(sink)
        }

        mutating func raw(_ text: String) { buffer.append(contentsOf: text.utf8) }

        mutating func bytes(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

        /// `text` with `&`, `<`, `>` and `"` escaped.
        mutating func text(_ text: String) {
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "&"): buffer.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): buffer.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): buffer.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\""): buffer.append(contentsOf: "&quot;".utf8)
                default: buffer.append(byte)
                }
            }
        }

        mutating func flushIfNeeded(_ sink: (Data) throws -> Void) throws {
            if buffer.count >= Self.chunk { try flush(sink) }
        }

        mutating func flush(_ sink: (Data) throws -> Void) throws {
            guard !buffer.isEmpty else { return }
            try sink(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
