import Foundation
import WholesailStore

/// An address with an optional display name.
public struct MailAddress: Sendable, Equatable {
    public var address: String
    public var name: String

    public init(_ address: String, name: String = "") {
        self.address = address
        self.name = name
    }

    /// Parses `Name <addr@host>` or a bare `addr@host`.
    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            let address = String(text[text.index(after: open)..<text.index(before: text.endIndex)]).trimmingCharacters(in: .whitespaces)
            var name = String(text[..<open]).trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            guard MailAddress.isPlausible(address) else { return nil }
            self.init(address, name: name)
        } else {
            guard MailAddress.isPlausible(text) else { return nil }
            self.init(text)
        }
    }

    /// One `@`, something on both sides, no spaces or angle brackets, no line breaks.
    static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0.isNewline })
    }

    /// The domain part (for Message-ID).
    var domain: String { address.split(separator: "@").last.map(String.init) ?? "localhost" }
}

/// A file attached to an e-mail.
public struct MailAttachment: Sendable, Equatable {
    public var fileName: String
    public var contentType: String
    public var data: [UInt8]

    public init(fileName: String, contentType: String, data: [UInt8]) {
        self.fileName = fileName
        self.contentType = contentType
        self.data = data
    }
}

/// An e-mail as a MIME document (RFC 5322, 2045–2047, 2231): UTF-8 headers as encoded words,
/// a text and an HTML alternative in quoted-printable, attachments in base64, CRLF line ends.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String?
    public var attachments: [MailAttachment] = []
    public var date: Date
    /// Without angle brackets: `abc@host`.
    public var messageId: String

    public init(
        from: MailAddress, to: [MailAddress], subject: String, text: String, html: String? = nil, attachments: [MailAttachment] = [],
        date: Date, messageId: String
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.date = date
        self.messageId = messageId
    }

    /// The message as bytes ready for SMTP DATA (before dot-stuffing).
    public func render() -> [UInt8] {
        let boundarySeed = Crypto.hex(Array(Crypto.sha256(Data((messageId + subject).utf8)).prefix(12)))
        var out = ""
        func header(_ name: String, _ value: String) { out += name + ": " + value + "\r\n" }
        header("From", Self.encodeAddress(from))
        header("To", to.map(Self.encodeAddress).joined(separator: ",\r\n "))
        header("Subject", Self.encodeHeaderText(subject, offset: "Subject: ".count))
        header("Date", Self.rfc5322Date(date))
        header("Message-ID", "<" + Self.clean(messageId) + ">")
        header("MIME-Version", "1.0")
        header("Auto-Submitted", "auto-generated")

        let alternative = "=_alt_" + boundarySeed
        func alternativePart() -> String {
            guard let html else {
                return "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    + Self.quotedPrintable(text) + "\r\n"
            }
            var part = "Content-Type: multipart/alternative; boundary=\"\(alternative)\"\r\n\r\n"
            part += "--\(alternative)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            part += Self.quotedPrintable(text) + "\r\n"
            part += "--\(alternative)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            part += Self.quotedPrintable(html) + "\r\n"
            part += "--\(alternative)--\r\n"
            return part
        }
        if attachments.isEmpty {
            out += alternativePart()
        } else {
            let mixed = "=_mix_" + boundarySeed
            out += "Content-Type: multipart/mixed; boundary=\"\(mixed)\"\r\n\r\n"
            out += "This is a multi-part message in MIME format.\r\n"
            out += "--\(mixed)\r\n" + alternativePart()
            for attachment in attachments {
                out += "--\(mixed)\r\n"
                let type = Self.clean(attachment.contentType)
                out += "Content-Type: \(type);\r\n name=\(Self.quotedParameter(attachment.fileName))\r\n"
                out += "Content-Transfer-Encoding: base64\r\n"
                out += "Content-Disposition: attachment;" + Self.fileNameParameter(attachment.fileName) + "\r\n\r\n"
                out += Self.base64Lines(attachment.data)
            }
            out += "--\(mixed)--\r\n"
        }
        return Array(out.utf8)
    }

    // MARK: Encoding helpers

    /// Removes line breaks (no header injection through a name or subject).
    static func clean(_ value: String) -> String {
        String(value.map { $0.isNewline ? " " : $0 })
    }

    /// `Name <address>`, the name quoted or as encoded words.
    static func encodeAddress(_ address: MailAddress) -> String {
        let name = clean(address.name).trimmingCharacters(in: .whitespaces)
        let bare = "<" + clean(address.address) + ">"
        guard !name.isEmpty else { return bare }
        if name.allSatisfy({ $0.isASCII }) {
            return quotedParameter(name) + " " + bare
        }
        return encodedWords(name, maxBytes: 45, atSpaces: true) + "\r\n " + bare
    }

    /// ASCII text stays as it is; anything else becomes RFC 2047 `=?UTF-8?B?…?=` words, folded.
    static func encodeHeaderText(_ text: String, offset: Int) -> String {
        let text = clean(text)
        if text.allSatisfy({ $0.isASCII }) && text.utf8.count + offset <= 78 { return text }
        return encodedWords(text)
    }

    /// Encoded words of at most `maxBytes` UTF-8 bytes each (30 bytes: 52 characters, so that a
    /// header line stays under 78), split between characters (never inside one), joined by
    /// folding whitespace. For display names (`atSpaces`) a split falls after a space of the
    /// name where there is one, so that decoders that keep the folding whitespace between
    /// encoded words (Python's address parser does) never cut a word in two.
    static func encodedWords(_ text: String, maxBytes: Int = 30, atSpaces: Bool = false) -> String {
        var words: [[UInt8]] = []
        var chunk: [UInt8] = []
        var lastSpaceEnd: Int?
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > maxBytes {
                if atSpaces, let cut = lastSpaceEnd, cut < chunk.count {
                    words.append(Array(chunk[..<cut]))
                    chunk = Array(chunk[cut...])
                } else {
                    words.append(chunk)
                    chunk = []
                }
                lastSpaceEnd = nil
            }
            chunk += bytes
            if character == " " { lastSpaceEnd = chunk.count }
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }.joined(separator: "\r\n ")
    }

    static func quotedParameter(_ value: String) -> String {
        let cleaned = clean(value)
        if !cleaned.allSatisfy({ $0.isASCII }) { return "\"" + encodedWords(cleaned) + "\"" }
        return "\"" + cleaned.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `filename="…"`, plus RFC 2231 `filename*=UTF-8''…` when the name is not ASCII.
    static func fileNameParameter(_ name: String) -> String {
        let cleaned = clean(name)
        if cleaned.allSatisfy({ $0.isASCII }) { return " filename=" + quotedParameter(cleaned) }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        let encoded = Array(cleaned.addingPercentEncoding(withAllowedCharacters: allowed) ?? "file")
        // RFC 2231 continuations keep each line short: filename*0*=UTF-8''…; filename*1*=…
        var segments: [String] = []
        var index = 0
        while index < encoded.count {
            var end = min(index + 54, encoded.count)
            // Never split a %XX escape.
            if end < encoded.count, let percent = encoded[max(index, end - 2)..<end].lastIndex(of: "%") { end = percent }
            segments.append(String(encoded[index..<end]))
            index = end
        }
        if segments.count == 1 { return "\r\n filename*=UTF-8''" + segments[0] }
        return segments.enumerated().map { offset, segment in
            "\r\n filename*\(offset)*=" + (offset == 0 ? "UTF-8''" : "") + segment
        }.joined(separator: ";")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    static func base64Lines(_ data: [UInt8]) -> String {
        let encoded = Data(data).base64EncodedString()
        var out = ""
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            out += encoded[index..<end] + "\r\n"
            index = end
        }
        return out
    }

    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text, lines ending in CRLF, at most 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let hex = Array("0123456789ABCDEF".utf8)
        var lines: [String] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var out: [UInt8] = []
            var width = 0
            for (offset, byte) in bytes.enumerated() {
                let isLast = offset == bytes.count - 1
                let token: [UInt8]
                if (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !isLast) {
                    token = [byte]
                } else {
                    token = [61, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                }
                if width + token.count > 75 {
                    out += [61, 13, 10]
                    width = 0
                }
                out += token
                width += token.count
            }
            lines.append(String(decoding: out, as: UTF8.self))
        }
        return lines.joined(separator: "\r\n")
    }
}
