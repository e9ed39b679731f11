import Foundation
import Testing
import WholesailServer
import WholesailTestSupport

@Suite struct ConfigurationDocsTests {
    @Test("docs/configuration.md documents every environment variable the code reads, and no other")
    func documented() throws {
        let doc = try String(contentsOfFile: Repository.path("docs/configuration.md"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: "`(WHOLESAIL_[A-Z_]+)`")
        let documented = Set(pattern.matches(in: doc, range: NSRange(doc.startIndex..., in: doc)).map {
            String(doc[Range($0.range(at: 1), in: doc)!])
        })
        let known = Set(WholesailConfiguration.environmentKeys.map(\.key))
        #expect(documented == known)
    }
}
