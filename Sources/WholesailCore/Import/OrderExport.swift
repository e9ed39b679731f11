import Foundation

/// An order as it is handed to the ERP (1C `type=sale&mode=query`, `GET /api/v1/orders/export`).
/// Amounts and quantities are decimal strings.
public struct ExportedOrder: Sendable, Equatable, Codable {
    public struct Party: Sendable, Equatable, Codable {
        public var erpId: String?
        public var name: String
        public var fullName: String?
        public var inn: String?
        public var kpp: String?
        public var address: String?

        public init(erpId: String? = nil, name: String, fullName: String? = nil, inn: String? = nil, kpp: String? = nil, address: String? = nil) {
            self.erpId = erpId
            self.name = name
            self.fullName = fullName
            self.inn = inn
            self.kpp = kpp
            self.address = address
        }
    }

    public struct Agreement: Sendable, Equatable, Codable {
        public var erpId: String?
        public var number: String
        public var date: String

        public init(erpId: String?, number: String, date: String) {
            self.erpId = erpId
            self.number = number
            self.date = date
        }
    }

    public struct Line: Sendable, Equatable, Codable {
        public var productErpId: String?
        public var sku: String
        public var name: String
        public var unitCode: String
        public var unitName: String
        public var unitFullName: String
        public var unitFactor: String
        public var quantity: String
        public var price: String
        public var discount: String
        public var sum: String
        public var vatRate: String
        public var vat: String
        /// Quantity held for the order in the portal's stock (open reservations).
        public var reserved: String

        public init(
            productErpId: String?, sku: String, name: String, unitCode: String, unitName: String, unitFullName: String, unitFactor: String, quantity: String, price: String, discount: String, sum: String, vatRate: String, vat: String, reserved: String
        ) {
            self.productErpId = productErpId
            self.sku = sku
            self.name = name
            self.unitCode = unitCode
            self.unitName = unitName
            self.unitFullName = unitFullName
            self.unitFactor = unitFactor
            self.quantity = quantity
            self.price = price
            self.discount = discount
            self.sum = sum
            self.vatRate = vatRate
            self.vat = vat
            self.reserved = reserved
        }
    }

    public var id: Int64
    public var erpId: String?
    public var number: String
    /// `yyyy-MM-dd` and `HH:mm:ss` (UTC).
    public var date: String
    public var time: String
    public var currency: String
    public var subtotal: String
    public var discount: String
    public var delivery: String
    public var vat: String
    public var total: String
    public var statusCode: String
    public var statusName: String
    public var statusERPCode: String?
    public var statusChangedAt: String?
    public var isCancelled: Bool
    public var isFinal: Bool
    public var source: String
    public var comment: String?
    public var counterparty: Party
    public var seller: Party?
    public var agreement: Agreement?
    public var deliveryMethod: String
    public var deliveryAddress: String?
    public var deliveryDate: String?
    public var reservedUntil: String?
    public var updatedAt: String
    public var lines: [Line]
    /// The buyer's purchase order number.
    public var poNumber: String? = nil

    public init(
        id: Int64, erpId: String?, number: String, date: String, time: String, currency: String, subtotal: String, discount: String, delivery: String, vat: String, total: String, statusCode: String, statusName: String, statusERPCode: String?, statusChangedAt: String?, isCancelled: Bool, isFinal: Bool, source: String, comment: String?, counterparty: Party, seller: Party?, agreement: Agreement?, deliveryMethod: String, deliveryAddress: String?, deliveryDate: String?, reservedUntil: String?, updatedAt: String, lines: [Line]
    ) {
        self.id = id
        self.erpId = erpId
        self.number = number
        self.date = date
        self.time = time
        self.currency = currency
        self.subtotal = subtotal
        self.discount = discount
        self.delivery = delivery
        self.vat = vat
        self.total = total
        self.statusCode = statusCode
        self.statusName = statusName
        self.statusERPCode = statusERPCode
        self.statusChangedAt = statusChangedAt
        self.isCancelled = isCancelled
        self.isFinal = isFinal
        self.source = source
        self.comment = comment
        self.counterparty = counterparty
        self.seller = seller
        self.agreement = agreement
        self.deliveryMethod = deliveryMethod
        self.deliveryAddress = deliveryAddress
        self.deliveryDate = deliveryDate
        self.reservedUntil = reservedUntil
        self.updatedAt = updatedAt
        self.lines = lines
    }
}

/// Writes orders as one CommerceML 2 document, the way 1C's "exchange with site" reads them
/// (the de-facto contract is what 1C-Bitrix sends): a `Документ` per order with the buyer's
/// INN/KPP, lines by the products' ERP ids, units, prices, sums and VAT, and the status and
/// reservation as requisites. UTF-8 with a BOM (1C refuses UTF-8 without one).
public enum CommerceMLOrderWriter {
    public static func document(_ orders: [ExportedOrder], generatedAt: Date = Date()) -> Data {
        var out = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<КоммерческаяИнформация ВерсияСхемы=\"2.08\" ДатаФормирования=\"\(stamp(generatedAt))\" "
        out += "ФорматДаты=\"ДФ=yyyy-MM-dd; ДЛФ=DT\" ФорматВремени=\"ДФ=ЧЧ:мм:сс; ДЛФ=T\" РазделительДатаВремя=\"T\" "
        out += "ФорматСуммы=\"ЧЦ=18; ЧДЦ=2; ЧРД=.\" ФорматКоличества=\"ЧЦ=18; ЧДЦ=3; ЧРД=.\">\n"
        for order in orders { write(order, into: &out) }
        out += "</КоммерческаяИнформация>\n"
        return Data(out.utf8)
    }

    /// A status as the ERP sees it in `type=sale&mode=info` and in the orders' requisites.
    public struct StatusReference: Sendable, Equatable {
        public var code: String
        public var name: String
        public var isFinal: Bool
        public init(code: String, name: String, isFinal: Bool) {
            self.code = code
            self.name = name
            self.isFinal = isFinal
        }
    }

    /// The ways of paying and of delivery an order can carry (`Способ доставки` in an order is
    /// one of these ids).
    public static let paymentSystems = [("invoice", "Безналичная оплата по счёту"), ("card", "Оплата банковской картой")]
    public static let deliveryServices = [("pickup", "Самовывоз"), ("delivery", "Доставка"), ("carrier", "Транспортная компания")]

    /// The reference newer 1C asks for with `type=sale&mode=info` before it reads orders: the
    /// portal's order statuses (the `Ид` is what orders carry as `Статуса заказа ИД`), its payment
    /// systems and its delivery services, so the exchange settings in 1C can map them.
    public static func reference(statuses: [StatusReference], generatedAt: Date = Date()) -> Data {
        var out = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<КоммерческаяИнформация ВерсияСхемы=\"2.08\" ДатаФормирования=\"\(stamp(generatedAt))\">\n"
        out += "\t<Справочник>\n\t\t<Статусы>\n"
        for status in statuses {
            out += "\t\t\t<Элемент>\n"
            element("Ид", status.code, indent: 4, into: &out)
            element("Название", status.name, indent: 4, into: &out)
            element("Финальный", status.isFinal ? "true" : "false", indent: 4, into: &out)
            out += "\t\t\t</Элемент>\n"
        }
        out += "\t\t</Статусы>\n\t\t<ПлатежныеСистемы>\n"
        for (id, name) in paymentSystems {
            out += "\t\t\t<Элемент>\n"
            element("Ид", id, indent: 4, into: &out)
            element("Название", name, indent: 4, into: &out)
            element("ТипОплаты", id == "card" ? "Эквайринг" : "Безналичный расчет", indent: 4, into: &out)
            out += "\t\t\t</Элемент>\n"
        }
        out += "\t\t</ПлатежныеСистемы>\n\t\t<СлужбыДоставки>\n"
        for (id, name) in deliveryServices {
            out += "\t\t\t<Элемент>\n"
            element("Ид", id, indent: 4, into: &out)
            element("Название", name, indent: 4, into: &out)
            out += "\t\t\t</Элемент>\n"
        }
        out += "\t\t</СлужбыДоставки>\n\t</Справочник>\n</КоммерческаяИнформация>\n"
        return Data(out.utf8)
    }

    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default:
                // Characters XML 1.0 cannot carry are dropped.
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r" { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func element(_ name: String, _ value: String?, indent: Int, into out: inout String) {
        guard let value else { return }
        out += String(repeating: "\t", count: indent) + "<\(name)>\(escape(value))</\(name)>\n"
    }

    static func requisite(_ name: String, _ value: String?, indent: Int, into out: inout String) {
        guard let value else { return }
        let pad = String(repeating: "\t", count: indent)
        out += "\(pad)<ЗначениеРеквизита>\n"
        element("Наименование", name, indent: indent + 1, into: &out)
        element("Значение", value, indent: indent + 1, into: &out)
        out += "\(pad)</ЗначениеРеквизита>\n"
    }

    static func write(_ order: ExportedOrder, into out: inout String) {
        out += "\t<Документ>\n"
        element("Ид", String(order.id), indent: 2, into: &out)
        element("Номер", order.number, indent: 2, into: &out)
        element("Дата", order.date, indent: 2, into: &out)
        element("Время", order.time, indent: 2, into: &out)
        element("ХозОперация", "Заказ товара", indent: 2, into: &out)
        element("Роль", "Продавец", indent: 2, into: &out)
        element("Валюта", order.currency, indent: 2, into: &out)
        element("Курс", "1", indent: 2, into: &out)
        element("Сумма", order.total, indent: 2, into: &out)
        out += "\t\t<Контрагенты>\n\t\t\t<Контрагент>\n"
        let party = order.counterparty
        element("Ид", party.erpId ?? "wholesail-\(party.inn ?? party.name)", indent: 4, into: &out)
        element("Наименование", party.name, indent: 4, into: &out)
        element("ПолноеНаименование", party.fullName ?? party.name, indent: 4, into: &out)
        element("ОфициальноеНаименование", party.fullName ?? party.name, indent: 4, into: &out)
        element("ИНН", party.inn, indent: 4, into: &out)
        element("КПП", party.kpp, indent: 4, into: &out)
        if let address = party.address {
            out += "\t\t\t\t<ЮридическийАдрес>\n"
            element("Представление", address, indent: 5, into: &out)
            out += "\t\t\t\t</ЮридическийАдрес>\n"
        }
        element("Роль", "Покупатель", indent: 4, into: &out)
        out += "\t\t\t</Контрагент>\n\t\t</Контрагенты>\n"
        element("Комментарий", order.comment, indent: 2, into: &out)
        out += "\t\t<Налоги>\n\t\t\t<Налог>\n"
        element("Наименование", "НДС", indent: 4, into: &out)
        element("УчтеноВСумме", "true", indent: 4, into: &out)
        element("Сумма", order.vat, indent: 4, into: &out)
        out += "\t\t\t</Налог>\n\t\t</Налоги>\n"
        if order.discount != "0" && order.discount != "0.00" {
            out += "\t\t<Скидки>\n\t\t\t<Скидка>\n"
            element("Наименование", "Скидка", indent: 4, into: &out)
            element("Сумма", order.discount, indent: 4, into: &out)
            element("УчтеноВСумме", "true", indent: 4, into: &out)
            out += "\t\t\t</Скидка>\n\t\t</Скидки>\n"
        }
        out += "\t\t<Товары>\n"
        for line in order.lines {
            out += "\t\t\t<Товар>\n"
            element("Ид", line.productErpId ?? line.sku, indent: 4, into: &out)
            element("Артикул", line.sku, indent: 4, into: &out)
            element("Наименование", line.name, indent: 4, into: &out)
            out += "\t\t\t\t<БазоваяЕдиница Код=\"\(escape(line.unitCode))\" НаименованиеПолное=\"\(escape(line.unitFullName))\">\(escape(line.unitName))</БазоваяЕдиница>\n"
            element("ЦенаЗаЕдиницу", line.price, indent: 4, into: &out)
            element("Количество", line.quantity, indent: 4, into: &out)
            element("Сумма", line.sum, indent: 4, into: &out)
            element("Коэффициент", line.unitFactor, indent: 4, into: &out)
            if line.discount != "0" && line.discount != "0.00" {
                out += "\t\t\t\t<Скидки>\n\t\t\t\t\t<Скидка>\n"
                element("Сумма", line.discount, indent: 6, into: &out)
                element("УчтеноВСумме", "true", indent: 6, into: &out)
                out += "\t\t\t\t\t</Скидка>\n\t\t\t\t</Скидки>\n"
            }
            out += "\t\t\t\t<СтавкиНалогов>\n\t\t\t\t\t<СтавкаНалога>\n"
            element("Наименование", "НДС", indent: 6, into: &out)
            element("Ставка", line.vatRate, indent: 6, into: &out)
            out += "\t\t\t\t\t</СтавкаНалога>\n\t\t\t\t</СтавкиНалогов>\n"
            out += "\t\t\t\t<Налоги>\n\t\t\t\t\t<Налог>\n"
            element("Наименование", "НДС", indent: 6, into: &out)
            element("УчтеноВСумме", "true", indent: 6, into: &out)
            element("Сумма", line.vat, indent: 6, into: &out)
            element("Ставка", line.vatRate, indent: 6, into: &out)
            out += "\t\t\t\t\t</Налог>\n\t\t\t\t</Налоги>\n"
            out += "\t\t\t\t<ЗначенияРеквизитов>\n"
            requisite("ВидНоменклатуры", "Товар", indent: 5, into: &out)
            requisite("ТипНоменклатуры", "Товар", indent: 5, into: &out)
            requisite("Резерв", line.reserved, indent: 5, into: &out)
            out += "\t\t\t\t</ЗначенияРеквизитов>\n"
            out += "\t\t\t</Товар>\n"
        }
        if order.delivery != "0" && order.delivery != "0.00" {
            out += "\t\t\t<Товар>\n"
            element("Ид", "ORDER_DELIVERY", indent: 4, into: &out)
            element("Наименование", "Доставка заказа", indent: 4, into: &out)
            out += "\t\t\t\t<БазоваяЕдиница Код=\"796\" НаименованиеПолное=\"Штука\">шт</БазоваяЕдиница>\n"
            element("ЦенаЗаЕдиницу", order.delivery, indent: 4, into: &out)
            element("Количество", "1", indent: 4, into: &out)
            element("Сумма", order.delivery, indent: 4, into: &out)
            out += "\t\t\t\t<ЗначенияРеквизитов>\n"
            requisite("ВидНоменклатуры", "Услуга", indent: 5, into: &out)
            requisite("ТипНоменклатуры", "Услуга", indent: 5, into: &out)
            out += "\t\t\t\t</ЗначенияРеквизитов>\n"
            out += "\t\t\t</Товар>\n"
        }
        out += "\t\t</Товары>\n"
        out += "\t\t<ЗначенияРеквизитов>\n"
        requisite("Статус заказа", order.statusERPCode ?? order.statusName, indent: 3, into: &out)
        requisite("Статуса заказа ИД", order.statusCode, indent: 3, into: &out)
        requisite("Дата изменения статуса", order.statusChangedAt, indent: 3, into: &out)
        requisite("Отменен", order.isCancelled ? "true" : "false", indent: 3, into: &out)
        requisite("Финальный статус", order.isFinal ? "true" : "false", indent: 3, into: &out)
        if let agreement = order.agreement {
            requisite("Договор", agreement.number, indent: 3, into: &out)
            requisite("Дата договора", agreement.date, indent: 3, into: &out)
            requisite("Ид договора", agreement.erpId, indent: 3, into: &out)
        }
        if let seller = order.seller {
            requisite("Организация", seller.name, indent: 3, into: &out)
            requisite("ИНН организации", seller.inn, indent: 3, into: &out)
            requisite("Ид организации", seller.erpId, indent: 3, into: &out)
        }
        requisite("Способ доставки", order.deliveryMethod, indent: 3, into: &out)
        requisite("Адрес доставки", order.deliveryAddress, indent: 3, into: &out)
        requisite("Дата доставки", order.deliveryDate, indent: 3, into: &out)
        requisite("Номер заказа покупателя", order.poNumber, indent: 3, into: &out)
        requisite("Резерв до", order.reservedUntil, indent: 3, into: &out)
        requisite("Источник", order.source, indent: 3, into: &out)
        requisite("Сайт", "Wholesail", indent: 3, into: &out)
        out += "\t\t</ЗначенияРеквизитов>\n"
        out += "\t</Документ>\n"
    }
}
