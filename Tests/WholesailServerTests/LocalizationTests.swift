import Foundation
import Testing
import WholesailResources
@testable import WholesailServer

@Suite struct LocalizationTests {
    @Test("English and Russian have exactly the same keys, none empty")
    func parity() throws {
        let all = try Localizer.loadAll()
        let en = try #require(all[.en]).strings
        let ru = try #require(all[.ru]).strings
        #expect(Set(en.keys).symmetricDifference(ru.keys).isEmpty, "keys only in one language")
        #expect(en.values.allSatisfy { !$0.isEmpty } && ru.values.allSatisfy { !$0.isEmpty })
    }

    @Test("every {{t.key}} a template uses exists in the translations")
    func templatesUseKnownKeys() throws {
        let strings = try #require(try Localizer.loadAll()[.en]).strings
        let pattern = try NSRegularExpression(pattern: #"\{\{\{?t\.([a-z0-9_.]+)\}?\}\}"#)
        for name in Assets.names(under: "templates/") {
            let text = try #require(Assets.string(name))
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let key = String(text[Range(match.range(at: 1), in: text)!])
                #expect(strings[key] != nil, "\(name) uses t.\(key), which has no translation")
            }
        }
    }

    @Test("Accept-Language negotiation", arguments: [
        ("en-GB,en;q=0.8", Language.en), ("de-DE,de;q=0.9,ru;q=0.5", .ru), ("de", .ru), ("fr;q=0.9,en;q=0.95", .en),
    ])
    func negotiate(header: String, expected: Language) {
        #expect(Language.negotiate(explicit: nil, acceptLanguage: header) == expected)
    }
}
