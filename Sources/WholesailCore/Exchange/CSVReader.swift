import Foundation

/// Bounds that keep a broken or hostile CSV file from taking unbounded memory.
public struct CSVLimits: Sendable {
    /// Bytes in one field (after decoding).
    public var maxFieldLength: Int
    /// Fields in one record.
    public var maxFieldCount: Int

    public init(maxFieldLength: Int = 1 << 20, maxFieldCount: Int = 1_000) {
        self.maxFieldLength = maxFieldLength
        self.maxFieldCount = maxFieldCount
    }
}

/// A streaming CSV reader for price lists and stock files as spreadsheets and ERPs export them.
///
/// - RFC 4180 quoting: quoted fields may hold delimiters, line breaks and doubled quotes (`""`).
///   It is lenient where Excel is: a quote inside an unquoted field is kept as a character.
/// - Encoding: UTF-8 with or without BOM; a file that is not valid UTF-8 where it first leaves
///   ASCII is read as Windows-1251 (what Excel "CSV" saves on a Russian Windows).
/// - Delimiter: `;`, `,` or tab, whichever occurs most in the header line outside quotes (ties go
///   to `;`, then tab, then `,`), unless one is given.
/// - Line breaks `\r\n`, `\n` or `\r`. Empty lines are skipped. Each record carries the line it
///   starts on.
public final class CSVReader {
    public struct Record: Sendable, Equatable {
        /// The 1-based line where the record starts (a quoted field may span several lines).
        public var line: Int
        public var fields: [String]

        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }

        /// True when every field is empty or whitespace.
        public var isBlank: Bool { fields.allSatisfy { $0.allSatisfy(\.isWhitespace) } }
    }

    public enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case windows1251 = "windows-1251"
    }

    public let limits: CSVLimits
    /// The delimiter in use: given, or detected when the first record is read.
    public private(set) var delimiter: UInt8?
    /// UTF-8 until a non-ASCII byte shows otherwise.
    public private(set) var encoding: Encoding = .utf8

    private let input: ExchangeInput
    private var inputEnded = false
    private var firstChunk = true
    private var encodingDecided = false
    private var window: [UInt8] = []
    private var pos = 0
    private var line = 1
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var finished = false

    public init(input: ExchangeInput, delimiter: Character? = nil, limits: CSVLimits = CSVLimits()) {
        self.input = input
        self.limits = limits
        self.delimiter = delimiter.flatMap { $0.asciiValue }
    }

    public convenience init(data: Data, delimiter: Character? = nil, limits: CSVLimits = CSVLimits()) {
        self.init(input: .data(data), delimiter: delimiter, limits: limits)
    }

    public convenience init(reading handle: FileHandle, delimiter: Character? = nil, limits: CSVLimits = CSVLimits()) {
        self.init(input: .fileHandle(handle), delimiter: delimiter, limits: limits)
    }

    /// The delimiter as a character, once known.
    public var delimiterCharacter: Character? { delimiter.map { Character(Unicode.Scalar($0)) } }

    /// The next non-empty record, or nil at the end of the input.
    public func next() throws -> Record? {
        if finished { return nil }
        if delimiter == nil { try detectDelimiter() }
        let separator = delimiter ?? UInt8(ascii: ";")
        let quote = UInt8(ascii: "\"")
        while true {
            // Skip empty lines.
            while true {
                guard try ensure(1) else {
                    finished = true
                    return nil
                }
                let b = window[pos]
                if b == 10 {
                    pos += 1
                    line += 1
                } else if b == 13 {
                    pos += 1
                    line += 1
                    if try ensure(1), window[pos] == 10 { pos += 1 }
                } else {
                    break
                }
            }
            let startLine = line
            fields.removeAll(keepingCapacity: true)
            field.removeAll(keepingCapacity: true)
            var quoted = false  // inside a quoted field
            var wasQuoted = false  // the current field started with a quote
            var atFieldStart = true
            while true {
                if pos < window.count, try appendRun(quoted: quoted, separator: separator, line: startLine) > 0, !quoted
                {
                    atFieldStart = false
                }
                guard try ensure(1) else {
                    if quoted {
                        throw ExchangeError(
                            .csvUnterminatedQuote, line: startLine,
                            "A quoted field that starts on this line is never closed.")
                    }
                    try endField(line: startLine)
                    finished = true
                    return Record(line: startLine, fields: fields)
                }
                let b = window[pos]
                pos += 1
                if quoted {
                    if b == quote {
                        if try ensure(1), window[pos] == quote {
                            pos += 1
                            try appendByte(quote, line: startLine)
                        } else {
                            quoted = false
                        }
                    } else if b == 13 {
                        // A line break inside quotes is kept, as "\n" whatever the file uses.
                        line += 1
                        if try ensure(1), window[pos] == 10 { pos += 1 }
                        try appendByte(10, line: startLine)
                    } else {
                        if b == 10 { line += 1 }
                        try appendByte(b, line: startLine)
                    }
                    continue
                }
                if b == separator {
                    try endField(line: startLine)
                    atFieldStart = true
                    wasQuoted = false
                    continue
                }
                if b == 10 || b == 13 {
                    line += 1
                    if b == 13, try ensure(1), window[pos] == 10 { pos += 1 }
                    try endField(line: startLine)
                    return Record(line: startLine, fields: fields)
                }
                if b == quote && atFieldStart && !wasQuoted {
                    quoted = true
                    wasQuoted = true
                    atFieldStart = false
                    continue
                }
                atFieldStart = false
                try appendByte(b, line: startLine)
            }
        }
    }

    /// Appends the run of ordinary bytes at `pos` (up to the next quote, line break or, outside
    /// quotes, delimiter) to the field in one go. Returns how many bytes it took.
    private func appendRun(quoted: Bool, separator: UInt8, line startLine: Int) throws -> Int {
        let start = pos
        var newlines = 0
        let stop = window.withUnsafeBufferPointer { buffer -> Int in
            var j = start
            let end = buffer.count
            if quoted {
                while j < end {
                    let c = buffer[j]
                    if c == 0x22 || c == 13 { break }
                    if c == 10 { newlines += 1 }
                    j += 1
                }
            } else {
                while j < end {
                    let c = buffer[j]
                    if c == separator || c == 10 || c == 13 || c == 0x22 { break }
                    j += 1
                }
            }
            return j
        }
        guard stop > start else { return 0 }
        field.append(contentsOf: window[start..<stop])
        if field.count > limits.maxFieldLength {
            throw ExchangeError(
                .csvFieldTooLarge, line: startLine, "A field is longer than \(limits.maxFieldLength) bytes.")
        }
        line += newlines
        pos = stop
        return stop - start
    }

    @inline(__always)
    private func appendByte(_ b: UInt8, line startLine: Int) throws {
        field.append(b)
        if field.count > limits.maxFieldLength {
            throw ExchangeError(
                .csvFieldTooLarge, line: startLine, "A field is longer than \(limits.maxFieldLength) bytes.")
        }
    }

    private func endField(line startLine: Int) throws {
        let ascii = field.withUnsafeBufferPointer { buffer in buffer.allSatisfy { $0 < 0x80 } }
        guard let text = ascii ? String(decoding: field, as: UTF8.self) : String(validating: field, as: UTF8.self)
        else {
            throw ExchangeError(
                .csvInvalidUTF8, line: line, "The file is not valid UTF-8 here; save it as UTF-8 or windows-1251.")
        }
        fields.append(text)
        field.removeAll(keepingCapacity: true)
        if fields.count > limits.maxFieldCount {
            throw ExchangeError(
                .csvTooManyFields, line: startLine, "A record has more than \(limits.maxFieldCount) fields.")
        }
    }

    /// Counts candidate delimiters outside quotes in the first non-empty line.
    private func detectDelimiter() throws {
        var counts: [UInt8: Int] = [UInt8(ascii: ";"): 0, UInt8(ascii: ","): 0, 9: 0]
        var index = pos
        var quoted = false
        var sawContent = false
        while true {
            if index >= window.count {
                if window.count - pos > 4 << 20 { break }
                guard try refill() else { break }
                continue
            }
            let b = window[index]
            index += 1
            if b == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted && (b == 10 || b == 13) {
                if sawContent { break }
            } else {
                sawContent = true
                if !quoted, counts[b] != nil { counts[b]! += 1 }
            }
        }
        let order: [UInt8] = [UInt8(ascii: ";"), 9, UInt8(ascii: ",")]
        var best = order[0]
        for candidate in order where counts[candidate]! > counts[best]! { best = candidate }
        delimiter = best
    }

    // MARK: Input

    /// Makes sure `count` bytes are available at `pos`; false at the end of input.
    @inline(__always)
    private func ensure(_ count: Int) throws -> Bool {
        while pos + count > window.count {
            guard try refill() else { return false }
        }
        return true
    }

    private func refill() throws -> Bool {
        if inputEnded { return false }
        if pos > 0 && pos >= window.count / 2 {
            window.removeFirst(pos)
            pos = 0
        }
        guard let chunk = try input.nextChunk(), !chunk.isEmpty else {
            inputEnded = true
            return false
        }
        chunk.withUnsafeBytes { raw in
            var bytes = UnsafeRawBufferPointer(rebasing: raw[...])
            if firstChunk {
                firstChunk = false
                if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                    bytes = UnsafeRawBufferPointer(rebasing: bytes[3...])
                    encodingDecided = true
                }
            }
            if !encodingDecided, let firstHigh = bytes.firstIndex(where: { $0 >= 0x80 }) {
                encodingDecided = true
                let rest = UnsafeRawBufferPointer(rebasing: bytes[firstHigh...])
                if UTF8Check.firstInvalidOffset(rest, allowTruncatedTail: true) != nil {
                    encoding = .windows1251
                }
            }
            if encoding == .windows1251 {
                Windows1251.transcode(bytes, into: &window)
            } else {
                window.append(contentsOf: bytes)
            }
        }
        return true
    }
}
