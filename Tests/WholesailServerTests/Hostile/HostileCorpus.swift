import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// The committed hostile-input corpus (`Tests/Fixtures/hostile`, written by
/// `scripts/gen-hostile-corpus`) and the cases generated here because a file would be huge.
enum HostileCorpus {
    static let folder = Repository.root.appendingPathComponent("Tests/Fixtures/hostile")

    /// The upload files: the part of the name after the first dot is the name it is sent under
    /// (`xxe-file.import.xml` goes up as `import.xml`); zips go up under their own name.
    static func uploads() throws -> [(label: String, name: String, data: Data)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("uploads").path).sorted()
        return try names.map { file in
            let data = try Data(contentsOf: folder.appendingPathComponent("uploads").appendingPathComponent(file))
            let sent = file.hasSuffix(".zip") ? file : String(file.drop { $0 != "." }.dropFirst())
            return (file, sent, data)
        }
    }

    /// The injection strings of `strings.txt` (`\r`, `\n` written out become CR and LF).
    static func strings() throws -> [String] {
        let text = try String(contentsOf: folder.appendingPathComponent("strings.txt"), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.hasPrefix("#") }
            .map { $0.replacingOccurrences(of: "\\r", with: "\r").replacingOccurrences(of: "\\n", with: "\n") }
    }

    /// Strings whose raw appearance in an HTML page would be markup (an XSS).
    static func isMarkup(_ payload: String) -> Bool {
        payload.contains("<") || payload.contains("\">") || payload.contains("'>")
    }

    /// What a page must never contain: the payload as it was sent.
    static func expectEscaped(_ html: String, _ payloads: [String], where place: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for payload in payloads where isMarkup(payload) {
            #expect(!html.contains(payload), "raw \(payload) in \(place)", sourceLocation: sourceLocation)
        }
    }

    /// Counts of what a test tried, printed so a run reports them (docs/reliability.md quotes them).
    final class Tally: @unchecked Sendable {
        let group: String
        private(set) var tried = 0
        private var lock = NSLock()
        init(_ group: String) { self.group = group }
        func count(_ n: Int = 1) { lock.withLock { tried += n } }
        func report() { print("hostile corpus: \(group): \(tried) cases tried, all refused or neutralized") }
    }

    /// The database checks that hold after every hostile case.
    static func expectIntact(_ database: WholesailDatabase, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let check = try await database.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
        #expect(check == ["ok"], sourceLocation: sourceLocation)
        let tables = try await database.read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('user', 'customerOrder', 'product', 'session')")
        }
        #expect(tables == 4, sourceLocation: sourceLocation)
    }
}
