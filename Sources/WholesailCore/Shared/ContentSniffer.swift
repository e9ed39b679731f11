/// Recognizes a file's type from its first bytes, never from its name: what the blob store
/// records as `Content-Type` and what upload checks trust.
public enum ContentSniffer {
    public enum Kind: String, Sendable, CaseIterable {
        case png, jpeg, gif, webp, bmp, svg, pdf, zip, xlsx, docx, ole2, xml, json, text, binary

        public var mediaType: String {
            switch self {
            case .png: "image/png"
            case .jpeg: "image/jpeg"
            case .gif: "image/gif"
            case .webp: "image/webp"
            case .bmp: "image/bmp"
            case .svg: "image/svg+xml"
            case .pdf: "application/pdf"
            case .zip: "application/zip"
            case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            case .ole2: "application/vnd.ms-office"
            case .xml: "application/xml"
            case .json: "application/json"
            case .text: "text/plain; charset=utf-8"
            case .binary: "application/octet-stream"
            }
        }
    }

    /// The kind of the content whose first bytes (at least 512 when available) are `head`.
    /// Zip containers are told apart as XLSX or DOCX by the names of their first entries.
    public static func sniff(_ head: some Collection<UInt8>) -> Kind {
        let bytes = Array(head.prefix(4096))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + magic.count && Array(bytes[offset..<offset + magic.count]) == magic
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("BM".utf8)) && bytes.count >= 14 { return .bmp }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .ole2 }
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            let text = String(decoding: bytes, as: UTF8.self)
            if text.contains("xl/") { return .xlsx }
            if text.contains("word/") { return .docx }
            return .zip
        }
        var text = String(decoding: bytes.prefix(1024), as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        if trimmed.hasPrefix("<svg") || (trimmed.hasPrefix("<?xml") && trimmed.contains("<svg")) { return .svg }
        if trimmed.hasPrefix("<?xml") || trimmed.hasPrefix("<") { return .xml }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") { return .json }
        if !bytes.contains(0) { return .text }
        return .binary
    }
}
