import Testing
import WholesailCore

@Suite struct MoneyTests {
    @Test("decimal strings round-trip exactly", arguments: ["0.00", "1.05", "-12.30", "1234567.89", "0.01"])
    func roundTrip(text: String) throws {
        let money = try #require(Money(decimal: text, currency: "RUB"))
        #expect(money.decimalString == text)
    }

    @Test("ERP and human spellings parse", arguments: [
        ("1 234,50", 123_450), ("1234.5", 123_450), ("+7", 700), ("-0,01", -1), ("\u{00A0}99,90", 9_990),
    ])
    func spellings(text: String, minor: Int64) throws {
        #expect(Money(decimal: text, currency: "RUB")?.minorUnits == minor)
    }

    @Test("non-amounts are refused", arguments: ["", "abc", "1.2.3", "1,234.5", "1.005", "1e5", "NaN", "--1", ".", "99999999999999999999"])
    func refused(text: String) {
        #expect(Money(decimal: text, currency: "RUB") == nil)
    }

    @Test("rounding is half away from zero, once")
    func rounding() {
        #expect(Money.rounded(numerator: 5, denominator: 10) == 1)
        #expect(Money.rounded(numerator: -5, denominator: 10) == -1)
        #expect(Money.rounded(numerator: 4, denominator: 10) == 0)
        #expect(Money.rounded(numerator: 15, denominator: 10) == 2)
        let price = Money(minorUnits: 1_999, currency: "RUB")
        // +3% of 19.99 = 20.5897 → 20.59
        #expect(price.multiplied(by: ExactDecimal(parsing: "1.03")!).minorUnits == 2_059)
        // 12.5 units of 0.33 = 4.125 → 4.13
        #expect(Money(minorUnits: 33, currency: "RUB").multiplied(by: ExactDecimal(parsing: "12.5")!).minorUnits == 413)
    }

    @Test("sums never drift the way floats do")
    func noDrift() {
        var total = Money.zero("RUB")
        for _ in 0..<1000 { total = total + Money(minorUnits: 10, currency: "RUB") }
        #expect(total.decimalString == "100.00")
    }

    @Test("ExactDecimal prints without trailing zeros")
    func exactDecimal() {
        #expect(ExactDecimal(parsing: "2.500")?.description == "2.5")
        #expect(ExactDecimal(parsing: "-0,75")?.description == "-0.75")
        #expect(ExactDecimal(parsing: "12")?.description == "12")
    }

    @Test("values beyond 64 bits are refused or saturate, never trap")
    func overflow() {
        // The API fuzzer's quantity 5.036964237131448e+16 once crashed the server here.
        #expect(ExactDecimal(parsing: "50369642371314480")?.scaled(to: 1000, rounding: false) == nil)
        #expect(ExactDecimal(parsing: "9223372036854775807")?.scaled(to: 100, rounding: true) == nil)
        #expect(Quantity.milli(parsing: "50369642371314480") == nil)
        #expect(Money(decimal: "92233720368547759", currency: "RUB") == nil)
        #expect(Money(minorUnits: .max, currency: "RUB").multiplied(by: ExactDecimal(units: 2_000_000, scale: 1000)).minorUnits == .max)
        #expect(Money.rounded(numerator: Int128(Int64.min) * 3, denominator: 1) == .min)
        #expect(Money.sum([Int64.max, 1, 5]) == .max)
        #expect(Money.sum([Int64(150), -50]) == 100)
    }
}
