import Foundation
import ZIPFoundation

/// The central directory of a ZIP archive held in memory (or memory-mapped), read defensively.
///
/// The reader needs to see every entry's declared sizes and path *before* inflating anything,
/// and to inflate with a hard cap, so it reads the directory itself (a few dozen lines of the
/// ZIP format) and only borrows ZIPFoundation's deflate. ZIP64 sizes are understood; encrypted
/// entries and methods other than stored/deflate are refused.
struct ZipDirectory {
    struct Entry {
        var path: String
        var method: UInt16
        var flags: UInt16
        var crc32: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var localHeaderOffset: UInt64
    }

    enum Failure: Error {
        case notZip
        case damaged(String)
    }

    let data: Data
    private(set) var entries: [Entry] = []
    private var byPath: [String: Int] = [:]

    init(_ data: Data, maxEntries: Int) throws {
        self.data = data
        let (count, offset, size) = try Self.locateDirectory(data)
        if count > maxEntries { throw DocumentError.tooManyEntries(count, limit: maxEntries) }
        guard offset <= UInt64(data.count), size <= UInt64(data.count) - offset else {
            throw Failure.damaged("the central directory lies outside the file")
        }
        var cursor = Int(offset)
        let end = Int(offset + size)
        for _ in 0..<count {
            guard cursor + 46 <= end, u32(cursor) == 0x0201_4B50 else {
                throw Failure.damaged("a central directory record is missing")
            }
            var entry = Entry(
                path: "", method: u16(cursor + 10), flags: u16(cursor + 8), crc32: u32(cursor + 16),
                compressedSize: UInt64(u32(cursor + 20)), uncompressedSize: UInt64(u32(cursor + 24)),
                localHeaderOffset: UInt64(u32(cursor + 42)))
            let nameLength = Int(u16(cursor + 28))
            let extraLength = Int(u16(cursor + 30))
            let commentLength = Int(u16(cursor + 32))
            let nameStart = cursor + 46
            guard nameStart + nameLength + extraLength + commentLength <= end else {
                throw Failure.damaged("a central directory record is cut short")
            }
            entry.path = String(decoding: data[(data.startIndex + nameStart)..<(data.startIndex + nameStart + nameLength)], as: UTF8.self)
            try readZip64(into: &entry, extra: nameStart + nameLength, length: extraLength)
            byPath[entry.path] = entries.count
            entries.append(entry)
            cursor = nameStart + nameLength + extraLength + commentLength
        }
    }

    func entry(_ path: String) -> Entry? { byPath[path].map { entries[$0] } }

    /// Streams an entry's uncompressed bytes into `consumer`, stopping with an error as soon as
    /// more than the declared size comes out (declared sizes are checked against the limits
    /// before anything is inflated, so a lying header cannot get past them).
    func read(_ entry: Entry, consumer: (Data) throws -> Void) throws {
        let header = Int(entry.localHeaderOffset)
        guard entry.localHeaderOffset < UInt64(data.count), header + 30 <= data.count, u32(header) == 0x0403_4B50 else {
            throw Failure.damaged("the entry \(entry.path) has no local header")
        }
        let start = header + 30 + Int(u16(header + 26)) + Int(u16(header + 28))
        guard entry.compressedSize <= UInt64(data.count), start + Int(entry.compressedSize) <= data.count else {
            throw Failure.damaged("the entry \(entry.path) is cut short")
        }
        let raw = data[(data.startIndex + start)..<(data.startIndex + start + Int(entry.compressedSize))]
        var produced: UInt64 = 0
        func counting(_ piece: Data) throws {
            produced += UInt64(piece.count)
            guard produced <= entry.uncompressedSize else {
                throw Failure.damaged("the entry \(entry.path) is larger than its header says")
            }
            try consumer(piece)
        }
        let checksum: UInt32
        switch entry.method {
        case 0:
            var position = raw.startIndex
            while position < raw.endIndex {
                let next = min(position + 64 * 1024, raw.endIndex)
                try counting(data.subdata(in: position..<next))
                position = next
            }
            checksum = UInt32(truncatingIfNeeded: raw.crc32(checksum: 0))
        case 8:
            do {
                checksum = try Zlib.inflateRaw(raw, consumer: counting)
            } catch is Zlib.InflateError {
                throw Failure.damaged("the entry \(entry.path) does not inflate")
            }
        default:
            throw Failure.damaged("the entry \(entry.path) uses compression method \(entry.method)")
        }
        guard produced == entry.uncompressedSize, checksum == entry.crc32 else {
            throw Failure.damaged("the entry \(entry.path) fails its checksum")
        }
    }

    // MARK: - Format

    private func u16(_ offset: Int) -> UInt16 {
        let base = data.startIndex + offset
        return UInt16(data[base]) | UInt16(data[base + 1]) << 8
    }

    private func u32(_ offset: Int) -> UInt32 {
        UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16
    }

    private func u64(_ offset: Int) -> UInt64 {
        UInt64(u32(offset)) | UInt64(u32(offset + 4)) << 32
    }

    private mutating func readZip64(into entry: inout Entry, extra: Int, length: Int) throws {
        guard entry.uncompressedSize == 0xFFFF_FFFF || entry.compressedSize == 0xFFFF_FFFF
            || entry.localHeaderOffset == 0xFFFF_FFFF
        else { return }
        var cursor = extra
        while cursor + 4 <= extra + length {
            let id = u16(cursor)
            let size = Int(u16(cursor + 2))
            if id == 0x0001 {
                var field = cursor + 4
                let fieldEnd = field + size
                if entry.uncompressedSize == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                    entry.uncompressedSize = u64(field)
                    field += 8
                }
                if entry.compressedSize == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                    entry.compressedSize = u64(field)
                    field += 8
                }
                if entry.localHeaderOffset == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                    entry.localHeaderOffset = u64(field)
                }
                return
            }
            cursor += 4 + size
        }
        throw Failure.damaged("the entry \(entry.path) lacks its ZIP64 sizes")
    }

    /// Finds the end-of-central-directory record (and its ZIP64 twin when the classic fields
    /// overflow): entry count, directory offset and size.
    private static func locateDirectory(_ data: Data) throws -> (Int, UInt64, UInt64) {
        let bytes = data
        guard bytes.count >= 22 else { throw Failure.notZip }
        func u16(_ offset: Int) -> UInt16 {
            UInt16(bytes[bytes.startIndex + offset]) | UInt16(bytes[bytes.startIndex + offset + 1]) << 8
        }
        func u32(_ offset: Int) -> UInt32 { UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16 }
        func u64(_ offset: Int) -> UInt64 { UInt64(u32(offset)) | UInt64(u32(offset + 4)) << 32 }
        // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while position >= lowest {
            if u32(position) == 0x0605_4B50 && position + 22 + Int(u16(position + 20)) == bytes.count { break }
            position -= 1
        }
        guard position >= lowest else { throw Failure.notZip }
        var count = UInt64(u16(position + 10))
        var size = UInt64(u32(position + 12))
        var offset = UInt64(u32(position + 16))
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            let locator = position - 20
            guard locator >= 0, u32(locator) == 0x0706_4B50 else {
                throw Failure.damaged("the ZIP64 directory locator is missing")
            }
            let record64 = u64(locator + 8)
            guard record64 <= UInt64(bytes.count - 56), u32(Int(record64)) == 0x0606_4B50 else {
                throw Failure.damaged("the ZIP64 directory record is missing")
            }
            count = u64(Int(record64) + 32)
            size = u64(Int(record64) + 40)
            offset = u64(Int(record64) + 48)
        }
        guard count <= UInt64(Int32.max) else { throw Failure.damaged("the entry count is absurd") }
        return (Int(count), offset, size)
    }
}
