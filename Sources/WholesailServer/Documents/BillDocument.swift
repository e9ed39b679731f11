import Foundation
import WholesailCore
import WholesailStore

/// The bill (счёт на оплату) for an order, as a PDF: the seller's bank requisites, seller and
/// buyer, basis, lines, totals with VAT, payment terms, signatures.
enum BillDocument {
    static func amount(_ minor: Int64, _ currency: String) -> String {
        DemoInvoice.format(Money(minorUnits: minor, currency: currency))
    }

    static func party(_ party: BillData.Party) -> String {
        var parts = [party.name]
        if let inn = party.inn, !inn.isEmpty { parts.append("ИНН \(inn)") }
        if let kpp = party.kpp, !kpp.isEmpty { parts.append("КПП \(kpp)") }
        if let address = party.address, !address.isEmpty { parts.append(address) }
        return parts.joined(separator: ", ")
    }

    static func title(_ bill: BillData) -> String {
        "Счёт на оплату № \(bill.number) от \(WholesailDatabase.russianDate(bill.date))"
    }

    static func pdf(_ bill: BillData) throws -> Data {
        var document = PDFDocumentBuilder(title: title(bill), author: bill.seller.name)
        document.pageNumbers = PDFPageNumbers(format: "Страница {page} из {pages}")

        var bank = PDFTable(columns: [
            PDFTable.Column("", width: .flexible(1)), PDFTable.Column("", width: .flexible(1)),
            PDFTable.Column("", width: .fixed(48)), PDFTable.Column("", width: .fixed(150)),
        ])
        bank.showsHeader = false
        bank.addRow([PDFTable.Cell("\(bill.bankName ?? "")\nБанк получателя", span: 2), "БИК", PDFTable.Cell(bill.bik ?? "")])
        bank.addRow([PDFTable.Cell("", span: 2), "Сч. №", PDFTable.Cell(bill.correspondentAccount ?? "")])
        bank.addRow([PDFTable.Cell("ИНН \(bill.seller.inn ?? "")"), PDFTable.Cell("КПП \(bill.seller.kpp ?? "")"), "Сч. №", PDFTable.Cell(bill.account ?? "")])
        bank.addRow([PDFTable.Cell("\(bill.seller.name)\nПолучатель", span: 2), "", ""])
        document.add(.table(bank))

        document.add(.heading(title(bill)))
        document.add(.rule(thickness: 1.5))
        var parties: [(String, String)] = [
            ("Поставщик (Исполнитель):", party(bill.seller)),
            ("Покупатель (Заказчик):", party(bill.buyer)),
        ]
        parties.append(("Основание:", bill.agreement ?? "Заказ № \(bill.number) от \(WholesailDatabase.russianDate(bill.date))"))
        if let po = bill.poNumber { parties.append(("Заказ покупателя:", "№ \(po)")) }
        if let date = bill.deliveryDate { parties.append(("Дата поставки:", WholesailDatabase.russianDate(date))) }
        document.add(.keyValue(parties, labelWidth: 100, boldValues: true))
        document.add(.spacer(6))

        var table = PDFTable(columns: [
            PDFTable.Column("№", width: .fixed(22), alignment: .center),
            PDFTable.Column("Товары (работы, услуги)", width: .flexible(1)),
            PDFTable.Column("Кол-во", width: .fixed(52), alignment: .right),
            PDFTable.Column("Ед.", width: .fixed(34), alignment: .center),
            PDFTable.Column("Цена", width: .fixed(64), alignment: .right),
            PDFTable.Column("Сумма", width: .fixed(78), alignment: .right),
        ])
        for (index, line) in bill.lines.enumerated() {
            table.addRow([
                PDFTable.Cell(String(index + 1)), PDFTable.Cell("\(line.name) (\(line.sku)\(line.customerSku.map { "; ваш арт. " + $0 } ?? ""))"),
                PDFTable.Cell(Quantity.text(milli: line.qtyMilli).replacingOccurrences(of: ".", with: ",")), PDFTable.Cell(line.unit),
                PDFTable.Cell(amount(line.priceMinor, bill.currency)), PDFTable.Cell(amount(line.amountMinor, bill.currency)),
            ])
        }
        document.add(.table(table))

        var totals = PDFTable(columns: [PDFTable.Column("", width: .flexible(1), alignment: .right), PDFTable.Column("", width: .fixed(90), alignment: .right)])
        totals.showsHeader = false
        totals.borders = .none
        totals.cellPadding = PDFTable.Padding(horizontal: 3, vertical: 1.5)
        totals.addRow(["Итого:", PDFTable.Cell(amount(bill.totalMinor, bill.currency))], style: .bold)
        totals.addRow(["В том числе НДС:", PDFTable.Cell(amount(bill.vatMinor, bill.currency))], style: .bold)
        totals.addRow(["Всего к оплате:", PDFTable.Cell(amount(bill.totalMinor, bill.currency))], style: .bold)
        document.add(.table(totals))
        let currencyName = bill.currency == "RUB" ? "руб." : bill.currency
        document.add(.paragraph("Всего наименований \(bill.lines.count), на сумму \(amount(bill.totalMinor, bill.currency)) \(currencyName)"))
        document.add(.paragraph(AmountInWords.russian(Money(minorUnits: bill.totalMinor, currency: bill.currency)), style: .bold))
        document.add(
            .paragraph(
                "Оплатить не позднее \(WholesailDatabase.russianDate(bill.dueDate)) В назначении платежа укажите номер счёта. "
                    + "Товар отпускается по факту прихода денег на расчётный счёт поставщика.", size: 8.5))
        document.add(.rule())
        document.add(.spacer(16))
        var signatures = PDFTable(columns: [
            PDFTable.Column("", width: .fixed(82)), PDFTable.Column("", width: .flexible(1)), PDFTable.Column("", width: .fixed(82)),
            PDFTable.Column("", width: .fixed(64)), PDFTable.Column("", width: .flexible(1)), PDFTable.Column("", width: .fixed(82)),
        ])
        signatures.showsHeader = false
        signatures.borders = .none
        signatures.addRow(
            ["Руководитель", "________________", PDFTable.Cell(bill.director ?? ""), "Бухгалтер", "________________", PDFTable.Cell(bill.accountant ?? "")],
            style: .bold)
        document.add(.table(signatures))
        return try document.render()
    }
}

/// Makes and keeps an order's bill: generated once, stored as a document with its file.
struct BillService: Sendable {
    let database: WholesailDatabase

    @discardableResult
    func ensureBill(orderId: Int64) async throws -> Int64 {
        if let existing = try await database.billFileId(orderId: orderId) { return existing }
        if try await database.orderAwaitsApproval(orderId: orderId) {
            throw DomainError(.conflict, code: "order.awaiting_approval", message: "This order waits for the approval of the buyer's company.")
        }
        guard let bill = try await database.billData(orderId: orderId) else {
            throw DomainError(.notFound, code: "order.not_found", message: "The order was not found.")
        }
        let data = try BillDocument.pdf(bill)
        return try await database.storeOrderDocument(
            orderId: orderId, kind: "bill", number: bill.number, date: bill.date, amountMinor: bill.totalMinor, currency: bill.currency,
            fileName: "bill-\(bill.number).pdf", data: data)
    }
}
