import Foundation
import WholesailCore

/// A realistic one-page Russian invoice ("счёт на оплату") built with `PDFDocumentBuilder`:
/// bank requisites, seller and buyer, ten lines, totals with VAT. Tests use it to check fonts,
/// text extraction and size; it is also the reference layout for the real bill generator.
public enum DemoInvoice {
    public struct Line: Sendable {
        public var name: String
        public var quantity: Int64
        public var unit: String
        public var price: Money

        public init(name: String, quantity: Int64, unit: String, price: Money) {
            self.name = name
            self.quantity = quantity
            self.unit = unit
            self.price = price
        }

        public var amount: Money { Money(minorUnits: price.minorUnits * quantity, currency: price.currency) }
    }

    public static let title = "Счёт на оплату № 17 от 29 ноября 2026 г."

    public static let lines: [Line] = [
        Line(name: "Болт М8×40 DIN 933 оцинкованный", quantity: 500, unit: "шт", price: rub(4_20)),
        Line(name: "Гайка М8 DIN 934 оцинкованная", quantity: 500, unit: "шт", price: rub(1_35)),
        Line(name: "Шайба плоская 8 мм DIN 125", quantity: 1000, unit: "шт", price: rub(48)),
        Line(name: "Саморез по металлу 4,2×19 со сверлом, цинк", quantity: 2000, unit: "шт", price: rub(62)),
        Line(name: "Анкерный болт 10×100 с гайкой", quantity: 150, unit: "шт", price: rub(18_90)),
        Line(name: "Дюбель распорный 8×40 нейлоновый", quantity: 1000, unit: "шт", price: rub(95)),
        Line(name: "Перчатки х/б с ПВХ-покрытием, 10 класс", quantity: 120, unit: "пар", price: rub(38_00)),
        Line(name: "Лента сигнальная «Осторожно» 75 мм × 200 м", quantity: 12, unit: "рул", price: rub(245_00)),
        Line(name: "Круг отрезной по металлу 125×1,2×22,23 мм", quantity: 200, unit: "шт", price: rub(34_50)),
        Line(name: "Сверло по металлу HSS-G 8,0 мм, ёлочка", quantity: 60, unit: "шт", price: rub(57_80)),
    ]

    private static func rub(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: "RUB") }

    public static var total: Money { lines.reduce(Money.zero("RUB")) { $0 + $1.amount } }

    /// VAT at 20% contained in a VAT-inclusive total: total × 20 / 120, rounded once.
    public static var vat: Money {
        Money(minorUnits: Money.rounded(numerator: Int128(total.minorUnits) * 20, denominator: 120), currency: "RUB")
    }

    /// `12 345,67`: Russian grouping with no-break spaces (so a line never breaks inside an amount).
    public static func format(_ money: Money) -> String {
        let text = money.decimalString
        let negative = text.hasPrefix("-")
        let parts = text.drop(while: { $0 == "-" }).split(separator: ".", omittingEmptySubsequences: false)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "\u{00A0}" + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        grouped = whole + grouped
        return (negative ? "-" : "") + grouped + (parts.count > 1 ? "," + parts[1] : "")
    }

    /// The invoice as document blocks; `logo` goes on top when given.
    public static func document(logo: PDFImage? = nil) -> PDFDocumentBuilder {
        var document = PDFDocumentBuilder(title: title, author: "ООО «Оптовик»")
        document.pageNumbers = PDFPageNumbers(format: "Страница {page} из {pages}")
        if let logo { document.add(.image(logo, width: 90)) }

        var bank = PDFTable(columns: [
            PDFTable.Column("", width: .flexible(1)), PDFTable.Column("", width: .flexible(1)),
            PDFTable.Column("", width: .fixed(48)), PDFTable.Column("", width: .fixed(150)),
        ])
        bank.showsHeader = false
        bank.addRow([PDFTable.Cell("ПАО «Сбербанк», г. Москва\nБанк получателя", span: 2), "БИК", "044525225"])
        bank.addRow([PDFTable.Cell("", span: 2), "Сч. №", "30101810400000000225"])
        bank.addRow(["ИНН 7701234567", "КПП 770101001", "Сч. №", "40702810938000012345"])
        bank.addRow([PDFTable.Cell("ООО «Оптовик»\nПолучатель", span: 2), "", ""])
        document.add(.table(bank))

        document.add(.heading(title))
        document.add(.rule(thickness: 1.5))
        document.add(
            .keyValue(
                [
                    (
                        "Поставщик (Исполнитель):",
                        "ООО «Оптовик», ИНН 7701234567, КПП 770101001, 123456, г. Москва, ул. Складская, д. 5, стр. 2, тел. +7 (495) 123-45-67"
                    ),
                    (
                        "Покупатель (Заказчик):",
                        "ООО «СтройМонтаж», ИНН 7812345678, КПП 781201001, 190000, г. Санкт-Петербург, Невский пр., д. 100, оф. 12"
                    ),
                    ("Основание:", "Договор поставки № 12/2026 от 10 января 2026 г."),
                ], labelWidth: 100, boldValues: true))
        document.add(.spacer(6))

        var table = PDFTable(columns: [
            PDFTable.Column("№", width: .fixed(22), alignment: .center),
            PDFTable.Column("Товары (работы, услуги)", width: .flexible(1)),
            PDFTable.Column("Кол-во", width: .fixed(48), alignment: .right),
            PDFTable.Column("Ед.", width: .fixed(30), alignment: .center),
            PDFTable.Column("Цена", width: .fixed(60), alignment: .right),
            PDFTable.Column("Сумма", width: .fixed(74), alignment: .right),
        ])
        for (index, line) in lines.enumerated() {
            table.addRow([
                PDFTable.Cell(String(index + 1)), PDFTable.Cell(line.name), PDFTable.Cell(String(line.quantity)),
                PDFTable.Cell(line.unit), PDFTable.Cell(format(line.price)), PDFTable.Cell(format(line.amount)),
            ])
        }
        document.add(.table(table))

        var totals = PDFTable(columns: [
            PDFTable.Column("", width: .flexible(1), alignment: .right), PDFTable.Column("", width: .fixed(90), alignment: .right),
        ])
        totals.showsHeader = false
        totals.borders = .none
        totals.cellPadding = PDFTable.Padding(horizontal: 3, vertical: 1.5)
        totals.addRow(["Итого:", PDFTable.Cell(format(total))], style: .bold)
        totals.addRow(["В том числе НДС (20%):", PDFTable.Cell(format(vat))], style: .bold)
        totals.addRow(["Всего к оплате:", PDFTable.Cell(format(total))], style: .bold)
        document.add(.table(totals))

        document.add(.paragraph("Всего наименований \(lines.count), на сумму \(format(total)) руб."))
        document.add(
            .paragraph(
                "Оплатить не позднее 9 декабря 2026 г. Уведомление об оплате обязательно, в противном случае "
                    + "наличие товара на складе не гарантируется. Товар отпускается по факту прихода денег на р/с "
                    + "Поставщика, самовывозом, при наличии доверенности и паспорта.", size: 8.5))
        document.add(.rule())
        document.add(.spacer(16))

        var signatures = PDFTable(columns: [
            PDFTable.Column("", width: .fixed(82)), PDFTable.Column("", width: .flexible(1)),
            PDFTable.Column("", width: .fixed(82)), PDFTable.Column("", width: .fixed(64)),
            PDFTable.Column("", width: .flexible(1)), PDFTable.Column("", width: .fixed(82)),
        ])
        signatures.showsHeader = false
        signatures.borders = .none
        signatures.addRow(
            [
                "Руководитель", "________________", "Иванов И. И.", "Бухгалтер", "________________", "Петрова А. С.",
            ], style: .bold)
        document.add(.table(signatures))
        return document
    }

    /// The invoice as PDF bytes.
    public static func pdf(logo: PDFImage? = nil) throws -> Data {
        try document(logo: logo).render()
    }
}
