/// The records of a CommerceML 2.x / 3.1 exchange file (1C "КоммерческаяИнформация") as
/// `CommerceMLReader` delivers them, one at a time.
///
/// Conventions for every record:
/// - Identifiers (`Ид`, `ИдЗначения`, `ИдТипаЦены`, `ИдСклада`, …) are kept exactly as written:
///   1C matches them byte for byte. Display texts (names, articles, unit names) are trimmed.
/// - Numbers (prices, quantities, coefficients) are canonical decimal strings (`DecimalText`), never
///   floating point; a number that cannot be read is left out and reported as an `.issue`.
/// - `line` is the input line where the record's element starts.
/// - Fields the file does not carry are nil or empty; nothing is invented.
public enum CommerceML {
    public enum Record: Sendable, Equatable {
        /// The root element's attributes: always the first record.
        case header(Header)
        /// The start of a `Классификатор`, `Каталог`, `ПакетПредложений`,
        /// `ИзмененияПакетаПредложений` or `Контрагенты` section, delivered before its items.
        case section(Section)
        case group(Group)
        case property(Property)
        case priceType(PriceType)
        case warehouse(Warehouse)
        case unit(UnitOfMeasure)
        case product(Product)
        case offer(Offer)
        case counterparty(Counterparty)
        case document(Document)
        /// A settlement entry (JSON imports).
        case settlement(SettlementEntry)
        /// A document file the ERP made (JSON imports).
        case accountingDocument(AccountingDocument)
        /// An agreement with a counterparty (JSON imports).
        case agreement(AgreementRecord)
        /// A credit line (JSON imports).
        case creditLine(CreditLineRecord)
        /// A payment schedule of a credit agreement (JSON imports).
        case paymentSchedule(PaymentScheduleRecord)
        /// A problem with one field of the record delivered just before.
        case issue(ExchangeIssue)
    }

    public struct Header: Sendable, Equatable {
        /// `ВерсияСхемы` as written: "2.03" … "2.10", "3.1".
        public var schemaVersion: String?
        /// `ДатаФормирования` as written ("2007-10-30", "2014-06-01T0:36:33", "2024-01-08T15:47:02.082+03:00").
        public var generatedAt: String?
        /// The default namespace (`urn:1C.ru:commerceml_2`, `…_3`), when declared.
        public var namespace: String?

        public init(schemaVersion: String? = nil, generatedAt: String? = nil, namespace: String? = nil) {
            self.schemaVersion = schemaVersion
            self.generatedAt = generatedAt
            self.namespace = namespace
        }
    }

    public struct Section: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case classifier = "Классификатор"
            case catalog = "Каталог"
            case offerPackage = "ПакетПредложений"
            case offerChanges = "ИзмененияПакетаПредложений"
            case counterparties = "Контрагенты"
        }

        public var kind: Kind
        public var id: String?
        public var name: String?
        /// `ИдКлассификатора` (catalogs and offer packages).
        public var classifierID: String?
        /// `ИдКаталога` (offer packages).
        public var catalogID: String?
        /// `СодержитТолькоИзменения`, as attribute or element: true means "only the listed objects
        /// changed, leave everything else alone"; nil when the file does not say.
        public var containsOnlyChanges: Bool?
        public var line: Int

        public init(
            kind: Kind, id: String? = nil, name: String? = nil, classifierID: String? = nil, catalogID: String? = nil,
            containsOnlyChanges: Bool? = nil, line: Int = 0
        ) {
            self.kind = kind
            self.id = id
            self.name = name
            self.classifierID = classifierID
            self.catalogID = catalogID
            self.containsOnlyChanges = containsOnlyChanges
            self.line = line
        }
    }

    /// A catalog group (`Группа`; UNF's `Категория` too). Groups arrive parents first.
    public struct Group: Sendable, Equatable {
        public var id: String
        public var name: String
        public var parentID: String?
        public var description: String?
        public var isDeleted: Bool
        public var version: String?
        /// True for a UNF-style `Категория` rather than a `Группа`.
        public var isCategory: Bool
        public var line: Int

        public init(
            id: String, name: String, parentID: String? = nil, description: String? = nil, isDeleted: Bool = false,
            version: String? = nil, isCategory: Bool = false, line: Int = 0
        ) {
            self.id = id
            self.name = name
            self.parentID = parentID
            self.description = description
            self.isDeleted = isDeleted
            self.version = version
            self.isCategory = isCategory
            self.line = line
        }
    }

    public struct Property: Sendable, Equatable {
        public var id: String
        public var name: String
        /// `ТипЗначений` as written: "Справочник", "Строка", "Число", "Время", … (nil: string).
        public var valueType: String?
        /// Reference values (`ВариантыЗначений/Справочник`): a product's value for this property is
        /// one of these `id`s. 2.04-style plain `ВариантыЗначений/Значение` lists have no ids.
        public var values: [ReferenceValue]
        public var isMultiple: Bool?
        public var forProducts: Bool?
        public var forOffers: Bool?
        public var forDocuments: Bool?
        public var isDeleted: Bool
        public var version: String?
        /// The group whose `Свойства` declared it, when it was group-scoped.
        public var groupID: String?
        public var line: Int

        public init(
            id: String, name: String, valueType: String? = nil, values: [ReferenceValue] = [], isMultiple: Bool? = nil,
            forProducts: Bool? = nil, forOffers: Bool? = nil, forDocuments: Bool? = nil, isDeleted: Bool = false,
            version: String? = nil, groupID: String? = nil, line: Int = 0
        ) {
            self.id = id
            self.name = name
            self.valueType = valueType
            self.values = values
            self.isMultiple = isMultiple
            self.forProducts = forProducts
            self.forOffers = forOffers
            self.forDocuments = forDocuments
            self.isDeleted = isDeleted
            self.version = version
            self.groupID = groupID
            self.line = line
        }
    }

    public struct ReferenceValue: Sendable, Equatable {
        public var id: String?
        public var value: String

        public init(id: String?, value: String) {
            self.id = id
            self.value = value
        }
    }

    public struct PriceType: Sendable, Equatable {
        public var id: String
        public var name: String
        /// As written: "RUB", "руб", "USD", "грн", …
        public var currency: String?
        public var taxName: String?
        /// `Налог/УчтеноВСумме`: the price already includes the tax (VAT).
        public var taxIncluded: Bool?
        public var isDeleted: Bool
        public var version: String?
        public var line: Int

        public init(
            id: String, name: String, currency: String? = nil, taxName: String? = nil, taxIncluded: Bool? = nil,
            isDeleted: Bool = false, version: String? = nil, line: Int = 0
        ) {
            self.id = id
            self.name = name
            self.currency = currency
            self.taxName = taxName
            self.taxIncluded = taxIncluded
            self.isDeleted = isDeleted
            self.version = version
            self.line = line
        }
    }

    public struct Warehouse: Sendable, Equatable {
        public var id: String
        public var name: String?
        public var address: Address?
        public var comment: String?
        public var contacts: [Contact]
        public var isDeleted: Bool
        public var version: String?
        public var line: Int

        public init(
            id: String, name: String? = nil, address: Address? = nil, comment: String? = nil, contacts: [Contact] = [],
            isDeleted: Bool = false, version: String? = nil, line: Int = 0
        ) {
            self.id = id
            self.name = name
            self.address = address
            self.comment = comment
            self.contacts = contacts
            self.isDeleted = isDeleted
            self.version = version
            self.line = line
        }
    }

    /// A unit from `Классификатор/ЕдиницыИзмерения` (3.1), referred to by bare code elsewhere.
    public struct UnitOfMeasure: Sendable, Equatable {
        /// As written (OKEI codes sometimes carry a trailing space: "796 ").
        public var id: String
        public var code: String?
        public var shortName: String?
        public var fullName: String?
        public var internationalAbbreviation: String?
        public var isDeleted: Bool
        public var line: Int

        public init(
            id: String, code: String? = nil, shortName: String? = nil, fullName: String? = nil,
            internationalAbbreviation: String? = nil, isDeleted: Bool = false, line: Int = 0
        ) {
            self.id = id
            self.code = code
            self.shortName = shortName
            self.fullName = fullName
            self.internationalAbbreviation = internationalAbbreviation
            self.isDeleted = isDeleted
            self.line = line
        }
    }

    /// A unit as products, prices and document lines carry it: 2.x `<БазоваяЕдиница Код="796"
    /// НаименованиеПолное="Штука" МеждународноеСокращение="PCE">шт</БазоваяЕдиница>`, 3.1 a bare
    /// code (`<БазоваяЕдиница>796 </БазоваяЕдиница>`, then `name` is nil), or a 3.1 document line's
    /// `<Единица><Ид/><Код/><НаименованиеКраткое/>…</Единица>`. Codes are trimmed.
    public struct Unit: Sendable, Equatable {
        public var code: String?
        public var name: String?
        public var fullName: String?
        public var internationalAbbreviation: String?
        /// `Пересчет`: other units and how many base units one of them holds.
        public var conversions: [UnitConversion]

        public init(
            code: String? = nil, name: String? = nil, fullName: String? = nil, internationalAbbreviation: String? = nil,
            conversions: [UnitConversion] = []
        ) {
            self.code = code
            self.name = name
            self.fullName = fullName
            self.internationalAbbreviation = internationalAbbreviation
            self.conversions = conversions
        }
    }

    public struct UnitConversion: Sendable, Equatable {
        public var unit: String
        /// Canonical decimal; nil when absent (means 1).
        public var coefficient: String?

        public init(unit: String, coefficient: String? = nil) {
            self.unit = unit
            self.coefficient = coefficient
        }
    }

    public struct Address: Sendable, Equatable {
        /// The element it came from: "Адрес", "АдресРегистрации", "ЮридическийАдрес", "ФактическийАдрес".
        public var kind: String
        public var presentation: String?
        /// `АдресноеПоле` pairs (type "Почтовый индекс", "Регион", "Улица", … and value).
        public var fields: [NameValue]

        public init(kind: String, presentation: String? = nil, fields: [NameValue] = []) {
            self.kind = kind
            self.presentation = presentation
            self.fields = fields
        }
    }

    public struct Contact: Sendable, Equatable {
        /// "Электронная почта", "Телефон рабочий", "Почта", …
        public var type: String
        public var value: String

        public init(type: String, value: String) {
            self.type = type
            self.value = value
        }
    }

    /// A name/value pair: `ЗначениеРеквизита`, `АдресноеПоле`.
    public struct NameValue: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// An id as offers, prices, stock and order lines use it: `<product>` or
    /// `<product>#<characteristic>` (a variant). Split on the first `#`.
    public struct ItemID: Sendable, Hashable, CustomStringConvertible {
        public var raw: String

        public init(_ raw: String) { self.raw = raw }

        /// Where the `#` is (a byte search: ids are ASCII GUIDs, and `firstIndex(of:)` on the
        /// string would walk characters).
        private var hashIndex: String.Index? { raw.utf8.firstIndex(of: UInt8(ascii: "#")) }

        public var productID: String {
            guard let hash = hashIndex else { return raw }
            return String(raw[..<hash])
        }

        /// The characteristic (variant) part, nil when there is none or it is empty.
        public var variantID: String? {
            guard let hash = hashIndex else { return nil }
            let rest = raw[raw.utf8.index(after: hash)...]
            return rest.isEmpty ? nil : String(rest)
        }

        public var description: String { raw }
    }
}

extension [CommerceML.NameValue] {
    /// The first value named `name` (exact match), if any.
    public func value(named name: String) -> String? { first { $0.name == name }?.value }
}
