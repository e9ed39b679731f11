import Foundation

/// A small streaming XML tokenizer for the parts of an .xlsx file.
///
/// It is not a general XML parser: it knows elements, attributes, text, CDATA, comments and
/// processing instructions, which is all SpreadsheetML uses, and it refuses `<!DOCTYPE` (and
/// any other markup declaration) outright, so entity expansion attacks have nothing to work
/// with. Only the five predefined entities and numeric character references are decoded.
/// Bytes are fed in chunks; a token split across chunks waits for the next chunk, so memory
/// stays at one chunk plus the longest token. FoundationXML is avoided on purpose: on Linux
/// it links libxml2, which the static binary does without.
struct XMLScanner {
    enum Event {
        /// A start tag: local name (prefix stripped) and attributes with local names.
        case start(name: String, attributes: [(name: String, value: String)], selfClosing: Bool)
        case end(name: String)
        /// Raw character data (entities not yet decoded; see `XMLScanner.decode`).
        case text(ArraySlice<UInt8>)
        /// A CDATA section: literal text.
        case cdata(ArraySlice<UInt8>)
    }

    enum Failure: Error {
        case doctype
        case malformed(String)
    }

    /// The longest token (a tag, or the text between two tags) accepted. A cell holds at most
    /// 32,767 characters, a few bytes each even as character references; the cap keeps a
    /// never-ending token from being rescanned chunk after chunk.
    static let maxTokenBytes = 4 << 20

    private var pending: [UInt8] = []
    private var depth = 0

    /// Tokenizes as much of `pending + chunk` as is complete and keeps the rest.
    mutating func feed(_ chunk: some Collection<UInt8>, _ handle: (Event) throws -> Void) throws {
        pending.append(contentsOf: chunk)
        let consumed = try scan(final: false, handle)
        pending.removeFirst(consumed)
        guard pending.count <= Self.maxTokenBytes else { throw Failure.malformed("a tag or text longer than 4 MB") }
    }

    /// Tokenizes what is left at the end of the input; anything incomplete is an error.
    mutating func finish(_ handle: (Event) throws -> Void) throws {
        let consumed = try scan(final: true, handle)
        guard consumed == pending.count else { throw Failure.malformed("unexpected end of the document") }
        pending.removeAll()
    }

    private static let lt = UInt8(ascii: "<")
    private static let gt = UInt8(ascii: ">")

    private mutating func scan(final: Bool, _ handle: (Event) throws -> Void) throws -> Int {
        var index = 0
        let bytes = pending
        let count = bytes.count
        while index < count {
            if bytes[index] != Self.lt {
                guard let next = bytes[index...].firstIndex(of: Self.lt) else {
                    if final {
                        if bytes[index...].contains(where: { !Self.isSpace($0) }) {
                            throw Failure.malformed("text after the root element")
                        }
                        return count
                    }
                    return index
                }
                try handle(.text(bytes[index..<next]))
                index = next
                continue
            }
            // Markup starting at `index`.
            guard index + 1 < count else { return index }
            switch bytes[index + 1] {
            case UInt8(ascii: "?"):
                guard let end = Self.find([UInt8(ascii: "?"), Self.gt], in: bytes, from: index + 2) else { return index }
                index = end + 2
            case UInt8(ascii: "!"):
                if Self.hasPrefix("<!--", bytes, at: index) {
                    guard let end = Self.find(Array("-->".utf8), in: bytes, from: index + 4) else { return index }
                    index = end + 3
                } else if Self.hasPrefix("<![CDATA[", bytes, at: index) {
                    guard let end = Self.find(Array("]]>".utf8), in: bytes, from: index + 9) else { return index }
                    try handle(.cdata(bytes[(index + 9)..<end]))
                    index = end + 3
                } else if count - index < 9 && !final {
                    return index  // may still become a comment or CDATA
                } else {
                    throw Failure.doctype  // <!DOCTYPE, <!ENTITY, <!ELEMENT …: never in SpreadsheetML
                }
            case UInt8(ascii: "/"):
                guard let end = bytes[(index + 2)...].firstIndex(of: Self.gt) else { return index }
                let name = Self.localName(bytes[(index + 2)..<end])
                guard !name.isEmpty else { throw Failure.malformed("an empty end tag") }
                depth -= 1
                guard depth >= 0 else { throw Failure.malformed("an end tag without a start tag") }
                try handle(.end(name: name))
                index = end + 1
            default:
                guard let end = Self.tagEnd(bytes, from: index + 1) else { return index }
                var bodyEnd = end
                let selfClosing = bytes[end - 1] == UInt8(ascii: "/")
                if selfClosing { bodyEnd -= 1 }
                let (name, attributes) = try Self.parseTag(bytes[(index + 1)..<bodyEnd])
                try handle(.start(name: name, attributes: attributes, selfClosing: selfClosing))
                if selfClosing {
                    try handle(.end(name: name))
                } else {
                    depth += 1
                }
                index = end + 1
            }
        }
        if final && depth != 0 { throw Failure.malformed("unclosed elements at the end of the document") }
        return index
    }

    // MARK: - Pieces

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func hasPrefix(_ prefix: StaticString, _ bytes: [UInt8], at index: Int) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard index + length <= bytes.count else { return false }
        return prefix.withUTF8Buffer { buffer in
            for offset in 0..<length where bytes[index + offset] != buffer[offset] { return false }
            return true
        }
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var index = start
        let last = bytes.count - needle.count
        while index <= last {
            guard let candidate = bytes[index...last].firstIndex(of: needle[0]) else { return nil }
            var matched = true
            for offset in 1..<needle.count where bytes[candidate + offset] != needle[offset] {
                matched = false
                break
            }
            if matched { return candidate }
            index = candidate + 1
        }
        return nil
    }

    /// The index of the `>` closing a start tag, skipping quoted attribute values.
    private static func tagEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var quote: UInt8 = 0
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == gt {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func localName(_ raw: ArraySlice<UInt8>) -> String {
        var name = raw
        while let last = name.last, isSpace(last) { name = name.dropLast() }
        if let colon = name.lastIndex(of: UInt8(ascii: ":")) { name = name[(colon + 1)...] }
        return String(decoding: name, as: UTF8.self)
    }

    private static func parseTag(_ body: ArraySlice<UInt8>) throws -> (String, [(name: String, value: String)]) {
        var index = body.startIndex
        while index < body.endIndex && !isSpace(body[index]) { index += 1 }
        let name = localName(body[body.startIndex..<index])
        guard !name.isEmpty else { throw Failure.malformed("an element without a name") }
        var attributes: [(name: String, value: String)] = []
        while true {
            while index < body.endIndex && isSpace(body[index]) { index += 1 }
            guard index < body.endIndex else { break }
            let nameStart = index
            while index < body.endIndex && body[index] != UInt8(ascii: "=") && !isSpace(body[index]) { index += 1 }
            let attributeName = localName(body[nameStart..<index])
            while index < body.endIndex && isSpace(body[index]) { index += 1 }
            guard index < body.endIndex, body[index] == UInt8(ascii: "=") else {
                throw Failure.malformed("attribute \(attributeName) of <\(name)> has no value")
            }
            index += 1
            while index < body.endIndex && isSpace(body[index]) { index += 1 }
            guard index < body.endIndex, body[index] == UInt8(ascii: "\"") || body[index] == UInt8(ascii: "'") else {
                throw Failure.malformed("attribute \(attributeName) of <\(name)> is not quoted")
            }
            let quote = body[index]
            let valueStart = index + 1
            guard let valueEnd = body[valueStart...].firstIndex(of: quote) else {
                throw Failure.malformed("attribute \(attributeName) of <\(name)> is not closed")
            }
            attributes.append((attributeName, try decode(body[valueStart..<valueEnd])))
            index = valueEnd + 1
        }
        return (name, attributes)
    }

    /// Character data with the predefined entities and character references decoded.
    static func decode(_ raw: ArraySlice<UInt8>) throws -> String {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "&") else {
                out.append(byte)
                index += 1
                continue
            }
            guard let semicolon = raw[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
                throw Failure.malformed("a bare & in text")
            }
            let entity = String(decoding: raw[(index + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                var scalarValue: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalarValue = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    scalarValue = UInt32(entity.dropFirst(1), radix: 10)
                }
                guard let value = scalarValue, let scalar = Unicode.Scalar(value) else {
                    throw Failure.malformed("an unknown entity &\(entity);")
                }
                out.append(contentsOf: String(Character(scalar)).utf8)
            }
            index = semicolon + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
