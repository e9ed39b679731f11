import Testing
import WholesailCore

@Suite struct SearchTextTests {
    @Test("what people type becomes a safe FTS5 expression", arguments: [
        ("кабель", #""кабель"*"#),
        ("Кабель ВВГнг 3х2,5", #""кабель" "ввгнг" "3х2" "5"*"#),
        ("ЁЛКА", #""елка"*"#),
        (#""кабель медный" 3х2,5"#, #""кабель медный" "3х2" "5"*"#),
        ("кабель -алюминиевый", #""кабель" NOT "алюминиевый""#),
        (#"розетка -"с usb""#, #""розетка" NOT "с usb""#),
        ("AND OR NOT", #""and" "or" "not"*"#),
        (#"name:провод"#, #""name" "провод"*"#),
    ])
    func expressions(input: String, expected: String) {
        #expect(SearchText.matchExpression(input) == expected)
    }

    @Test("nothing searchable gives no expression", arguments: ["", "   ", "***", "\"\"", "-кабель", "()[]{}", "\u{0000}"])
    func nothing(input: String) {
        #expect(SearchText.matchExpression(input) == nil)
    }

    @Test("10 KB of text is cut, not an error")
    func long() {
        let expression = SearchText.matchExpression(String(repeating: "кабель ", count: 2000))
        #expect(expression?.components(separatedBy: "\"кабель\"").count == 9)
    }
}
