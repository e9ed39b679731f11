import Foundation
import Testing
import WholesailResources
import WholesailTestSupport

@Suite struct AssetsTests {
    @Test("every file under Resources/ is embedded, byte for byte (run scripts/gen-assets when this fails)")
    func embeddedTableIsCurrent() throws {
        let root = Repository.root.appendingPathComponent("Resources")
        let enumerator = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
        var onDisk: [String] = []
        for case let url as URL in enumerator where !url.hasDirectoryPath && !url.lastPathComponent.hasPrefix(".") {
            onDisk.append(String(url.path.dropFirst(root.path.count + 1)))
        }
        #expect(onDisk.sorted() == Assets.names)
        for name in onDisk {
            #expect(Assets.data(name) == FileManager.default.contents(atPath: root.appendingPathComponent(name).path), "\(name)")
        }
    }
}
