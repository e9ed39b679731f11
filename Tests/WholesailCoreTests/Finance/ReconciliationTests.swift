import Testing
import WholesailCore

@Suite struct ReconciliationPeriodTests {
    @Test("months end on their last day, February in leap years too", arguments: [
        (2026, 1, "2026-01-01", "2026-01-31"), (2026, 2, "2026-02-01", "2026-02-28"), (2028, 2, "2028-02-01", "2028-02-29"),
        (2000, 2, "2000-02-01", "2000-02-29"), (2026, 4, "2026-04-01", "2026-04-30"), (2026, 12, "2026-12-01", "2026-12-31"),
    ] as [(Int, Int, String, String)])
    func months(year: Int, month: Int, from: String, to: String) throws {
        let period = try #require(ReconciliationPeriod.month(year: year, month: month))
        #expect(period.from == from)
        #expect(period.to == to)
        #expect(period.label == String(from.prefix(7)))
    }

    @Test("quarters and years, with their labels")
    func quartersAndYears() throws {
        let q1 = try #require(ReconciliationPeriod.quarter(year: 2026, quarter: 1))
        #expect((q1.from, q1.to, q1.label) == ("2026-01-01", "2026-03-31", "2026-Q1"))
        let q4 = try #require(ReconciliationPeriod.quarter(year: 2026, quarter: 4))
        #expect((q4.from, q4.to, q4.label) == ("2026-10-01", "2026-12-31", "2026-Q4"))
        let year = try #require(ReconciliationPeriod.year(2025))
        #expect((year.from, year.to, year.label) == ("2025-01-01", "2025-12-31", "2025"))
        #expect(year.russianRange == "01.01.2025 — 31.12.2025")
        #expect(ReconciliationPeriod.quarter(year: 2026, quarter: 5) == nil)
        #expect(ReconciliationPeriod.month(year: 2026, month: 13) == nil)
        #expect(ReconciliationPeriod.year(1999) == nil)
    }

    @Test("a form's period: each kind, and the refusals with their fields")
    func parsing() throws {
        func parse(_ kind: String, year: String? = "2026", month: String? = nil, quarter: String? = nil, from: String? = nil, to: String? = nil) throws(ValidationError)
            -> ReconciliationPeriod
        {
            try ReconciliationPeriod.parse(kind: kind, year: year, month: month, quarter: quarter, from: from, to: to, today: "2026-05-15")
        }
        #expect(try parse("month", month: "2").to == "2026-02-28")
        #expect(try parse("quarter", quarter: "2").label == "2026-Q2")
        #expect(try parse("year").label == "2026")
        let custom = try parse("custom", from: "2026-01-10", to: "2026-02-15")
        #expect(custom.label == "2026-01-10…2026-02-15")
        #expect(try parse("custom", from: "2026-03-01", to: "2026-03-01").from == "2026-03-01")
        for (fields, field) in [
            (["custom", "2026-02-30", "2026-03-01"], "from"), (["custom", "2026-03-01", "01.04.2026"], "to"),
            (["custom", "2026-03-10", "2026-03-01"], "to"),
        ] {
            #expect(throws: ValidationError.self) { try parse(fields[0], from: fields[1], to: fields[2]) }
            do {
                _ = try parse(fields[0], from: fields[1], to: fields[2])
            } catch {
                #expect(error.fields[field] != nil, "\(fields)")
            }
        }
        #expect(throws: ValidationError.self) { try parse("month", month: "13") }
        #expect(throws: ValidationError.self) { try parse("month", year: "abc", month: "1") }
        do {
            _ = try parse("month", month: "6")
            Issue.record("June 2026 begins after 2026-05-15")
        } catch {
            #expect(error.fields["period"]?.code == "reconciliation.future_period")
        }
    }

    @Test("calendar days: only real dates in the YYYY-MM-DD form")
    func days() {
        #expect(CalendarDay.parse("2024-02-29") != nil)
        #expect(CalendarDay.parse("2023-02-29") == nil)
        #expect(CalendarDay.parse("1900-02-29") == nil)
        #expect(CalendarDay.parse("2026-1-01") == nil)
        #expect(CalendarDay.parse("2026-01-01T10:00") == nil)
        #expect(CalendarDay.parse("２０２６-01-01") == nil)
        #expect(CalendarDay.russianShort("2026-03-31 10:00:00.000") == "31.03.2026")
    }
}

@Suite struct ReconciliationActTests {
    static let period = ReconciliationPeriod.month(year: 2026, month: 1)!

    static func act(_ entries: [SettlementEntry]) -> ReconciliationAct {
        ReconciliationAct(
            seller: OrganizationDetails(name: "ООО «Поставщик»"), buyer: OrganizationDetails(name: "ООО «Альфа»"), currency: "RUB", period: period,
            entries: entries)
    }

    @Test("earlier entries make the opening balance; the period's are listed by date; later ones are left out")
    func balances() {
        let act = Self.act([
            SettlementEntry(date: "2026-01-20", document: "Оплата", amountMinor: -40_000),
            SettlementEntry(date: "2025-12-01", document: "Отгрузка 1", amountMinor: 100_000),
            SettlementEntry(date: "2025-12-15", document: "Оплата 1", amountMinor: -30_000),
            SettlementEntry(date: "2026-01-05 09:30:00", document: "Отгрузка 2", amountMinor: 25_000),
            SettlementEntry(date: "2026-01-31", document: "Отгрузка 3", amountMinor: 5_000),
            SettlementEntry(date: "2026-02-01", document: "Отгрузка 4", amountMinor: 999_999),
        ])
        #expect(act.openingMinor == 70_000)
        #expect(act.entries.map(\.document) == ["Отгрузка 2", "Оплата", "Отгрузка 3"])
        #expect(act.debitMinor == 30_000)
        #expect(act.creditMinor == 40_000)
        #expect(act.closingMinor == 60_000)
    }

    @Test("the closing balance is opening + debit − credit for any entries", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func closingProperty(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var entries: [SettlementEntry] = []
        var expectedClosing: Int64 = 0
        for _ in 0..<200 {
            let day = CalendarDay.text(2026, generator.int(1...2) == 1 ? 1 : 2, generator.int(1...28))
            let earlier = generator.chance(30)
            let date = earlier ? CalendarDay.text(2025, 12, generator.int(1...31)) : day
            let amount = Int64(generator.int(-500_000...500_000))
            entries.append(SettlementEntry(date: date, document: "", amountMinor: amount))
            if date <= "2026-01-31" { expectedClosing += amount }
        }
        let act = Self.act(entries)
        #expect(act.closingMinor == expectedClosing)
        #expect(act.openingMinor + act.debitMinor - act.creditMinor == act.closingMinor)
        #expect(act.entries.allSatisfy { $0.date >= "2026-01-01" && $0.date <= "2026-01-31" })
        #expect(act.entries.map(\.date) == act.entries.map(\.date).sorted())
    }
}

@Suite struct ShipmentDocumentTests {
    @Test("the shipped part of a line: its amount in proportion, VAT from it, the whole line exactly")
    func shippedLine() {
        let rate = ExactDecimal(20)
        let whole = ShipmentDocument.Line.shipped(
            name: "Кабель", sku: "CAB-1", unit: "шт", unitCode: "796", orderedMilli: 3000, orderedAmountMinor: 29_999, shippedMilli: 3000, vatRate: rate)
        #expect(whole.amountMinor == 29_999)
        let part = ShipmentDocument.Line.shipped(
            name: "Кабель", sku: "CAB-1", unit: "шт", unitCode: "796", orderedMilli: 3000, orderedAmountMinor: 30_000, shippedMilli: 2000, vatRate: rate)
        #expect(part.amountMinor == 20_000)
        #expect(part.vatMinor == 3_333)
        #expect(part.amountWithoutVatMinor == 16_667)
        #expect(part.priceWithoutVatMinor == 8_334)
        let third = ShipmentDocument.Line.shipped(
            name: "Провод", sku: "W", unit: "м", unitCode: "006", orderedMilli: 3000, orderedAmountMinor: 10_000, shippedMilli: 1000, vatRate: ExactDecimal(0))
        #expect(third.amountMinor == 3_333)
        #expect(third.vatMinor == 0)
    }
}
