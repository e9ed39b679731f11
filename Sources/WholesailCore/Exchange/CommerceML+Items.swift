extension CommerceML {
    /// A catalog item (`Каталог/Товары/Товар`).
    public struct Product: Sendable, Equatable {
        /// `Ид`: a GUID, sometimes `<guid>#<guid>` or free text. Compare exactly.
        public var id: String
        public var version: String?
        /// `@Статус` as written: "Новый", "Изменен", "Удален".
        public var status: String?
        /// `ПометкаУдаления` (3.1 and new-style 2.09).
        public var markedForDeletion: Bool?
        public var barcode: String?
        /// `Артикул`, trimmed; often empty or duplicated, never a key.
        public var article: String?
        public var name: String?
        /// `ПолноеНаименование` element (some producers); 1C puts it in requisites instead.
        public var fullName: String?
        public var baseUnit: Unit?
        public var groupIDs: [String]
        public var description: String?
        /// `Картинка` paths relative to the exchange directory (`import_files/ab/….jpg`), empty ones dropped.
        public var images: [String]
        /// Attached files from `ОписаниеФайла` requisites (`<path>#<caption>`).
        public var files: [FileReference]
        public var manufacturer: Manufacturer?
        /// `ТорговаяМарка`.
        public var brand: String?
        public var country: String?
        public var propertyValues: [PropertyValue]
        public var taxRates: [TaxRate]
        /// 2.04-style product-level characteristics, name/value pairs.
        public var characteristics: [Characteristic]
        /// `ЗначенияРеквизитов` in file order: ВидНоменклатуры, ТипНоменклатуры, Полное наименование, Код, Вес, …
        public var requisites: [NameValue]
        /// The `Вес` element (3.1), canonical decimal.
        public var weight: String?
        public var line: Int

        /// Deleted in either dialect: `Статус="Удален"` or `ПометкаУдаления` true.
        public var isDeleted: Bool { status == "Удален" || markedForDeletion == true }

        public init(id: String, line: Int) {
            self.id = id
            self.line = line
            groupIDs = []
            images = []
            files = []
            propertyValues = []
            taxRates = []
            characteristics = []
            requisites = []
        }
    }

    public struct Manufacturer: Sendable, Equatable {
        public var id: String?
        public var name: String?

        public init(id: String? = nil, name: String? = nil) {
            self.id = id
            self.name = name
        }
    }

    public struct FileReference: Sendable, Equatable {
        public var path: String
        public var caption: String?

        public init(path: String, caption: String? = nil) {
            self.path = path
            self.caption = caption
        }
    }

    /// `ЗначенияСвойства`: for a `Справочник` property each value is an `ИдЗначения`; otherwise a
    /// literal. Several values mean a multi-valued property; an empty list means "no value".
    public struct PropertyValue: Sendable, Equatable {
        public var propertyID: String
        public var values: [String]

        public init(propertyID: String, values: [String]) {
            self.propertyID = propertyID
            self.values = values
        }
    }

    public struct TaxRate: Sendable, Equatable {
        public var name: String
        /// As written: "20", "18", "Без налога".
        public var rate: String?

        public init(name: String, rate: String? = nil) {
            self.name = name
            self.rate = rate
        }
    }

    public struct Characteristic: Sendable, Equatable {
        public var id: String?
        public var name: String
        public var value: String

        public init(id: String? = nil, name: String, value: String) {
            self.id = id
            self.name = name
            self.value = value
        }
    }

    /// An offer (`Предложение`): a sellable product or variant with its prices and stock. In 3.1
    /// packages the same offer id comes in three files (offers, prices, rests), each carrying part.
    public struct Offer: Sendable, Equatable {
        public var id: ItemID
        public var version: String?
        public var markedForDeletion: Bool?
        public var barcode: String?
        public var article: String?
        public var name: String?
        public var baseUnit: Unit?
        public var characteristics: [Characteristic]
        public var propertyValues: [PropertyValue]
        public var prices: [Price]
        /// Total stock (`Количество`, or a warehouse-less `Остаток/Количество`); nil when not given.
        public var quantity: String?
        /// Stock per warehouse, from `<Склад ИдСклада КоличествоНаСкладе/>` or `Остатки/Остаток/Склад`.
        public var stocks: [Stock]
        public var line: Int

        public init(id: String, line: Int) {
            self.id = ItemID(id)
            self.line = line
            characteristics = []
            propertyValues = []
            prices = []
            stocks = []
        }
    }

    public struct Price: Sendable, Equatable {
        public var priceTypeID: String
        /// `ЦенаЗаЕдиницу`, canonical decimal; nil when missing or unreadable (see the issue).
        public var value: String?
        public var currency: String?
        /// The unit the price is for (`Единица`: short name, OKEI or international code), trimmed.
        public var unit: String?
        /// How many base units that unit holds; nil means 1.
        public var coefficient: String?
        public var minQuantity: String?
        /// `Представление`, display only (" 1 719 RUB за пара"); never parse it.
        public var presentation: String?
        public var taxName: String?
        public var taxIncluded: Bool?

        public init(
            priceTypeID: String, value: String? = nil, currency: String? = nil, unit: String? = nil,
            coefficient: String? = nil, minQuantity: String? = nil, presentation: String? = nil, taxName: String? = nil,
            taxIncluded: Bool? = nil
        ) {
            self.priceTypeID = priceTypeID
            self.value = value
            self.currency = currency
            self.unit = unit
            self.coefficient = coefficient
            self.minQuantity = minQuantity
            self.presentation = presentation
            self.taxName = taxName
            self.taxIncluded = taxIncluded
        }
    }

    public struct Stock: Sendable, Equatable {
        public var warehouseID: String
        /// Canonical decimal (may be fractional or negative).
        public var quantity: String?

        public init(warehouseID: String, quantity: String?) {
            self.warehouseID = warehouseID
            self.quantity = quantity
        }
    }

    public struct Counterparty: Sendable, Equatable {
        public var id: String
        public var version: String?
        public var markedForDeletion: Bool?
        public var name: String?
        public var fullName: String?
        public var officialName: String?
        public var role: String?
        public var inn: String?
        public var kpp: String?
        public var okpo: String?
        public var lastName: String?
        public var firstName: String?
        public var middleName: String?
        public var addresses: [Address]
        public var contacts: [Contact]
        public var representatives: [Representative]
        public var line: Int

        public init(id: String, line: Int) {
            self.id = id
            self.line = line
            addresses = []
            contacts = []
            representatives = []
        }
    }

    public struct Representative: Sendable, Equatable {
        public var relation: String?
        public var id: String?
        public var name: String?

        public init(relation: String? = nil, id: String? = nil, name: String? = nil) {
            self.relation = relation
            self.id = id
            self.name = name
        }
    }

    /// A business document (`Документ`): an order from the site, or 1C's answer about it.
    public struct Document: Sendable, Equatable {
        public var id: String
        public var version: String?
        public var markedForDeletion: Bool?
        public var number: String?
        /// `Номер1С` / `Дата1С` (2.09+): the number and date 1C gave the document.
        public var number1C: String?
        public var date: String?
        public var date1C: String?
        public var time: String?
        /// `ХозОперация`: "Заказ товара", "Отпуск товара", "Выплата безналичных денег", …
        public var operation: String?
        /// `Роль`: "Продавец", "Покупатель".
        public var role: String?
        public var currency: String?
        public var rate: String?
        public var sum: String?
        public var comment: String?
        public var counterparties: [Counterparty]
        public var warehouseIDs: [String]
        public var taxes: [Tax]
        public var lines: [DocumentLine]
        /// `ЗначенияРеквизитов`: "Статус заказа", "Номер по 1С", "Проведен", "Отменен", …
        public var requisites: [NameValue]
        public var line: Int

        public init(id: String, line: Int) {
            self.id = id
            self.line = line
            counterparties = []
            warehouseIDs = []
            taxes = []
            lines = []
            requisites = []
        }
    }

    public struct DocumentLine: Sendable, Equatable {
        /// `<product>` or `<product>#<characteristic>`; "ORDER_DELIVERY" for Bitrix' delivery line.
        public var id: ItemID
        public var catalogID: String?
        public var article: String?
        public var name: String?
        public var unit: Unit?
        public var coefficient: String?
        public var quantity: String?
        /// `ЦенаЗаЕдиницу` (2.x) or `Цена` (2.09+).
        public var price: String?
        public var sum: String?
        public var characteristics: [Characteristic]
        public var taxRates: [TaxRate]
        public var taxes: [Tax]
        public var requisites: [NameValue]
        public var line: Int

        public init(id: String, line: Int) {
            self.id = ItemID(id)
            self.line = line
            characteristics = []
            taxRates = []
            taxes = []
            requisites = []
        }
    }

    public struct Tax: Sendable, Equatable {
        public var name: String
        public var includedInSum: Bool?
        public var sum: String?
        public var rate: String?

        public init(name: String, includedInSum: Bool? = nil, sum: String? = nil, rate: String? = nil) {
            self.name = name
            self.includedInSum = includedInSum
            self.sum = sum
            self.rate = rate
        }
    }
}
