import Foundation

/// Where the bytes of an exchange file come from: chunks pulled one at a time, so a
/// multi-gigabyte upload is never held in memory. A chunk that is `nil` or empty ends the input.
public struct ExchangeInput {
    let nextChunk: () throws -> Data?

    /// Chunks from a closure; `nil` or an empty `Data` ends the input.
    public init(chunks: @escaping () throws -> Data?) {
        nextChunk = chunks
    }

    /// The bytes of `data`, handed out in slices (no copy).
    public static func data(_ data: Data, chunkSize: Int = 1 << 20) -> ExchangeInput {
        var offset = data.startIndex
        return ExchangeInput {
            guard offset < data.endIndex else { return nil }
            let end = min(offset + max(chunkSize, 1), data.endIndex)
            defer { offset = end }
            return data[offset..<end]
        }
    }

    /// The bytes of `bytes`.
    public static func bytes(_ bytes: [UInt8], chunkSize: Int = 1 << 20) -> ExchangeInput {
        data(Data(bytes), chunkSize: chunkSize)
    }

    /// Reads `handle` from its current offset to its end, `chunkSize` bytes at a time.
    public static func fileHandle(_ handle: FileHandle, chunkSize: Int = 1 << 20) -> ExchangeInput {
        ExchangeInput {
            do {
                return try handle.read(upToCount: chunkSize)
            } catch {
                throw ExchangeError(.readFailed, line: 0, "The file could not be read: \(error.localizedDescription)")
            }
        }
    }
}

/// Windows-1251 (the Cyrillic code page 1C still writes order exchanges in) to UTF-8.
enum Windows1251 {
    /// Unicode scalars for bytes 0x80...0xFF. 0x98 is unassigned; like WHATWG it maps to U+0098.
    static let upperHalf: [UInt16] = [
        0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,  // 80
        0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,  // 88
        0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90
        0x0098, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,  // 98
        0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,  // A0
        0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,  // A8
        0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,  // B0
        0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,  // B8
        0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417,  // C0 А…
        0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
        0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,
        0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
        0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437,  // E0 а…
        0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
        0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447,
        0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
    ]

    /// Appends the UTF-8 form of the Windows-1251 `bytes` to `output`.
    static func transcode(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        SingleByteCodePage.transcode(bytes, upperHalf: upperHalf, into: &output)
    }
}

/// DOS code page 866, what Windows in Russian writes into the names of a zip's entries.
public enum CodePage866 {
    /// Unicode scalars for bytes 0x80...0xFF.
    static let upperHalf: [UInt16] = [
        0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417,  // 80 А…
        0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,  // 88
        0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,  // 90
        0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,  // 98
        0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437,  // A0 а…п
        0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,  // A8
        0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,  // B0 box drawing
        0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,  // B8
        0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,  // C0
        0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,  // C8
        0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,  // D0
        0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,  // D8
        0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447,  // E0 р…я
        0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,  // E8
        0x0401, 0x0451, 0x0404, 0x0454, 0x0407, 0x0457, 0x040E, 0x045E,  // F0 Ё ё Є є Ї ї Ў ў ° ∙ · √ № ¤ ■ nbsp
        0x00B0, 0x2219, 0x00B7, 0x221A, 0x2116, 0x00A4, 0x25A0, 0x00A0,  // F8
    ]

    public static func string(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        bytes.withUnsafeBytes { SingleByteCodePage.transcode($0, upperHalf: upperHalf, into: &output) }
        return String(decoding: output, as: UTF8.self)
    }
}

/// A code page of one byte a character: ASCII below 0x80, a table of 128 scalars above.
enum SingleByteCodePage {
    /// Appends the UTF-8 form of `bytes` to `output`.
    static func transcode(_ bytes: UnsafeRawBufferPointer, upperHalf: [UInt16], into output: inout [UInt8]) {
        output.reserveCapacity(output.count + bytes.count * 2)
        for byte in bytes {
            if byte < 0x80 {
                output.append(byte)
                continue
            }
            let scalar = upperHalf[Int(byte) - 0x80]
            if scalar < 0x800 {
                output.append(UInt8(0xC0 | (scalar >> 6)))
                output.append(UInt8(0x80 | (scalar & 0x3F)))
            } else {
                output.append(UInt8(0xE0 | (scalar >> 12)))
                output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                output.append(UInt8(0x80 | (scalar & 0x3F)))
            }
        }
    }
}

/// UTF-8 checks on raw bytes.
enum UTF8Check {
    /// The offset of the first byte that does not begin a complete, valid UTF-8 sequence, or nil
    /// when all of `bytes` is valid. With `allowTruncatedTail`, a sequence cut off by the end of
    /// `bytes` counts as valid (more bytes may follow in the next chunk).
    static func firstInvalidOffset(_ bytes: UnsafeRawBufferPointer, allowTruncatedTail: Bool = false) -> Int? {
        let count = bytes.count
        var index = 0
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return index
            }
            for offset in 1..<length {
                guard index + offset < count else { return allowTruncatedTail ? nil : index }
                let byte = bytes[index + offset]
                if offset == 1 {
                    guard byte >= lower && byte <= upper else { return index }
                } else {
                    guard byte & 0xC0 == 0x80 else { return index }
                }
            }
            index += length
        }
        return nil
    }
}
