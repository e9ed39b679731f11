import Foundation
import ZIPFoundation

/// zlib streams (RFC 1950) on top of ZIPFoundation's raw deflate (RFC 1951), which links the
/// same libz as the rest of the static binary: PDF's FlateDecode and PNG's IDAT are zlib streams,
/// that is a 2-byte header, the raw deflate data and an Adler-32 of the uncompressed bytes.
enum Zlib {
    private static let chunk = 64 * 1024

    /// Compresses `data` into a zlib stream (default level).
    static func compress(_ data: Data) throws -> Data {
        var out = Data([0x78, 0x9C])
        out.reserveCapacity(data.count / 3 + 64)
        _ = try Data.compress(
            size: Int64(data.count), bufferSize: chunk,
            provider: { position, size in
                let start = data.startIndex + Int(position)
                return data.subdata(in: start..<start + size)
            },
            consumer: { out.append($0) })
        let checksum = adler32(data)
        out.append(contentsOf: [
            UInt8(checksum >> 24), UInt8(truncatingIfNeeded: checksum >> 16),
            UInt8(truncatingIfNeeded: checksum >> 8), UInt8(truncatingIfNeeded: checksum),
        ])
        return out
    }

    /// Inflates a zlib stream, refusing output beyond `limit` bytes (a decompression bomb).
    static func inflate(_ stream: Data, limit: Int) throws -> Data {
        let bytes = [UInt8](stream)
        guard bytes.count >= 6, bytes[0] & 0x0F == 8, (UInt16(bytes[0]) << 8 | UInt16(bytes[1])) % 31 == 0,
            bytes[1] & 0x20 == 0
        else { throw InflateError.damaged }
        var out = Data()
        _ = try inflateRaw(Data(bytes[2..<bytes.count - 4])) { piece in
            guard out.count + piece.count <= limit else { throw InflateError.tooLarge }
            out.append(piece)
        }
        let expected = bytes[bytes.count - 4..<bytes.count].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard adler32(out) == expected else { throw InflateError.damaged }
        return out
    }

    /// Inflates raw deflate data chunk by chunk into `consumer` and returns the CRC-32 of the output.
    ///
    /// ZIPFoundation's decoder always offers zlib a full buffer and loops until the end of the
    /// stream, so the provider here pads the last chunk with zeros (which no valid stream reads)
    /// and throws once the input is exhausted: damaged or truncated input ends in an error instead
    /// of an over-read or an endless loop. Errors the consumer throws pass through; zlib's own
    /// become `InflateError.damaged`.
    static func inflateRaw(_ raw: Data, consumer: (Data) throws -> Void) throws -> UInt32 {
        var consumerError: (any Error)?
        do {
            return try Data.decompress(
                size: Int64(raw.count), bufferSize: chunk, skipCRC32: false,
                provider: { position, size in
                    let start = Int(position)
                    guard start < raw.count else { throw InflateError.truncated }
                    let from = raw.startIndex + start
                    var piece = raw.subdata(in: from..<min(from + size, raw.endIndex))
                    if piece.count < size { piece.append(Data(count: size - piece.count)) }
                    return piece
                },
                consumer: { piece in
                    do {
                        try consumer(piece)
                    } catch {
                        consumerError = error
                        throw error
                    }
                })
        } catch {
            if let consumerError { throw consumerError }
            throw error as? InflateError ?? .damaged
        }
    }

    enum InflateError: Error {
        case truncated, tooLarge, damaged
    }

    /// Adler-32 as zlib defines it (sums modulo 65521, folded every 5552 bytes).
    static func adler32(_ data: Data) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var index = 0
            let count = buffer.count
            while index < count {
                let end = min(index + 5552, count)
                while index < end {
                    a &+= UInt32(buffer[index])
                    b &+= a
                    index += 1
                }
                a %= 65521
                b %= 65521
            }
        }
        return b << 16 | a
    }
}
