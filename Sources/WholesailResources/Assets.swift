import CWholesailAssets
import Foundation

/// The files of `Resources/`, compiled into the executable by the `CWholesailAssets` C target.
///
/// `Bundle.module` is never used: its accessor falls back to an absolute `.build` path and
/// crashes once the binary is copied elsewhere. Set `WHOLESAIL_ASSETS_DIR` to a checkout's
/// `Resources/` folder to edit templates and styles without rebuilding.
public enum Assets {
    /// Every embedded file by its path under `Resources/` (`templates/layout.mustache`).
    nonisolated(unsafe) private static let embedded: [String: UnsafeRawBufferPointer] = {
        var table: [String: UnsafeRawBufferPointer] = [:]
        for index in 0..<wholesail_asset_count() {
            guard let entry = wholesail_asset_at(index)?.pointee else { continue }
            table[String(cString: entry.name)] = UnsafeRawBufferPointer(start: entry.data, count: Int(entry.length))
        }
        return table
    }()

    /// A development override folder, read once at start.
    private static let overrideDirectory: String? = {
        guard let dir = ProcessInfo.processInfo.environment["WHOLESAIL_ASSETS_DIR"], !dir.isEmpty else { return nil }
        return dir
    }()

    /// The paths of all embedded files, sorted.
    public static var names: [String] { embedded.keys.sorted() }

    /// The bytes of one file, or nil when there is no such asset.
    public static func data(_ name: String) -> Data? {
        if let dir = overrideDirectory, !name.contains(".."),
            let data = FileManager.default.contents(atPath: dir + "/" + name)
        {
            return data
        }
        guard let buffer = embedded[name] else { return nil }
        return Data(buffer)
    }

    /// The text of one file (UTF-8), or nil when there is no such asset.
    public static func string(_ name: String) -> String? {
        data(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// All embedded paths under a folder (`templates/`), sorted.
    public static func names(under prefix: String) -> [String] {
        names.filter { $0.hasPrefix(prefix) }
    }
}
