import Foundation

/// An element or attribute name as written (`qualified`, e.g. `cml:Товар`) and without its
/// namespace prefix (`local`). Names are interned per parser: `id` and `localID` are small
/// integers that stay the same for the same text, so callers compare integers, not strings
/// (see `XMLPullParser.nameID(_:)`).
public struct XMLName: Sendable, Hashable, CustomStringConvertible {
    public let id: Int
    public let localID: Int
    // One reference instead of two strings keeps event copies cheap.
    private let storage: Storage

    final class Storage: Sendable {
        let qualified: String
        let local: String

        init(qualified: String, local: String) {
            self.qualified = qualified
            self.local = local
        }
    }

    init(id: Int, localID: Int, qualified: String, local: String) {
        self.id = id
        self.localID = localID
        storage = Storage(qualified: qualified, local: local)
    }

    public var qualified: String { storage.qualified }
    public var local: String { storage.local }

    public static func == (lhs: XMLName, rhs: XMLName) -> Bool { lhs.id == rhs.id && lhs.qualified == rhs.qualified }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    public var description: String { qualified }
}

public struct XMLAttribute: Sendable, Equatable {
    public let name: XMLName
    /// The value with entities decoded and whitespace characters turned into spaces.
    public let value: String
}

public enum XMLEvent: Sendable, Equatable {
    case startElement(XMLName, attributes: [XMLAttribute])
    case endElement(XMLName)
    /// Character data with entities decoded, or the content of a CDATA section. Line breaks are
    /// normalised to `\n`. Adjacent runs (text, then CDATA) come as separate events.
    case text(String)
}

/// Bounds that keep a hostile or broken file from taking unbounded memory or time.
public struct XMLLimits: Sendable {
    /// Open elements at once.
    public var maxDepth: Int
    /// Bytes in one element or attribute name.
    public var maxNameLength: Int
    /// Bytes in one text run, CDATA section, attribute value or comment.
    public var maxTextLength: Int
    /// Attributes on one element.
    public var maxAttributeCount: Int
    /// Different names in one document (CommerceML uses a few hundred).
    public var maxDistinctNames: Int

    public init(
        maxDepth: Int = 256, maxNameLength: Int = 1_000, maxTextLength: Int = 16 << 20,
        maxAttributeCount: Int = 256, maxDistinctNames: Int = 100_000
    ) {
        self.maxDepth = maxDepth
        self.maxNameLength = maxNameLength
        self.maxTextLength = maxTextLength
        self.maxAttributeCount = maxAttributeCount
        self.maxDistinctNames = maxDistinctNames
    }
}

/// A streaming XML tokenizer for exchange files, written for this project so the static binary
/// needs no libxml2 and has no entity-expansion surface.
///
/// It reads the input a chunk at a time and keeps only the current token in memory, so memory
/// stays flat however large the file. What it accepts:
/// - UTF-8 (with or without BOM) and Windows-1251, chosen by the BOM and the XML declaration;
///   any other declared encoding is an error.
/// - Elements, attributes, text, CDATA (as text), the five predefined entities and numeric
///   character references. Comments and processing instructions are skipped.
/// - **No DTD**: `<!DOCTYPE` is refused the moment it is seen, before anything it declares is
///   read, so internal entities (billion laughs) and external entities (XXE) cannot happen.
///
/// Every error is an `ExchangeError` carrying the input line.
public final class XMLPullParser {
    public enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case windows1251 = "windows-1251"
    }

    public let limits: XMLLimits
    /// Whether text runs made only of whitespace (indentation) are reported. Off by default.
    public let reportsWhitespace: Bool
    /// The document's encoding, known after the first call to `next()`.
    public private(set) var encoding: Encoding = .utf8
    /// Bytes pulled from the input so far (for progress reports).
    public private(set) var bytesRead = 0

    private let input: ExchangeInput
    @exclusivity(unchecked) private var inputEnded = false
    @exclusivity(unchecked) private var started = false
    @exclusivity(unchecked) private var finished = false
    @exclusivity(unchecked) private var transcodes = false

    // The window of decoded UTF-8 input: bytes [0, len) of buf; the current token starts at
    // `mark`, scanning is at `pos`. Refilling drops bytes before `mark`.
    @exclusivity(unchecked) private var buf: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var cap: Int
    @exclusivity(unchecked) private var len = 0
    @exclusivity(unchecked) private var pos = 0
    @exclusivity(unchecked) private var mark = 0

    // Lines are counted lazily: `lineNumber` is the line at buffer index `lineScanPos`.
    @exclusivity(unchecked) private var lineNumber = 1
    @exclusivity(unchecked) private var lineScanPos = 0

    @exclusivity(unchecked) private var names = NameTable()
    @exclusivity(unchecked) private var stack: [Int] = []
    @exclusivity(unchecked) private var pendingEnd: XMLName?
    @exclusivity(unchecked) private var seenRoot = false
    @exclusivity(unchecked) private var scratch: [UInt8] = []
    @exclusivity(unchecked) private var chunkScratch: [UInt8] = []
    @exclusivity(unchecked) private var attributeSpans: [AttributeSpan] = []

    private struct AttributeSpan {
        var name: Int
        var start: Int  // relative to mark
        var end: Int
    }

    public init(input: ExchangeInput, limits: XMLLimits = XMLLimits(), reportsWhitespace: Bool = false) {
        self.input = input
        self.limits = limits
        self.reportsWhitespace = reportsWhitespace
        cap = 1 << 16
        buf = .allocate(capacity: cap)
    }

    public convenience init(data: Data, limits: XMLLimits = XMLLimits()) {
        self.init(input: .data(data), limits: limits)
    }

    public convenience init(reading handle: FileHandle, limits: XMLLimits = XMLLimits()) {
        self.init(input: .fileHandle(handle), limits: limits)
    }

    deinit { buf.deallocate() }

    /// Open elements (the root counts as 1 while it is open).
    public var depth: Int { stack.count }

    /// The input line of the current position: after `next()` returned a start element, the
    /// line of its `>`.
    public var line: Int { line(at: pos) }

    /// The interned id of `name`: equal to `XMLName.localID` (and `.id`) of any element or
    /// attribute named so in the document. Call before or during parsing.
    public func nameID(_ name: String) -> Int {
        let bytes = Array(name.utf8)
        let hash = NameTable.hash(bytes)
        return bytes.withUnsafeBufferPointer { buffer in
            (try? names.intern(buffer.baseAddress!, buffer.count, hash: hash, limit: Int.max)) ?? -1
        }
    }

    // MARK: Events

    /// The next event, or nil after the root element has closed and the input is exhausted.
    public func next() throws -> XMLEvent? {
        if let end = pendingEnd {
            pendingEnd = nil
            stack.removeLast()
            return .endElement(end)
        }
        if finished { return nil }
        if !started { try start() }
        while true {
            mark = pos
            if pos == len, try !refill() {
                try finishDocument()
                return nil
            }
            if buf[pos] == UInt8(ascii: "<") {
                if let event = try readMarkup() { return event }
            } else if let text = try readText(materialize: true) {
                return .text(text)
            }
        }
    }

    /// After `next()` returned `.startElement`, consumes everything up to and including the
    /// matching end tag. The skipped part is still checked for well-formedness.
    public func skipElement() throws {
        if pendingEnd != nil {
            _ = try next()
            return
        }
        let target = stack.count - 1
        guard target >= 0 else { return }
        while stack.count > target {
            if pendingEnd != nil {
                _ = try next()
                continue
            }
            if finished { return }
            mark = pos
            if pos == len, try !refill() {
                try finishDocument()
                return
            }
            if buf[pos] == UInt8(ascii: "<") {
                _ = try readMarkup()
            } else {
                _ = try readText(materialize: false)
            }
        }
    }

    // MARK: Input

    private func start() throws {
        started = true
        // Gather enough bytes to see a BOM and the whole XML declaration.
        while len < 512, !inputEnded {
            if !memchrFound(UInt8(ascii: ">"), from: 0) || len < 6 {
                _ = try appendChunk(transcoding: false)
            } else {
                break
            }
        }
        var offset = 0
        if len >= 3, buf[0] == 0xEF, buf[1] == 0xBB, buf[2] == 0xBF {
            offset = 3
        } else if len >= 2, (buf[0] == 0xFE && buf[1] == 0xFF) || (buf[0] == 0xFF && buf[1] == 0xFE) {
            throw ExchangeError(.unsupportedEncoding, line: 1, "The file is UTF-16; send UTF-8 or windows-1251.")
        } else if len >= 2, buf[0] == 0 || buf[1] == 0 {
            throw ExchangeError(
                .unsupportedEncoding, line: 1, "The file is not in UTF-8 or windows-1251 (it starts with zero bytes).")
        }
        let declared = declaredEncoding(from: offset)
        if let declared {
            switch declared.lowercased() {
            case "utf-8", "utf8", "us-ascii", "ascii":
                encoding = .utf8
            case "windows-1251", "cp1251", "cp-1251", "win-1251", "x-cp1251", "windows1251":
                if offset == 3 {
                    throw ExchangeError(
                        .unsupportedEncoding, line: 1,
                        "The file starts with a UTF-8 byte order mark but declares encoding \"\(declared)\".")
                }
                encoding = .windows1251
            default:
                throw ExchangeError(
                    .unsupportedEncoding, line: 1,
                    "Unsupported encoding \"\(String(declared.prefix(40)))\"; send UTF-8 or windows-1251.")
            }
        }
        pos = offset
        mark = offset
        lineScanPos = offset
        if encoding == .windows1251 {
            // Re-decode what was read raw so far; later chunks are transcoded as they arrive.
            var converted: [UInt8] = []
            Windows1251.transcode(UnsafeRawBufferPointer(start: buf + offset, count: len - offset), into: &converted)
            len = 0
            pos = 0
            mark = 0
            lineScanPos = 0
            append(converted)
            transcodes = true
        }
    }

    private func memchrFound(_ byte: UInt8, from start: Int) -> Bool {
        guard start < len else { return false }
        return memchr(buf + start, Int32(byte), len - start) != nil
    }

    /// The `encoding` pseudo-attribute of an XML declaration at `offset`, if there is one.
    private func declaredEncoding(from offset: Int) -> String? {
        let prefix = Array("<?xml".utf8)
        guard len - offset >= prefix.count + 2 else { return nil }
        for (index, byte) in prefix.enumerated() where buf[offset + index] != byte { return nil }
        var end = offset + prefix.count
        while end + 1 < len, !(buf[end] == UInt8(ascii: "?") && buf[end + 1] == UInt8(ascii: ">")) { end += 1 }
        let declaration = String(decoding: UnsafeBufferPointer(start: buf + offset, count: end - offset), as: UTF8.self)
        guard let range = declaration.range(of: "encoding") else { return nil }
        var rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard rest.first == "=" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        rest = rest.dropFirst()
        guard let close = rest.firstIndex(of: quote) else { return nil }
        return String(rest[..<close])
    }

    /// Drops bytes before `mark` and appends the next chunk. False at the end of input.
    private func refill() throws -> Bool {
        if inputEnded { return false }
        let keep = mark
        if keep > 0 {
            advanceLines(to: keep)
            if len > keep { memmove(buf, buf + keep, len - keep) }
            len -= keep
            pos -= keep
            mark = 0
            lineScanPos -= keep
        }
        return try appendChunk(transcoding: transcodes)
    }

    private func appendChunk(transcoding: Bool) throws -> Bool {
        while true {
            guard let chunk = try input.nextChunk(), !chunk.isEmpty else {
                inputEnded = true
                return false
            }
            bytesRead += chunk.count
            if transcoding {
                chunkScratch.removeAll(keepingCapacity: true)
                chunk.withUnsafeBytes { Windows1251.transcode($0, into: &chunkScratch) }
                append(chunkScratch)
            } else {
                chunk.withUnsafeBytes { raw in
                    reserve(raw.count)
                    raw.copyBytes(to: UnsafeMutableRawBufferPointer(start: buf + len, count: raw.count))
                    len += raw.count
                }
            }
            return true
        }
    }

    private func append(_ bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { (buf + len).update(from: base, count: source.count) }
        }
        len += bytes.count
    }

    private func reserve(_ extra: Int) {
        guard len + extra > cap else { return }
        var newCap = cap
        while newCap < len + extra { newCap *= 2 }
        let newBuf = UnsafeMutablePointer<UInt8>.allocate(capacity: newCap)
        newBuf.update(from: buf, count: len)
        buf.deallocate()
        buf = newBuf
        cap = newCap
    }

    // MARK: Lines

    private func advanceLines(to index: Int) {
        guard index > lineScanPos else { return }
        lineNumber += Self.countNewlines(buf + lineScanPos, index - lineScanPos)
        lineScanPos = index
    }

    /// True when no byte has the high bit set, checked eight at a time.
    private static func isASCII(_ start: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var k = 0
        var bits: UInt64 = 0
        let raw = UnsafeRawPointer(start)
        while k + 8 <= count {
            bits |= raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            k += 8
        }
        while k < count {
            bits |= UInt64(start[k])
            k += 1
        }
        return bits & 0x8080_8080_8080_8080 == 0
    }

    /// Counts `\n` bytes, eight at a time.
    private static func countNewlines(_ start: UnsafePointer<UInt8>, _ count: Int) -> Int {
        var total = 0
        var k = 0
        let raw = UnsafeRawPointer(start)
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        while k + 8 <= count {
            let x = raw.loadUnaligned(fromByteOffset: k, as: UInt64.self) ^ 0x0A0A_0A0A_0A0A_0A0A
            // A byte of `x` is zero exactly where the input byte was "\n".
            let zeroMarks = ~(((x & low) &+ low) | x | low)
            total += zeroMarks.nonzeroBitCount
            k += 8
        }
        while k < count {
            if start[k] == 10 { total += 1 }
            k += 1
        }
        return total
    }

    private func line(at index: Int) -> Int {
        let index = min(max(index, 0), len)
        if index >= lineScanPos {
            advanceLines(to: index)
            return lineNumber
        }
        var count = 0
        for k in index..<lineScanPos where buf[k] == 10 { count += 1 }
        return lineNumber - count
    }

    private func fail(_ reason: ExchangeError.Reason, at index: Int, _ detail: String) -> ExchangeError {
        ExchangeError(reason, line: line(at: index), detail)
    }

    // MARK: Byte access

    /// The byte at `i`, reading more input when needed (`i` is moved with the window).
    @inline(__always)
    private func byte(_ i: inout Int) throws -> UInt8 {
        if i < len { return buf[i] }
        return try slowByte(&i)
    }

    private func slowByte(_ i: inout Int) throws -> UInt8 {
        while i >= len {
            // One tag (attributes, whitespace and all) may not grow the window without bound.
            if len - mark > limits.maxTextLength + 65_536 {
                throw fail(.textTooLarge, at: mark, "A tag is longer than \(limits.maxTextLength) bytes.")
            }
            let shift = mark
            guard try refill() else { throw unexpectedEnd(at: len) }
            i -= shift
        }
        return buf[i]
    }

    private func unexpectedEnd(at index: Int) -> ExchangeError {
        if let open = stack.last {
            return fail(
                .truncated, at: index, "The file ends inside <\(names.entries[open].name.qualified)>; it is cut short.")
        }
        return fail(.truncated, at: index, "The file ends in the middle of markup; it is cut short.")
    }

    // MARK: Text

    /// Reads the text run at `pos`. Returns nil for a run that is not reported.
    private func readText(materialize: Bool) throws -> String? {
        var scan = pos
        var end: Int
        while true {
            if let found = memchr(buf + scan, Int32(UInt8(ascii: "<")), len - scan) {
                end = buf.distance(to: found.assumingMemoryBound(to: UInt8.self))
                break
            }
            if len - mark > limits.maxTextLength {
                throw fail(.textTooLarge, at: mark, "A text node is longer than \(limits.maxTextLength) bytes.")
            }
            let shift = mark
            let scanned = len
            guard try refill() else {
                end = len
                break
            }
            scan = scanned - shift  // go on where the last search stopped
        }
        if end - mark > limits.maxTextLength {
            throw fail(.textTooLarge, at: mark, "A text node is longer than \(limits.maxTextLength) bytes.")
        }
        let start = mark
        pos = end
        var k = start
        while k < end, Self.isWhitespace(buf[k]) { k += 1 }
        let blank = k == end
        if stack.isEmpty {
            if blank { return nil }
            throw fail(
                .malformed, at: k,
                seenRoot ? "Text after the root element." : "The file does not start with an XML element.")
        }
        if blank && !reportsWhitespace { return nil }
        return try decode(from: start, to: end, attribute: false, materialize: materialize)
    }

    /// Decodes bytes [start, end) of the window: entities, line breaks, UTF-8 validation.
    private func decode(from start: Int, to end: Int, attribute: Bool, materialize: Bool) throws -> String? {
        let count = end - start
        let base = buf + start
        let hasAmp = memchr(base, Int32(UInt8(ascii: "&")), count) != nil
        let hasCR = memchr(base, 13, count) != nil
        var needsRewrite = hasAmp || hasCR
        if attribute && !needsRewrite {
            needsRewrite = memchr(base, 10, count) != nil || memchr(base, 9, count) != nil
        }
        if !needsRewrite {
            let bytes = UnsafeBufferPointer(start: base, count: count)
            if materialize {
                // Ids, codes and numbers are ASCII: no validation needed.
                if Self.isASCII(base, count) { return String(decoding: bytes, as: UTF8.self) }
                if let string = String(validating: bytes, as: UTF8.self) { return string }
            } else if UTF8Check.firstInvalidOffset(UnsafeRawBufferPointer(bytes)) == nil {
                return nil
            }
            let bad = UTF8Check.firstInvalidOffset(UnsafeRawBufferPointer(bytes)) ?? 0
            throw fail(
                .invalidUTF8, at: start + bad, "The text is not valid UTF-8 (the encoding declaration may be wrong).")
        }
        scratch.removeAll(keepingCapacity: true)
        var k = start
        while k < end {
            let b = buf[k]
            switch b {
            case UInt8(ascii: "&"):
                k = try decodeReference(at: k, end: end)
                continue
            case 13:
                scratch.append(attribute ? 32 : 10)
                if k + 1 < end, buf[k + 1] == 10 { k += 1 }
            case 10, 9:
                scratch.append(attribute ? 32 : b)
            default:
                scratch.append(b)
            }
            k += 1
        }
        return try scratch.withUnsafeBufferPointer { bytes in
            if materialize, let string = String(validating: bytes, as: UTF8.self) { return string }
            if !materialize, UTF8Check.firstInvalidOffset(UnsafeRawBufferPointer(bytes)) == nil { return nil }
            throw fail(.invalidUTF8, at: start, "The text is not valid UTF-8 (the encoding declaration may be wrong).")
        }
    }

    /// Decodes the reference starting with `&` at `k` into `scratch`; returns the index after `;`.
    private func decodeReference(at k: Int, end: Int) throws -> Int {
        var semicolon = k + 1
        while semicolon < end, semicolon - k <= 40, buf[semicolon] != UInt8(ascii: ";") { semicolon += 1 }
        guard semicolon < end, buf[semicolon] == UInt8(ascii: ";"), semicolon > k + 1 else {
            throw fail(.malformed, at: k, "A bare \"&\" in text; write it as &amp;.")
        }
        let nameStart = k + 1
        let nameLength = semicolon - nameStart
        let p = buf + nameStart
        func equals(_ literal: StaticString) -> Bool {
            literal.utf8CodeUnitCount == nameLength && memcmp(p, literal.utf8Start, nameLength) == 0
        }
        if p[0] == UInt8(ascii: "#") {
            var value: UInt32 = 0
            var digits = 0
            var index = 1
            let hex = nameLength > 1 && (p[1] == UInt8(ascii: "x"))
            if hex { index = 2 }
            while index < nameLength {
                let c = p[index]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: digit = 99
                }
                guard digit < 99, value <= 0x10FFFF else { digits = 0; break }
                value = value * (hex ? 16 : 10) + digit
                digits += 1
                index += 1
            }
            let reference = String(decoding: UnsafeBufferPointer(start: p, count: nameLength), as: UTF8.self)
            guard digits > 0, index == nameLength, Self.isXMLChar(value), let scalar = Unicode.Scalar(value) else {
                throw fail(.invalidCharacterReference, at: k, "\"&\(reference);\" is not a valid character reference.")
            }
            scratch.append(contentsOf: Array(String(Character(scalar)).utf8))
        } else if equals("lt") {
            scratch.append(UInt8(ascii: "<"))
        } else if equals("gt") {
            scratch.append(UInt8(ascii: ">"))
        } else if equals("amp") {
            scratch.append(UInt8(ascii: "&"))
        } else if equals("quot") {
            scratch.append(UInt8(ascii: "\""))
        } else if equals("apos") {
            scratch.append(UInt8(ascii: "'"))
        } else {
            let name = String(decoding: UnsafeBufferPointer(start: p, count: nameLength), as: UTF8.self)
            throw fail(
                .unknownEntity, at: k,
                "Unknown entity \"&\(name);\"; only &lt; &gt; &amp; &quot; &apos; and &#…; are allowed.")
        }
        return semicolon + 1
    }

    private static func isXMLChar(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    @inline(__always)
    private static func isWhitespace(_ b: UInt8) -> Bool { b == 32 || b == 10 || b == 9 || b == 13 }

    // MARK: Markup

    /// Reads the markup at `pos` (`<` …). Returns nil for skipped constructs.
    private func readMarkup() throws -> XMLEvent? {
        var i = pos + 1
        let second = try byte(&i)
        switch second {
        case UInt8(ascii: "/"):
            return try readEndTag()
        case UInt8(ascii: "!"):
            return try readBang()
        case UInt8(ascii: "?"):
            try skipPast("?>", from: pos + 2, what: "processing instruction")
            return nil
        default:
            return try readStartTag()
        }
    }

    /// `<!--` comments (skipped), `<![CDATA[` sections (text) and anything else (refused).
    private func readBang() throws -> XMLEvent? {
        var i = pos + 2
        let first = try byte(&i)
        if first == UInt8(ascii: "-") {
            i += 1
            guard try byte(&i) == UInt8(ascii: "-") else { throw fail(.malformed, at: pos, "Malformed comment.") }
            try skipPast("-->", from: i + 1, what: "comment")
            return nil
        }
        if first == UInt8(ascii: "[") {
            for (offset, expected) in "[CDATA[".utf8.enumerated() {
                var j = pos + 2 + offset
                guard try byte(&j) == expected else { throw fail(.malformed, at: pos, "Malformed <![ section.") }
            }
            guard !stack.isEmpty else { throw fail(.malformed, at: pos, "CDATA outside the root element.") }
            try skipPast("]]>", from: pos + 9, what: "CDATA section")
            // `mark` is still the "<" (refills keep it), so the content is [mark + 9, pos - 3).
            return .text(try decodeCDATA(from: mark + 9, to: pos - 3))
        }
        // <!DOCTYPE, and the declarations that only live inside one (<!ENTITY, <!ELEMENT, …).
        if (first | 0x20) >= UInt8(ascii: "a") && (first | 0x20) <= UInt8(ascii: "z") {
            throw fail(
                .doctypeForbidden, at: pos,
                "Document type declarations (<!DOCTYPE …>) are not accepted; CommerceML never has one.")
        }
        throw fail(.malformed, at: pos, "Unexpected \"<!\".")
    }

    /// Moves `pos` just past the next `terminator` that starts at or after `from`. The construct
    /// (from `mark`) may not exceed the text limit.
    private func skipPast(_ terminator: StaticString, from: Int, what: String) throws {
        let count = terminator.utf8CodeUnitCount
        let last = terminator.utf8Start[count - 1]
        var from = from
        var scan = from
        while true {
            if scan < len, let found = memchr(buf + scan, Int32(last), len - scan) {
                let at = buf.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if at - (count - 1) >= from, memcmp(buf + at - (count - 1), terminator.utf8Start, count) == 0 {
                    pos = at + 1
                    if pos - mark > limits.maxTextLength + 12 {
                        throw fail(.textTooLarge, at: mark, "A \(what) is longer than \(limits.maxTextLength) bytes.")
                    }
                    return
                }
                scan = at + 1
                continue
            }
            if len - mark > limits.maxTextLength + 12 {
                throw fail(.textTooLarge, at: mark, "A \(what) is longer than \(limits.maxTextLength) bytes.")
            }
            let shift = mark
            scan = max(len - count, from)
            guard try refill() else { throw unexpectedEnd(at: len) }
            scan -= shift
            from -= shift
        }
    }

    private func decodeCDATA(from start: Int, to end: Int) throws -> String {
        let count = end - start
        let base = buf + start
        if memchr(base, 13, count) == nil {
            if let string = String(validating: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) {
                return string
            }
        } else {
            scratch.removeAll(keepingCapacity: true)
            var k = start
            while k < end {
                if buf[k] == 13 {
                    scratch.append(10)
                    if k + 1 < end, buf[k + 1] == 10 { k += 1 }
                } else {
                    scratch.append(buf[k])
                }
                k += 1
            }
            if let string = String(validating: scratch, as: UTF8.self) { return string }
        }
        let bad = UTF8Check.firstInvalidOffset(UnsafeRawBufferPointer(start: base, count: count)) ?? 0
        throw fail(
            .invalidUTF8, at: start + bad, "The text is not valid UTF-8 (the encoding declaration may be wrong).")
    }

    /// Scans a name at `i`; returns its interned entry index.
    private func scanName(_ i: inout Int, what: String) throws -> Int {
        let first = try byte(&i)
        guard Self.isNameStartByte(first) else {
            throw fail(.malformed, at: i, "Expected \(what) name.")
        }
        let startOffset = i - mark
        var hash = NameTable.offsetBasis
        while true {
            let b = try byte(&i)
            guard Self.isNameByte(b) else { break }
            hash = (hash ^ UInt64(b)) &* NameTable.prime
            i += 1
            if i - mark - startOffset > limits.maxNameLength {
                throw fail(.nameTooLong, at: i, "A name is longer than \(limits.maxNameLength) bytes.")
            }
        }
        let start = mark + startOffset
        do {
            return try names.intern(buf + start, i - start, hash: hash, limit: limits.maxDistinctNames)
        } catch let error as NameTable.Failure {
            switch error {
            case .invalidUTF8:
                throw fail(
                    .invalidUTF8, at: start, "A name is not valid UTF-8 (the encoding declaration may be wrong).")
            case .tooMany:
                throw fail(.tooManyNames, at: start, "More than \(limits.maxDistinctNames) different names.")
            }
        }
    }

    private func skipWhitespace(_ i: inout Int) throws -> Bool {
        var skipped = false
        while Self.isWhitespace(try byte(&i)) {
            i += 1
            skipped = true
        }
        return skipped
    }

    private func readStartTag() throws -> XMLEvent {
        var i = pos + 1
        let nameEntry = try scanName(&i, what: "an element")
        if seenRoot && stack.isEmpty {
            throw fail(.malformed, at: mark, "A second root element <\(names.entries[nameEntry].name.qualified)>.")
        }
        if stack.count >= limits.maxDepth {
            throw fail(.tooDeep, at: mark, "Elements are nested deeper than \(limits.maxDepth) levels.")
        }
        attributeSpans.removeAll(keepingCapacity: true)
        var selfClosing = false
        while true {
            let spaced = try skipWhitespace(&i)
            let b = try byte(&i)
            if b == UInt8(ascii: ">") {
                i += 1
                break
            }
            if b == UInt8(ascii: "/") {
                i += 1
                guard try byte(&i) == UInt8(ascii: ">") else {
                    throw fail(.malformed, at: i, "Expected \">\" after \"/\".")
                }
                i += 1
                selfClosing = true
                break
            }
            guard spaced else {
                throw fail(.malformed, at: i, "Malformed start tag <\(names.entries[nameEntry].name.qualified)>.")
            }
            let attributeName = try scanName(&i, what: "an attribute")
            _ = try skipWhitespace(&i)
            guard try byte(&i) == UInt8(ascii: "=") else {
                throw fail(
                    .malformed, at: i, "Expected \"=\" after attribute \(names.entries[attributeName].name.qualified).")
            }
            i += 1
            _ = try skipWhitespace(&i)
            let quote = try byte(&i)
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                throw fail(.malformed, at: i, "Attribute values must be quoted.")
            }
            i += 1
            let valueStart = i - mark
            while true {
                let c = try byte(&i)
                if c == quote { break }
                if c == UInt8(ascii: "<") { throw fail(.malformed, at: i, "\"<\" inside an attribute value.") }
                i += 1
                if i - mark - valueStart > limits.maxTextLength {
                    throw fail(.textTooLarge, at: i, "An attribute value is longer than \(limits.maxTextLength) bytes.")
                }
            }
            let valueEnd = i - mark
            i += 1
            if attributeSpans.count >= limits.maxAttributeCount {
                throw fail(
                    .tooManyAttributes, at: i, "An element has more than \(limits.maxAttributeCount) attributes.")
            }
            if attributeSpans.contains(where: { $0.name == attributeName }) {
                throw fail(
                    .duplicateAttribute, at: i,
                    "Attribute \(names.entries[attributeName].name.qualified) appears twice.")
            }
            attributeSpans.append(AttributeSpan(name: attributeName, start: valueStart, end: valueEnd))
        }
        var attributes: [XMLAttribute] = []
        if !attributeSpans.isEmpty {
            attributes.reserveCapacity(attributeSpans.count)
            for span in attributeSpans {
                let value =
                    try decode(from: mark + span.start, to: mark + span.end, attribute: true, materialize: true) ?? ""
                attributes.append(XMLAttribute(name: names.entries[span.name].name, value: value))
            }
        }
        pos = i
        seenRoot = true
        stack.append(nameEntry)
        let name = names.entries[nameEntry].name
        if selfClosing { pendingEnd = name }
        return .startElement(name, attributes: attributes)
    }

    private func readEndTag() throws -> XMLEvent {
        var i = pos + 2
        let nameEntry = try scanName(&i, what: "an element")
        _ = try skipWhitespace(&i)
        guard try byte(&i) == UInt8(ascii: ">") else {
            throw fail(.malformed, at: i, "Expected \">\" to end the end tag.")
        }
        pos = i + 1
        guard let open = stack.last else {
            throw fail(.malformed, at: mark, "</\(names.entries[nameEntry].name.qualified)> closes nothing.")
        }
        guard open == nameEntry else {
            throw fail(
                .mismatchedTag, at: mark,
                "</\(names.entries[nameEntry].name.qualified)> does not close <\(names.entries[open].name.qualified)>.")
        }
        stack.removeLast()
        return .endElement(names.entries[nameEntry].name)
    }

    private func finishDocument() throws {
        if !stack.isEmpty { throw unexpectedEnd(at: len) }
        if !seenRoot { throw fail(.truncated, at: len, "The file has no root element (it is empty or cut short).") }
        finished = true
    }

    // MARK: Name character classes

    /// ASCII letters, digits, `-`, `.`, `_`, `:` and every non-ASCII byte (checked as UTF-8 later).
    @inline(__always)
    private static func isNameByte(_ b: UInt8) -> Bool {
        if b >= 0x80 { return true }
        let folded = b | 0x20
        return (folded >= 0x61 && folded <= 0x7A) || (b >= 0x30 && b <= 0x3A) || b == 0x2D || b == 0x2E || b == 0x5F
    }

    @inline(__always)
    private static func isNameStartByte(_ b: UInt8) -> Bool {
        isNameByte(b) && !(b >= 0x30 && b <= 0x39) && b != 0x2D && b != 0x2E
    }
}

/// Interned names: an open-addressing table from name bytes to `XMLName`, so that a name seen
/// again costs a hash and a compare, not a new string.
struct NameTable {
    enum Failure: Error { case invalidUTF8, tooMany }

    struct Entry {
        var hash: UInt64
        var bytes: [UInt8]
        var name: XMLName
    }

    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x100_0000_01b3

    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var hash = offsetBasis
        for b in bytes { hash = (hash ^ UInt64(b)) &* prime }
        return hash
    }

    var entries: [Entry] = []
    private var slots = [Int](repeating: -1, count: 1024)

    mutating func intern(_ start: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, limit: Int) throws -> Int {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let index = slots[slot]
            if index < 0 { break }
            if entries[index].hash == hash, entries[index].bytes.count == count,
                entries[index].bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, start, count) == 0 })
            {
                return index
            }
            slot = (slot + 1) & mask
        }
        guard entries.count < limit else { throw Failure.tooMany }
        let bytes = Array(UnsafeBufferPointer(start: start, count: count))
        guard let qualified = String(validating: bytes, as: UTF8.self) else { throw Failure.invalidUTF8 }
        var local: (id: Int, name: String)?
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon + 1 < bytes.count {
            let localBytes = Array(bytes[(colon + 1)...])
            let id = try localBytes.withUnsafeBufferPointer {
                try intern($0.baseAddress!, $0.count, hash: Self.hash(localBytes), limit: Int.max)
            }
            local = (id, entries[id].name.qualified)
        }
        let id = entries.count
        let name = XMLName(id: id, localID: local?.id ?? id, qualified: qualified, local: local?.name ?? qualified)
        entries.append(Entry(hash: hash, bytes: bytes, name: name))
        insertSlot(for: id, hash: hash)
        return id
    }

    private mutating func insertSlot(for index: Int, hash: UInt64) {
        if entries.count * 2 > slots.count {
            slots = [Int](repeating: -1, count: slots.count * 2)
            for (i, entry) in entries.enumerated() { place(i, hash: entry.hash) }
        } else {
            place(index, hash: hash)
        }
    }

    private mutating func place(_ index: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = index
    }
}
