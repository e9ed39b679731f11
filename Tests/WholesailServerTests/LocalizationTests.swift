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

@Suite struct ErrorCodeTranslationTests {
    @Test("every error code the sources raise has a message in both languages")
    func everyCodeTranslated() throws {
        let all = try Localizer.loadAll()
        let pattern = try NSRegularExpression(pattern: #"code: "([a-z_.]+)"|notFound\("([a-z]+)"\)"#)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for folder in ["Sources/WholesailCore", "Sources/WholesailStore", "Sources/WholesailServer"] {
            let enumerator = try #require(FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil))
            for case let url as URL in enumerator where url.pathExtension == "swift" {
                let text = try String(contentsOf: url, encoding: .utf8)
                for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    let code = Range(match.range(at: 1), in: text).map { String(text[$0]) }
                        ?? Range(match.range(at: 2), in: text).map { String(text[$0]) + ".not_found" }
                    guard let code, !["seed.already_seeded", "seed.bad_count"].contains(code), !code.hasPrefix("store.") else { continue }
                    for language in Language.allCases {
                        #expect(all[language]?.strings["error." + code] != nil, "\(language.rawValue): error.\(code) (\(url.lastPathComponent))")
                    }
                }
            }
        }
    }
}
