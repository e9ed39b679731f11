import Foundation
import NIOCore

/// One part of a `multipart/form-data` body: a field or an uploaded file.
public struct MultipartPart: Sendable {
    public var name: String
    public var fileName: String?
    public var contentType: String?
    public var data: Data

    public var text: String { String(decoding: data, as: UTF8.self) }
}

/// A small, strict `multipart/form-data` parser (RFC 7578) for bodies already bounded in size.
/// Malformed bodies throw; names and file names are taken from `Content-Disposition` only.
enum MultipartParser {
    enum Failure: Error {
        case noBoundary
        case malformed
    }

    static func boundary(from contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return (1...70).contains(value.count) ? value : nil
        }
        return nil
    }

    static func parse(_ body: ByteBuffer, boundary: String) throws -> [MultipartPart] {
        let bytes = Array(body.readableBytesView)
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        var parts: [MultipartPart] = []
        guard var position = find(delimiter, in: bytes, from: 0) else { throw Failure.malformed }
        position += delimiter.count
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if bytes.count >= position + 2, bytes[position] == 45, bytes[position + 1] == 45 { break }
            guard bytes.count >= position + 2, Array(bytes[position..<position + 2]) == crlf else { throw Failure.malformed }
            position += 2
            guard let headerEnd = find(crlf + crlf, in: bytes, from: position) else { throw Failure.malformed }
            let headerText = String(decoding: bytes[position..<headerEnd], as: UTF8.self)
            position = headerEnd + 4
            guard let next = find(crlf + delimiter, in: bytes, from: position) else { throw Failure.malformed }
            let data = Data(bytes[position..<next])
            position = next + 2 + delimiter.count
            var name: String?
            var fileName: String?
            var contentType: String?
            for line in headerText.components(separatedBy: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                switch pair[0].lowercased() {
                case "content-disposition":
                    name = parameter("name", in: pair[1])
                    fileName = parameter("filename", in: pair[1])
                case "content-type":
                    contentType = pair[1]
                default:
                    break
                }
            }
            guard let name else { throw Failure.malformed }
            parts.append(MultipartPart(name: name, fileName: fileName, contentType: contentType, data: data))
            if parts.count > 100 { throw Failure.malformed }
        }
        return parts
    }

    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var value = pair[1]
            if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.replacingOccurrences(of: "\\\"", with: "\"")
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var match = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    match = false
                    break
                }
                if match { return index }
            }
            index += 1
        }
        return nil
    }
}
