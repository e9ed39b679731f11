import Foundation
import WholesailCore

/// The reconciliation act (акт сверки взаимных расчётов) as a PDF: the seller's entries for the
/// period with the opening and closing balances and turnovers, empty columns for the buyer's own
/// figures, the closing balance in figures and in words, and both parties' signatures.
enum ReconciliationActDocument {
    static func amount(_ minor: Int64, _ currency: String) -> String {
        minor == 0 ? "" : DemoInvoice.format(Money(minorUnits: minor, currency: currency))
    }

    static func title(_ act: ReconciliationAct) -> String {
        "Акт сверки взаимных расчётов за период \(act.period.russianRange)"
    }

    static func fileName(_ act: ReconciliationAct) -> String {
        "reconciliation-\(act.period.label.replacingOccurrences(of: "…", with: "_")).pdf"
    }

    static func pdf(_ act: ReconciliationAct) throws -> Data {
        var document = PDFDocumentBuilder(title: title(act), author: act.seller.name)
        document.pageNumbers = PDFPageNumbers(format: "Страница {page} из {pages}")
        document.margins = PDFMargins(top: 36, left: 36, bottom: 40, right: 30)
        document.add(.heading("Акт сверки взаимных расчётов", level: 1))
        document.add(.paragraph("за период: \(act.period.russianRange)", style: .bold))
        var between = "между \(act.seller.name) и \(act.buyer.name)"
        if let agreement = act.agreement { between += " по договору: \(agreement.replacingOccurrences(of: "Договор ", with: ""))" }
        document.add(.paragraph(between))
        document.add(.spacer(4))
        document.add(
            .paragraph(
                "Мы, нижеподписавшиеся, \(act.seller.name), с одной стороны, и \(act.buyer.name), с другой стороны, составили настоящий акт "
                    + "сверки в том, что состояние взаимных расчётов по данным учёта следующее:", size: 9))

        var table = PDFTable(columns: [
            PDFTable.Column("Дата", width: .fixed(50), alignment: .center),
            PDFTable.Column("Документ", width: .flexible(1)),
            PDFTable.Column("Дебет", width: .fixed(62), alignment: .right),
            PDFTable.Column("Кредит", width: .fixed(62), alignment: .right),
            PDFTable.Column("Дата", width: .fixed(46), alignment: .center),
            PDFTable.Column("Документ", width: .flexible(0.55)),
            PDFTable.Column("Дебет", width: .fixed(50), alignment: .right),
            PDFTable.Column("Кредит", width: .fixed(50), alignment: .right),
        ])
        let currencyName = act.currency == "RUB" ? "руб." : act.currency
        table.fontSize = 7.5
        table.headerRows = [
            PDFTable.Row(
                [
                    PDFTable.Cell("По данным \(act.seller.name), \(currencyName)", alignment: .center, span: 4),
                    PDFTable.Cell("По данным \(act.buyer.name), \(currencyName)", alignment: .center, span: 4),
                ], style: .bold, background: .lightGray),
            PDFTable.Row(
                ["Дата", "Документ", "Дебет", "Кредит", "Дата", "Документ", "Дебет", "Кредит"].map { PDFTable.Cell($0, alignment: .center) },
                style: .bold, background: .lightGray),
        ]
        func balanceRow(_ label: String, _ balance: Int64) {
            table.addRow(
                [
                    PDFTable.Cell(label, alignment: .left, span: 2), PDFTable.Cell(amount(max(balance, 0), act.currency)),
                    PDFTable.Cell(amount(max(-balance, 0), act.currency)), PDFTable.Cell(label, alignment: .left, span: 2), "", "",
                ], style: .bold)
        }
        balanceRow("Сальдо начальное", act.openingMinor)
        for entry in act.entries {
            table.addRow([
                PDFTable.Cell(CalendarDay.russianShort(entry.date)), PDFTable.Cell(entry.document),
                PDFTable.Cell(amount(max(entry.amountMinor, 0), act.currency)), PDFTable.Cell(amount(max(-entry.amountMinor, 0), act.currency)),
                "", "", "", "",
            ])
        }
        table.addRow(
            [
                PDFTable.Cell("Обороты за период", alignment: .left, span: 2), PDFTable.Cell(amount(act.debitMinor, act.currency)),
                PDFTable.Cell(amount(act.creditMinor, act.currency)), PDFTable.Cell("Обороты за период", alignment: .left, span: 2), "", "",
            ], style: .bold)
        balanceRow("Сальдо конечное", act.closingMinor)
        document.add(.table(table))

        document.add(.paragraph(conclusion(act), size: 9.5))
        document.add(.spacer(18))

        var signatures = PDFTable(columns: [
            PDFTable.Column("", width: .flexible(1)), PDFTable.Column("", width: .fixed(24)), PDFTable.Column("", width: .flexible(1)),
        ])
        signatures.showsHeader = false
        signatures.borders = .none
        signatures.fontSize = 9
        signatures.addRow([PDFTable.Cell("От \(act.seller.name)", style: .bold), "", PDFTable.Cell("От \(act.buyer.name)", style: .bold)])
        signatures.addRow(texts: ["Руководитель", "", "Руководитель"])
        signatures.addRow(texts: ["\n_______________ (\(act.seller.director ?? "_______________"))", "", "\n_______________ (_______________)"])
        signatures.addRow(texts: ["Главный бухгалтер", "", "Главный бухгалтер"])
        signatures.addRow(texts: ["\n_______________ (\(act.seller.accountant ?? "_______________"))", "", "\n_______________ (_______________)"])
        signatures.addRow(texts: ["М.П.", "", "М.П."])
        document.add(.table(signatures))
        return try document.render()
    }

    /// "По данным … на 31.03.2026 задолженность в пользу … составляет 1 234,50 руб. (Одна тысяча …)".
    static func conclusion(_ act: ReconciliationAct) -> String {
        let day = CalendarDay.russianShort(act.period.to)
        let balance = act.closingMinor
        guard balance != 0 else { return "По данным \(act.seller.name) на \(day) задолженность отсутствует." }
        let creditor = balance > 0 ? act.seller.name : act.buyer.name
        let money = Money(minorUnits: balance == .min ? .max : abs(balance), currency: act.currency)
        let currencyName = act.currency == "RUB" ? "руб." : act.currency
        return "По данным \(act.seller.name) на \(day) задолженность в пользу \(creditor) составляет "
            + "\(DemoInvoice.format(money)) \(currencyName) (\(AmountInWords.russian(money)))."
    }
}
