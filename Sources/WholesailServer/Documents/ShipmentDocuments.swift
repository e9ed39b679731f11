import Foundation
import WholesailCore
import WholesailStore

/// A shipment's documents as PDFs on landscape A4: the waybill (товарная накладная, the
/// ТОРГ-12 layout) with its total in words, and the invoice (счёт-фактура, the layout of
/// Government Decree 1137 with its numbered columns).
enum ShipmentDocuments {
    static func money(_ minor: Int64, _ currency: String) -> String { DemoInvoice.format(Money(minorUnits: minor, currency: currency)) }

    static func quantity(_ milli: Int64) -> String { Quantity.text(milli: milli).replacingOccurrences(of: ".", with: ",") }

    static func rate(_ rate: ExactDecimal) -> String {
        rate.units == 0 ? "без НДС" : rate.description.replacingOccurrences(of: ".", with: ",") + "%"
    }

    static func fileName(kind: String, _ document: ShipmentDocument) -> String {
        let safe = document.number.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        return "\(kind)-\(String(safe)).pdf"
    }

    static func title(kind: String, _ document: ShipmentDocument) -> String {
        let date = WholesailDatabase.russianDate(document.date)
        return kind == "invoice" ? "Счёт-фактура № \(document.number) от \(date)" : "Товарная накладная № \(document.number) от \(date)"
    }

    static func pdf(kind: String, _ document: ShipmentDocument) throws -> Data {
        kind == "invoice" ? try invoice(document) : try waybill(document)
    }

    /// "содержит Два порядковых номера записей": the number of lines in words, agreeing.
    static func lineCountInWords(_ count: Int) -> String {
        let number = AmountInWords.russianNumber(UInt64(count), gender: .masculine)
        let noun: String =
            switch AmountInWords.russianForm(UInt64(count)) {
            case .one: "порядковый номер записей"
            case .few: "порядковых номера записей"
            case .many: "порядковых номеров записей"
            }
        return number.prefix(1).uppercased() + number.dropFirst() + " " + noun
    }

    // MARK: - Товарная накладная (ТОРГ-12)

    static func waybill(_ document: ShipmentDocument) throws -> Data {
        var pdf = PDFDocumentBuilder(title: title(kind: "waybill", document), author: document.seller.name)
        pdf.pageSize = .a4.landscape
        pdf.margins = PDFMargins(top: 28, left: 34, bottom: 34, right: 28)
        pdf.fontSize = 8.5
        pdf.pageNumbers = PDFPageNumbers(format: "Страница {page} из {pages}")
        pdf.add(.paragraph("Унифицированная форма № ТОРГ-12\nУтверждена постановлением Госкомстата России от 25.12.98 № 132", size: 6.5, alignment: .right))
        let consignee = document.consignee ?? document.buyer.requisites
        pdf.add(
            .keyValue(
                [
                    ("Грузоотправитель:", document.seller.requisites), ("Грузополучатель:", consignee), ("Поставщик:", document.seller.requisites),
                    ("Плательщик:", document.buyer.requisites), ("Основание:", document.basis),
                ], labelWidth: 92, size: 8))
        pdf.add(.spacer(4))
        pdf.add(.paragraph("ТОВАРНАЯ НАКЛАДНАЯ № \(document.number) от \(CalendarDay.russianShort(document.date))", size: 11, style: .bold, alignment: .center))

        var table = PDFTable(columns: [
            PDFTable.Column("", width: .fixed(22), alignment: .center),
            PDFTable.Column("", width: .flexible(1)),
            PDFTable.Column("", width: .fixed(54), alignment: .center),
            PDFTable.Column("", width: .fixed(42), alignment: .center),
            PDFTable.Column("", width: .fixed(30), alignment: .center),
            PDFTable.Column("", width: .fixed(30), alignment: .center),
            PDFTable.Column("", width: .fixed(32), alignment: .right),
            PDFTable.Column("", width: .fixed(32), alignment: .right),
            PDFTable.Column("", width: .fixed(36), alignment: .right),
            PDFTable.Column("", width: .fixed(52), alignment: .right),
            PDFTable.Column("", width: .fixed(54), alignment: .right),
            PDFTable.Column("", width: .fixed(62), alignment: .right),
            PDFTable.Column("", width: .fixed(38), alignment: .center),
            PDFTable.Column("", width: .fixed(54), alignment: .right),
            PDFTable.Column("", width: .fixed(64), alignment: .right),
        ])
        table.fontSize = 7
        func centered(_ texts: [(String, Int)]) -> [PDFTable.Cell] { texts.map { PDFTable.Cell($0.0, alignment: .center, span: $0.1) } }
        table.headerRows = [
            PDFTable.Row(
                centered([
                    ("№ п/п", 1), ("Товар", 2), ("Единица измерения", 2), ("Вид упак.", 1), ("Количество", 2),
                    ("Масса брутто", 1), ("Количество (масса нетто)", 1), ("Цена, руб. коп.", 1), ("Сумма без учёта НДС, руб. коп.", 1),
                    ("НДС", 2), ("Сумма с учётом НДС, руб. коп.", 1),
                ]), style: .bold, background: .lightGray),
            PDFTable.Row(
                centered([
                    ("", 1), ("наименование, характеристика, сорт, артикул товара", 1), ("код", 1), ("наименование", 1), ("код по ОКЕИ", 1),
                    ("", 1), ("в одном месте", 1), ("мест, штук", 1), ("", 1), ("", 1), ("", 1), ("", 1), ("ставка, %", 1), ("сумма, руб. коп.", 1), ("", 1),
                ]), background: .lightGray),
            PDFTable.Row(centered((1...15).map { (String($0), 1) }), background: .lightGray),
        ]
        let currency = document.currency
        for (index, line) in document.lines.enumerated() {
            table.addRow([
                PDFTable.Cell(String(index + 1)), PDFTable.Cell(line.name), PDFTable.Cell(line.sku + (line.customerSku.map { " / " + $0 } ?? "")), PDFTable.Cell(line.unit),
                PDFTable.Cell(line.unitCode ?? ""), "", "", "", "", PDFTable.Cell(quantity(line.qtyMilli)),
                PDFTable.Cell(money(line.priceWithoutVatMinor, currency)), PDFTable.Cell(money(line.amountWithoutVatMinor, currency)),
                PDFTable.Cell(rate(line.vatRate)), PDFTable.Cell(money(line.vatMinor, currency)), PDFTable.Cell(money(line.amountMinor, currency)),
            ])
        }
        for label in ["Итого", "Всего по накладной"] {
            table.addRow(
                [
                    PDFTable.Cell(label, alignment: .right, span: 9), PDFTable.Cell(quantity(document.totalQtyMilli)), PDFTable.Cell("Х", alignment: .center),
                    PDFTable.Cell(money(document.totalWithoutVatMinor, currency)), PDFTable.Cell("Х"), PDFTable.Cell(money(document.vatMinor, currency)),
                    PDFTable.Cell(money(document.totalMinor, currency)),
                ], style: .bold)
        }
        pdf.add(.table(table))
        pdf.add(.paragraph("Товарная накладная имеет приложение на ____ листах и содержит \(lineCountInWords(document.lines.count))", size: 8))
        pdf.add(.paragraph("Всего отпущено на сумму: \(AmountInWords.russian(Money(minorUnits: document.totalMinor, currency: currency)))", size: 8.5, style: .bold))
        pdf.add(.spacer(8))
        var signatures = PDFTable(columns: [
            PDFTable.Column("", width: .fixed(120)), PDFTable.Column("", width: .flexible(1)), PDFTable.Column("", width: .fixed(18)),
            PDFTable.Column("", width: .fixed(120)), PDFTable.Column("", width: .flexible(1)),
        ])
        signatures.showsHeader = false
        signatures.borders = .none
        signatures.fontSize = 8
        signatures.addRow(texts: ["Отпуск разрешил", "Руководитель _____________ \(document.seller.director ?? "_____________")", "", "По доверенности", "№ _______ от _______________"])
        signatures.addRow(texts: ["Главный (старший) бухгалтер", "_____________ \(document.seller.accountant ?? "_____________")", "", "выданной", "________________________________"])
        signatures.addRow(texts: ["Отпуск груза произвёл", "_____________ _____________", "", "Груз принял", "_____________ _____________"])
        signatures.addRow(texts: ["М.П.", CalendarDay.russianShort(document.date), "", "Груз получил грузополучатель", "_____________ _____________"])
        signatures.addRow(texts: ["", "", "", "М.П.", "«____» _______________ 20___ г."])
        pdf.add(.table(signatures))
        return try pdf.render()
    }

    // MARK: - Счёт-фактура

    static func invoice(_ document: ShipmentDocument) throws -> Data {
        var pdf = PDFDocumentBuilder(title: title(kind: "invoice", document), author: document.seller.name)
        pdf.pageSize = .a4.landscape
        pdf.margins = PDFMargins(top: 28, left: 34, bottom: 34, right: 28)
        pdf.fontSize = 8.5
        pdf.pageNumbers = PDFPageNumbers(format: "Страница {page} из {pages}")
        pdf.add(
            .paragraph(
                "Приложение № 1 к постановлению Правительства Российской Федерации от 26 декабря 2011 г. № 1137", size: 6.5, alignment: .right))
        pdf.add(.paragraph("Счёт-фактура № \(document.number) от \(WholesailDatabase.russianDate(document.date)) (1)", size: 11, style: .bold))
        pdf.add(.paragraph("Исправление № — от — (1а)", size: 8))
        func innKpp(_ party: OrganizationDetails) -> String { [party.inn, party.kpp].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/") }
        let currencyName = document.currency == "RUB" ? "Российский рубль, 643" : document.currency
        pdf.add(
            .keyValue(
                [
                    ("Продавец:", "\(document.seller.name) (2)"), ("Адрес:", "\(document.seller.address ?? "") (2а)"),
                    ("ИНН/КПП продавца:", "\(innKpp(document.seller)) (2б)"), ("Грузоотправитель и его адрес:", "он же (3)"),
                    ("Грузополучатель и его адрес:", "\(document.consignee ?? [document.buyer.name, document.buyer.address ?? ""].filter { !$0.isEmpty }.joined(separator: ", ")) (4)"),
                    ("К платёжно-расчётному документу:", "№ — от — (5)"),
                    ("Документ об отгрузке:", "№ п/п 1–\(document.lines.count) № \(document.number) от \(CalendarDay.russianShort(document.date)) (5а)"),
                    ("Покупатель:", "\(document.buyer.name) (6)"), ("Адрес:", "\(document.buyer.address ?? "") (6а)"),
                    ("ИНН/КПП покупателя:", "\(innKpp(document.buyer)) (6б)"), ("Валюта: наименование, код:", "\(currencyName) (7)"),
                    ("Идентификатор государственного контракта, договора (соглашения) (при наличии):", "(8)"),
                ], labelWidth: 180, size: 7.5))
        pdf.add(.spacer(4))

        var table = PDFTable(columns: [
            PDFTable.Column("", width: .fixed(20), alignment: .center),
            PDFTable.Column("", width: .flexible(1)),
            PDFTable.Column("", width: .fixed(34), alignment: .center),
            PDFTable.Column("", width: .fixed(26), alignment: .center),
            PDFTable.Column("", width: .fixed(52), alignment: .center),
            PDFTable.Column("", width: .fixed(42), alignment: .right),
            PDFTable.Column("", width: .fixed(54), alignment: .right),
            PDFTable.Column("", width: .fixed(70), alignment: .right),
            PDFTable.Column("", width: .fixed(44), alignment: .center),
            PDFTable.Column("", width: .fixed(36), alignment: .center),
            PDFTable.Column("", width: .fixed(56), alignment: .right),
            PDFTable.Column("", width: .fixed(70), alignment: .right),
            PDFTable.Column("", width: .fixed(30), alignment: .center),
            PDFTable.Column("", width: .fixed(44), alignment: .center),
            PDFTable.Column("", width: .fixed(52), alignment: .center),
        ])
        table.fontSize = 6.5
        func centered(_ texts: [(String, Int)]) -> [PDFTable.Cell] { texts.map { PDFTable.Cell($0.0, alignment: .center, span: $0.1) } }
        table.headerRows = [
            PDFTable.Row(
                centered([
                    ("№ п/п", 1), ("Наименование товара (описание выполненных работ, оказанных услуг), имущественного права", 1),
                    ("Код вида товара", 1), ("Единица измерения", 2), ("Количество (объём)", 1), ("Цена (тариф) за единицу измерения", 1),
                    ("Стоимость товаров (работ, услуг), имущественных прав без налога — всего", 1), ("В том числе сумма акциза", 1),
                    ("Налоговая ставка", 1), ("Сумма налога, предъявляемая покупателю", 1),
                    ("Стоимость товаров (работ, услуг), имущественных прав с налогом — всего", 1), ("Страна происхождения товара", 2),
                    ("Регистрационный номер декларации на товары", 1),
                ]), style: .bold, background: .lightGray),
            PDFTable.Row(
                centered([
                    ("", 1), ("", 1), ("", 1), ("код", 1), ("условное обозначение (национальное)", 1), ("", 1), ("", 1), ("", 1), ("", 1), ("", 1),
                    ("", 1), ("", 1), ("цифровой код", 1), ("краткое наименование", 1), ("", 1),
                ]), background: .lightGray),
            PDFTable.Row(
                centered(["1", "1а", "1б", "2", "2а", "3", "4", "5", "6", "7", "8", "9", "10", "10а", "11"].map { ($0, 1) }), background: .lightGray),
        ]
        let currency = document.currency
        for (index, line) in document.lines.enumerated() {
            table.addRow([
                PDFTable.Cell(String(index + 1)), PDFTable.Cell(line.name + (line.customerSku.map { " (ваш арт. \($0))" } ?? "")), "—", PDFTable.Cell(line.unitCode ?? "—"), PDFTable.Cell(line.unit),
                PDFTable.Cell(quantity(line.qtyMilli)), PDFTable.Cell(money(line.priceWithoutVatMinor, currency)),
                PDFTable.Cell(money(line.amountWithoutVatMinor, currency)), "без акциза", PDFTable.Cell(rate(line.vatRate)),
                PDFTable.Cell(money(line.vatMinor, currency)), PDFTable.Cell(money(line.amountMinor, currency)), "—", "—", "—",
            ])
        }
        table.addRow(
            [
                PDFTable.Cell("Всего к оплате (9)", span: 7), PDFTable.Cell(money(document.totalWithoutVatMinor, currency)),
                PDFTable.Cell("Х", alignment: .center, span: 2), PDFTable.Cell(money(document.vatMinor, currency)),
                PDFTable.Cell(money(document.totalMinor, currency)), PDFTable.Cell("", span: 3),
            ], style: .bold)
        pdf.add(.table(table))
        pdf.add(.spacer(10))
        var signatures = PDFTable(columns: [
            PDFTable.Column("", width: .fixed(150)), PDFTable.Column("", width: .flexible(1)), PDFTable.Column("", width: .fixed(18)),
            PDFTable.Column("", width: .fixed(150)), PDFTable.Column("", width: .flexible(1)),
        ])
        signatures.showsHeader = false
        signatures.borders = .none
        signatures.fontSize = 8
        signatures.addRow(texts: [
            "Руководитель организации или иное уполномоченное лицо", "_____________ \(document.seller.director ?? "_____________")", "",
            "Главный бухгалтер или иное уполномоченное лицо", "_____________ \(document.seller.accountant ?? "_____________")",
        ])
        signatures.addRow(texts: [
            "Индивидуальный предприниматель или иное уполномоченное лицо", "_____________ _____________", "", "",
            "(реквизиты свидетельства о государственной регистрации индивидуального предпринимателя)",
        ])
        pdf.add(.table(signatures))
        return try pdf.render()
    }
}
