import Testing
import WholesailCore

@Suite struct DecimalTextTests {
    @Test(
        "ERP number forms become one canonical text",
        arguments: [
            ("1234.50", "1234.5"), ("1 234,50", "1234.5"), ("1\u{A0}719", "1719"),
            ("1\u{202F}234\u{202F}567,8", "1234567.8"),
            ("45000.0", "45000"), ("231.7400", "231.74"), ("1.0000", "1"), (" 7 ", "7"), ("0", "0"), ("-0,00", "0"),
            ("007", "7"), (".5", "0.5"), ("5.", "5"), ("-12,5", "-12.5"), ("+3", "3"), ("1,234.56", "1234.56"),
            ("1.234,56", "1234.56"), ("1,234,567", "1234567"), ("2.383", "2.383"), ("0.000001", "0.000001"),
            ("\u{2212}4", "-4"),
        ])
    func canonical(raw: String, expected: String) {
        #expect(DecimalText.canonical(raw) == expected)
    }

    @Test(
        "garbage is refused",
        arguments: [
            "abc", "", " ", "-", "12abc", "1e5", "1.2.3", "1,2,3", "12 34", "1 2345", "1..2", "1,23.4,5", "NaN", "∞",
            "1/2",
            "1 234 5", "--1", "1-", String(repeating: "9", count: 39),
        ])
    func garbage(raw: String) {
        #expect(DecimalText.canonical(raw) == nil)
    }

    @Test("canonical text is what ExactDecimal reads")
    func exactDecimal() throws {
        let text = try #require(DecimalText.canonical("1 234,567"))
        #expect(ExactDecimal(parsing: text) == ExactDecimal(units: 1_234_567, scale: 1000))
    }
}
