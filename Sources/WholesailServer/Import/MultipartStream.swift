import Foundation
import NIOCore

/// The headers of one part of a streamed `multipart/form-data` body.
struct MultipartPartHeader: Sendable, Equatable {
    var name: String
    var fileName: String?
    var contentType: String?
}

/// Receives a streamed multipart body part by part, its bytes in chunks.
protocol MultipartSink {
    mutating func begin(_ part: MultipartPartHeader) async throws
    mutating func data(_ bytes: ArraySlice<UInt8>) async throws
    mutating func end() async throws
}

/// A `multipart/form-data` parser (RFC 7578) over a body that arrives in buffers: memory stays
/// at about one buffer whatever the size of the files, which go to the sink as they come.
enum MultipartStream {
    struct Malformed: Error {}

    static let maxHeaderBytes = 16 << 10

    static func read<Body: AsyncSequence, Sink: MultipartSink>(
        _ body: Body, boundary: String, maxParts: Int = 100, into sink: inout Sink
    ) async throws where Body.Element == ByteBuffer {
        let delimiter = Array("--\(boundary)".utf8)
        let partDelimiter = [13, 10] + delimiter
        var buffer: [UInt8] = []
        var start = 0
        var iterator = body.makeAsyncIterator()
        var parts = 0

        func more() async throws -> Bool {
            guard let next = try await iterator.next() else { return false }
            if start > 0 && start >= buffer.count / 2 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer.append(contentsOf: next.readableBytesView)
            return true
        }

        // Preamble: up to the first delimiter.
        var searchFrom = 0
        while true {
            if let found = find(delimiter, in: buffer, from: max(start, searchFrom)) {
                start = found + delimiter.count
                break
            }
            guard buffer.count - start < 1 << 20 else { throw Malformed() }
            guard try await more() else { throw Malformed() }
            searchFrom = start
        }
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            while buffer.count - start < 2 {
                guard try await more() else { throw Malformed() }
            }
            if buffer[start] == 45 && buffer[start + 1] == 45 { return }
            guard buffer[start] == 13 && buffer[start + 1] == 10 else { throw Malformed() }
            start += 2
            // Headers.
            var headerEnd: Int?
            while true {
                headerEnd = find([13, 10, 13, 10], in: buffer, from: start)
                if headerEnd != nil { break }
                guard buffer.count - start <= maxHeaderBytes else { throw Malformed() }
                guard try await more() else { throw Malformed() }
            }
            let headerText = String(decoding: buffer[start..<headerEnd!], as: UTF8.self)
            start = headerEnd! + 4
            guard let header = parseHeaders(headerText) else { throw Malformed() }
            parts += 1
            guard parts <= maxParts else { throw Malformed() }
            try await sink.begin(header)
            // Body: up to CRLF + delimiter, handing over all but a possible partial delimiter.
            searchFrom = start
            while true {
                if let found = find(partDelimiter, in: buffer, from: searchFrom) {
                    if found > start { try await sink.data(buffer[start..<found]) }
                    start = found + partDelimiter.count
                    break
                }
                let safe = buffer.count - (partDelimiter.count - 1)
                if safe > start {
                    try await sink.data(buffer[start..<safe])
                    start = safe
                }
                guard try await more() else { throw Malformed() }
                searchFrom = start
            }
            try await sink.end()
        }
    }

    static func parseHeaders(_ text: String) -> MultipartPartHeader? {
        var name: String?
        var fileName: String?
        var contentType: String?
        for line in text.components(separatedBy: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "content-disposition":
                name = MultipartParser.parameter("name", in: pair[1])
                fileName = MultipartParser.parameter("filename", in: pair[1])
            case "content-type":
                contentType = pair[1]
            default:
                break
            }
        }
        guard let name else { return nil }
        return MultipartPartHeader(name: name, fileName: fileName, contentType: contentType)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { bytes -> Int? in
            let last = bytes.count - needle.count
            var index = max(from, 0)
            while index <= last {
                guard let hit = memchr(bytes.baseAddress! + index, Int32(first), last - index + 1) else { return nil }
                let position = bytes.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var offset = 1
                while offset < needle.count && bytes[position + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return position }
                index = position + 1
            }
            return nil
        }
    }
}
