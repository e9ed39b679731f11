import Foundation

/// A synthetic price list workbook (title, frozen header, money and date columns) of any length:
/// what `wholesail bench documents` and the benchmark package time, written and read back.
public enum DemoPriceList {
    public static func workbook(rows: Int) -> XLSXWriter {
        var sheet = XLSXSheet(name: "Прайс-лист")
        sheet.columns = [
            XLSXColumn(width: 12), XLSXColumn(width: 50), XLSXColumn(width: 8), XLSXColumn(width: 14, format: .money),
            XLSXColumn(width: 12),
        ]
        sheet.addTitle("Прайс-лист ООО «Оптовик» на 29 ноября 2026 г.")
        sheet.addHeader(["Артикул", "Наименование", "Ед.", "Цена, ₽", "Обновлено"])
        for index in 0..<rows {
            sheet.addRow([
                "А-\(10_000 + index)", "Товар каталога № \(index), оцинкованный, упаковка \(index % 50 + 1) шт.", "шт",
                .money(minorUnits: Int64(index * 137 % 100_000 + 99)), .date(year: 2026, month: 11, day: index % 28 + 1),
            ])
        }
        var workbook = XLSXWriter(title: "Прайс-лист")
        workbook.addSheet(sheet)
        return workbook
    }
}
