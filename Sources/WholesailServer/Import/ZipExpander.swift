import Foundation
import WholesailCore
import WholesailStore
import ZIPFoundation

/// Unpacks a zip from the blob store into stored entries, refusing what could hurt: entry names
/// with `..` or absolute paths, more entries than allowed, declared sizes past the limits, a
/// compression ratio only a bomb has, and entries that inflate beyond what they declare. Nothing
/// is kept from a refused zip.
struct ZipExpander {
    let database: WholesailDatabase
    let limits: ImportLimits

    struct Refused: WholesailError {
        var code: String
        var message: String
        var kind: ErrorKind { .invalid }
    }

    func expand(key: String, zipName: String) throws -> [ImportUpload] {
        // ZIPFoundation reads from a file: copy the stored zip to a private temporary file.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wholesail-zip-\(UUID().uuidString).zip")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: url.path)
        else {
            throw Refused(code: "import.zip_unreadable", message: "The zip could not be staged for reading.")
        }
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try BlobReader(database: database, key: key)
        while let part = try reader.next() { try handle.write(contentsOf: part) }
        try handle.close()

        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw Refused(code: "import.zip_unreadable", message: "\(zipName) is not a readable zip archive.")
        }
        // Check every entry before unpacking any.
        var entries: [(Entry, String)] = []
        var declared: UInt64 = 0
        for entry in archive {
            guard entries.count < limits.maxZipEntries else {
                throw Refused(code: "import.zip_too_many_entries", message: "\(zipName) has more than \(limits.maxZipEntries) entries.")
            }
            let raw = Self.entryName(entry)
            if raw.hasPrefix("/") || raw.hasPrefix("\\") || raw.contains("\0") {
                throw Refused(code: "import.zip_bad_path", message: "\(zipName): the entry \"\(raw.prefix(200))\" has an absolute path.")
            }
            guard let path = ImportFiles.normalizedPath(raw) else {
                if raw.replacingOccurrences(of: "\\", with: "/").split(separator: "/").contains("..") {
                    throw Refused(code: "import.zip_bad_path", message: "\(zipName): the entry \"\(raw.prefix(200))\" points outside the package (..).")
                }
                continue
            }
            if raw.count >= 2, raw.dropFirst().first == ":" {
                throw Refused(code: "import.zip_bad_path", message: "\(zipName): the entry \"\(raw.prefix(200))\" has an absolute path.")
            }
            guard entry.type == .file else {
                if entry.type == .symlink {
                    throw Refused(code: "import.zip_bad_path", message: "\(zipName): the entry \"\(raw.prefix(200))\" is a symbolic link.")
                }
                continue
            }
            let size = entry.uncompressedSize
            declared += size
            if size > UInt64(limits.maxUploadBytes) || declared > UInt64(limits.maxUnpackedBytes) {
                throw Refused(
                    code: "import.zip_too_large",
                    message: "\(zipName) unpacks to more than \(limits.maxUnpackedBytes) bytes (or an entry is over \(limits.maxUploadBytes)).")
            }
            if size > 1 << 20, size / max(entry.compressedSize, 1) > UInt64(limits.maxCompressionRatio) {
                throw Refused(
                    code: "import.zip_bomb",
                    message: "\(zipName): the entry \"\(path.prefix(200))\" compresses \(size / max(entry.compressedSize, 1)) to 1, which only a zip bomb does.")
            }
            if path.lowercased().hasSuffix(".zip") {
                continue  // one level of packing is enough
            }
            entries.append((entry, path))
        }
        var uploads: [ImportUpload] = []
        var total = 0
        for (entry, path) in entries {
            var uploader = BlobUploader(database: database, maxBytes: Int(min(entry.uncompressedSize, UInt64(limits.maxUploadBytes))))
            do {
                _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { data in
                    total += data.count
                    if total > limits.maxUnpackedBytes { throw UploadTooLarge(limit: limits.maxUnpackedBytes) }
                    try uploader.appendSync(data)
                }
                uploads.append(ImportUpload(fileName: path, stored: try uploader.finishSync()))
            } catch is UploadTooLarge {
                uploader.discardSync()
                throw Refused(code: "import.zip_bomb", message: "\(zipName): the entry \"\(path.prefix(200))\" inflates beyond its declared size.")
            } catch let error as Refused {
                uploader.discardSync()
                throw error
            } catch {
                uploader.discardSync()
                throw Refused(code: "import.zip_unreadable", message: "\(zipName): the entry \"\(path.prefix(200))\" could not be unpacked.")
            }
        }
        return uploads
    }
}

extension ZipExpander {
    /// An entry's name. The zip format says UTF-8 when the entry's flag says so, else code page
    /// 437; in practice an unflagged name is UTF-8 from many tools, and from Windows in Russian
    /// (Explorer's "Send to compressed folder", 1C's own archiver on older platforms) it is the
    /// DOS code page 866 — so `Прайс.xlsx` does not arrive as `ÅαáÑ⌐ß.xlsx`.
    static func entryName(_ entry: Entry) -> String {
        // Latin-1 maps each byte to the scalar of the same value: the raw bytes of the name.
        let bytes = entry.path(using: .isoLatin1).unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        return entryName(bytes, flaggedUTF8: entry.path == entry.path(using: .utf8))
    }

    static func entryName(_ bytes: [UInt8], flaggedUTF8: @autoclosure () -> Bool) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        if let text = String(validating: bytes, as: UTF8.self) {
            // A name in code page 866 can happen to be valid UTF-8 (`р` then two capitals);
            // unflagged, it is taken as UTF-8 only when it reads as Latin or Cyrillic.
            if flaggedUTF8() || text.unicodeScalars.allSatisfy({ $0.isASCII || (0x00A0...0x052F).contains($0.value) }) { return text }
        }
        return CodePage866.string(bytes)
    }
}
