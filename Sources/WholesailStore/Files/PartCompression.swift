import CWholesailZlib
import Foundation
import WholesailCore

/// Upload parts are kept zlib-compressed (level 1): ERP XML shrinks about tenfold, so a 1 GB
/// package costs the database file ~100 MB instead of 1 GB, and storing it writes (to the WAL and
/// then the file), hashes and reads back a tenth of the bytes.
///
/// A manifest names a compressed part `<sha256 of the stored bytes>:z<size before compression>`;
/// a plain key names a part stored as it came (a part that does not shrink, or one stored before
/// compression existed). The key is the hash of what is stored, so a compressed part never shares
/// a row with a plain file whose bytes happen to be equal to the original.
struct PartRef: Equatable {
    var key: String
    /// The size before compression, when the part is compressed.
    var rawSize: Int?

    init(key: String, rawSize: Int?) {
        self.key = key
        self.rawSize = rawSize
    }

    init?(_ entry: String) {
        guard let colon = entry.firstIndex(of: ":") else {
            guard BlobStore.isValidKey(entry) else { return nil }
            self.init(key: entry, rawSize: nil)
            return
        }
        let key = String(entry[..<colon])
        let rest = entry[entry.index(after: colon)...]
        guard BlobStore.isValidKey(key), rest.first == "z", let size = Int(rest.dropFirst()), size >= 0, size <= BlobParts.partSize else { return nil }
        self.init(key: key, rawSize: size)
    }

    var entry: String { rawSize.map { "\(key):z\($0)" } ?? key }
}

enum PartCompression {
    /// Compresses one part; nil when it would not save at least a tenth (already compressed
    /// data: images, zips).
    static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        guard !bytes.isEmpty else { return nil }
        var capacity = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let code = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &capacity, source.baseAddress, uLong(source.count), 1)
            }
        }
        guard code == Z_OK, Int(capacity) < bytes.count - bytes.count / 10 else { return nil }
        out.removeSubrange(Int(capacity)...)
        return out
    }

    /// Restores a part of `rawSize` bytes; throws when the stored bytes are damaged.
    static func decompress(_ stored: Data, rawSize: Int) throws -> Data {
        var out = Data(count: rawSize)
        var length = uLong(rawSize)
        let code = out.withUnsafeMutableBytes { target in
            stored.withUnsafeBytes { source in
                uncompress(
                    target.baseAddress?.assumingMemoryBound(to: Bytef.self), &length, source.baseAddress?.assumingMemoryBound(to: Bytef.self),
                    uLong(source.count))
            }
        }
        guard code == Z_OK, Int(length) == rawSize else {
            throw DomainError(.invalid, code: "import.blob_damaged", message: "A stored upload is damaged; upload the file again.")
        }
        return out
    }
}
