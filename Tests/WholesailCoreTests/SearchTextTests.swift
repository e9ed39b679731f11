import Testing
import WholesailTestSupport

@testable import WholesailCore

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

    @Test("the byte-wise normalization of Latin and Cyrillic text equals the one by Unicode properties")
    func commonScripts() {
        let alphabet: [Character] = Array("aZz09 -.,/_;:!?\t\nЁёЕеЖжЯяЀЏѐџАаЯяЩщЪъЫыЬьЭэЮюІіЇїЄєЎўЂђЉљЊњЋћЌќЍѝ№«»°–—“”„") + ["\u{00A0}", "\u{0}", "\r\n", "\u{7F}"]
        let others: [Character] = ["é", "ß", "Σ", "٣", "²", "Ѣ", "ѣ", "Ґ", "😀", "İ", "e\u{301}", "‘", "…", "\u{2010}"]
        var random = SeededRandom(seed: 42)
        var common = 0
        for round in 0..<3_000 {
            let length = Int(random.next() % 40)
            var text = ""
            for _ in 0..<length {
                if round % 3 == 2 && random.next() % 10 == 0 {
                    text.append(others[Int(random.next() % UInt64(others.count))])
                } else {
                    text.append(alphabet[Int(random.next() % UInt64(alphabet.count))])
                }
            }
            let fast = SearchText.normalizeCommon(text)
            if let fast {
                common += 1
                #expect(fast == SearchText.normalizeScalars(text), "\(text.debugDescription)")
            } else {
                #expect(text.unicodeScalars.contains { $0.value >= 0x80 && !(0x400...0x45F).contains($0.value) && !"\u{00A0}«»°–—“”„№".unicodeScalars.contains($0) }, "\(text.debugDescription)")
            }
            #expect(SearchText.normalize(text) == SearchText.normalizeScalars(text))
        }
        #expect(common > 1_500)
    }

    @Test("normalized pieces joined by a space equal the normalized joined text")
    func pieces() {
        let samples = ["Кабель ВВГнг 3х2,5", "", "  ", "ЁЛКА!", "Σίσυφος", "a-b", "***", "x "]
        for a in samples {
            for b in samples {
                let joined = [SearchText.normalize(a), SearchText.normalize(b)].filter { !$0.isEmpty }.joined(separator: " ")
                #expect(SearchText.normalize(a + " " + b) == joined)
            }
        }
    }
}
