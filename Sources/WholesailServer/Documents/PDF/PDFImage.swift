import Foundation

/// An image ready to embed: JPEG passes through untouched (DCTDecode); PNG is decoded
/// (unfiltered, split into colour and alpha) and recompressed (FlateDecode, alpha as an SMask).
///
/// PNG support: grey, RGB, palette, grey+alpha and RGBA; 8-bit (and 16-bit, and 1/2/4-bit grey
/// and palette); palette and colour-key transparency (`tRNS`). Interlaced PNGs are refused.
public struct PDFImage: Sendable {
    public let width: Int
    public let height: Int
    let id = UUID()
    private let payload: Payload

    private enum Payload: Sendable {
        case jpeg(Data, colorSpace: String, invert: Bool)
        case flate(color: Data, colorSpace: String, bitsPerComponent: Int, alpha: Data?, colorKey: [Int]?)
    }

    /// Picks JPEG or PNG by the file's signature.
    public init(data: Data) throws {
        if data.starts(with: [0xFF, 0xD8]) {
            try self.init(jpeg: data)
        } else if data.starts(with: PNG.signature) {
            try self.init(png: data)
        } else {
            throw DocumentError.unsupportedImage("only JPEG and PNG images are supported")
        }
    }

    public init(jpeg data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { throw DocumentError.malformedImage("not a JPEG file") }
        var index = 2
        var adobe = false
        while true {
            guard index + 4 <= bytes.count, bytes[index] == 0xFF else { throw DocumentError.malformedImage("JPEG markers are broken") }
            let marker = bytes[index + 1]
            if marker == 0xFF {
                index += 1  // fill byte
                continue
            }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) {
                index += 2
                continue
            }
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            guard length >= 2, index + 2 + length <= bytes.count else { throw DocumentError.malformedImage("a JPEG segment is cut short") }
            if marker == 0xEE, length >= 7, bytes[(index + 4)..<(index + 9)].elementsEqual("Adobe".utf8) { adobe = true }
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard length >= 8 else { throw DocumentError.malformedImage("the JPEG frame header is cut short") }
                guard bytes[index + 4] == 8 else { throw DocumentError.unsupportedImage("\(bytes[index + 4])-bit JPEG") }
                let height = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
                let width = Int(bytes[index + 7]) << 8 | Int(bytes[index + 8])
                let components = Int(bytes[index + 9])
                guard width > 0, height > 0 else { throw DocumentError.malformedImage("the JPEG has no size") }
                let space: String
                switch components {
                case 1: space = "/DeviceGray"
                case 3: space = "/DeviceRGB"
                case 4: space = "/DeviceCMYK"
                default: throw DocumentError.unsupportedImage("a JPEG with \(components) colour components")
                }
                self.width = width
                self.height = height
                // Adobe's CMYK JPEGs store inverted values.
                payload = .jpeg(data, colorSpace: space, invert: adobe && components == 4)
                return
            }
            if marker == 0xDA || marker == 0xD9 { throw DocumentError.malformedImage("the JPEG has no frame header") }
            index += 2 + length
        }
    }

    public init(png data: Data) throws {
        let decoded = try PNG.decode(data)
        width = decoded.width
        height = decoded.height
        payload = .flate(
            color: try Zlib.compress(decoded.color), colorSpace: decoded.colorSpace, bitsPerComponent: decoded.bitsPerComponent,
            alpha: try decoded.alpha.map(Zlib.compress), colorKey: decoded.colorKey)
    }

    /// Adds the image XObject (and its soft mask) and returns its object number.
    func write(into objects: inout PDFObjects) throws -> Int {
        let size = "/Type /XObject /Subtype /Image /Width \(width) /Height \(height)"
        switch payload {
        case .jpeg(let data, let colorSpace, let invert):
            let decode = invert ? " /Decode [1 0 1 0 1 0 1 0]" : ""
            return objects.add(
                stream: data, dictionary: "\(size) /ColorSpace \(colorSpace) /BitsPerComponent 8 /Filter /DCTDecode\(decode)")
        case .flate(let color, let colorSpace, let bits, let alpha, let colorKey):
            var extra = ""
            if let alpha {
                let mask = objects.add(
                    stream: alpha, dictionary: "\(size) /ColorSpace /DeviceGray /BitsPerComponent \(bits == 16 ? 16 : 8) /Filter /FlateDecode")
                extra += " /SMask \(mask) 0 R"
            }
            if let colorKey { extra += " /Mask [\(colorKey.map(String.init).joined(separator: " "))]" }
            return objects.add(
                stream: color, dictionary: "\(size) /ColorSpace \(colorSpace) /BitsPerComponent \(bits) /Filter /FlateDecode\(extra)")
        }
    }
}

/// Just enough PNG decoding to hand the pixels to PDF.
enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let maxPixels = 40_000_000

    struct Decoded {
        var width: Int
        var height: Int
        /// Byte-aligned rows of colour samples, as a PDF image stream wants them.
        var color: Data
        var colorSpace: String
        var bitsPerComponent: Int
        /// One grey sample per pixel (same depth as colour, 8 for palettes), when there is transparency.
        var alpha: Data?
        /// A PDF colour-key mask (`tRNS` for grey and RGB images).
        var colorKey: [Int]?
    }

    static func decode(_ data: Data) throws -> Decoded {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes.starts(with: signature) else { throw DocumentError.malformedImage("not a PNG file") }
        var index = 8
        var header: [UInt8]?
        var palette: [UInt8] = []
        var transparency: [UInt8]?
        var compressed = Data()
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        while index + 12 <= bytes.count {
            let length = u32(index)
            let type = String(decoding: bytes[(index + 4)..<(index + 8)], as: UTF8.self)
            guard length <= bytes.count - index - 12 else { throw DocumentError.malformedImage("a PNG chunk is cut short") }
            let body = bytes[(index + 8)..<(index + 8 + length)]
            switch type {
            case "IHDR": header = Array(body)
            case "PLTE": palette = Array(body)
            case "tRNS": transparency = Array(body)
            case "IDAT": compressed.append(contentsOf: body)
            default: break
            }
            index += 12 + length
            if type == "IEND" { break }
        }
        guard let header, header.count == 13 else { throw DocumentError.malformedImage("the PNG has no header") }
        let width = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        let height = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
        let depth = Int(header[8])
        let colorType = Int(header[9])
        guard width > 0, height > 0, width <= maxPixels / height else { throw DocumentError.unsupportedImage("a PNG of \(width)×\(height) pixels") }
        guard header[12] == 0 else { throw DocumentError.unsupportedImage("an interlaced PNG (save it without interlacing)") }
        let channels: Int
        switch (colorType, depth) {
        case (0, 1), (0, 2), (0, 4), (0, 8), (0, 16): channels = 1
        case (2, 8), (2, 16): channels = 3
        case (3, 1), (3, 2), (3, 4), (3, 8): channels = 1
        case (4, 8), (4, 16): channels = 2
        case (6, 8), (6, 16): channels = 4
        default: throw DocumentError.unsupportedImage("a PNG of colour type \(colorType) at \(depth) bits")
        }
        let rowBytes = (width * channels * depth + 7) / 8
        let pixelBytes = max(1, channels * depth / 8)
        let raw: Data
        do {
            raw = try Zlib.inflate(compressed, limit: height * (rowBytes + 1))
        } catch {
            throw DocumentError.malformedImage("the PNG pixel data does not inflate")
        }
        guard raw.count == height * (rowBytes + 1) else { throw DocumentError.malformedImage("the PNG pixel data is cut short") }
        let pixels = try unfilter([UInt8](raw), rows: height, rowBytes: rowBytes, pixelBytes: pixelBytes)

        switch colorType {
        case 3:
            guard !palette.isEmpty, palette.count % 3 == 0 else { throw DocumentError.malformedImage("the PNG palette is missing") }
            let hex = palette.map { String(format: "%02X", $0) }.joined()
            let space = "[/Indexed /DeviceRGB \(palette.count / 3 - 1) <\(hex)>]"
            var alpha: Data?
            if let transparency, !transparency.isEmpty {
                var mask = Data(capacity: width * height)
                for row in 0..<height {
                    for column in 0..<width {
                        let index = sample(pixels, row: row, column: column, rowBytes: rowBytes, depth: depth)
                        mask.append(index < transparency.count ? transparency[index] : 255)
                    }
                }
                alpha = mask
            }
            return Decoded(width: width, height: height, color: Data(pixels), colorSpace: space, bitsPerComponent: depth, alpha: alpha)
        case 0, 2:
            var key: [Int]?
            if let transparency, transparency.count >= 2 * channels {
                key = (0..<channels).flatMap { channel -> [Int] in
                    let value = Int(transparency[2 * channel]) << 8 | Int(transparency[2 * channel + 1])
                    return [value, value]
                }
            }
            return Decoded(
                width: width, height: height, color: Data(pixels), colorSpace: channels == 1 ? "/DeviceGray" : "/DeviceRGB",
                bitsPerComponent: depth, alpha: nil, colorKey: key)
        default:
            // Grey+alpha or RGBA: split every pixel into its colour samples and its alpha sample.
            let sampleBytes = depth / 8
            let colorChannels = channels - 1
            var color = Data(capacity: width * height * colorChannels * sampleBytes)
            var alpha = Data(capacity: width * height * sampleBytes)
            pixels.withUnsafeBufferPointer { buffer in
                for row in 0..<height {
                    var offset = row * rowBytes
                    for _ in 0..<width {
                        color.append(contentsOf: buffer[offset..<(offset + colorChannels * sampleBytes)])
                        offset += colorChannels * sampleBytes
                        alpha.append(contentsOf: buffer[offset..<(offset + sampleBytes)])
                        offset += sampleBytes
                    }
                }
            }
            return Decoded(
                width: width, height: height, color: color, colorSpace: colorChannels == 1 ? "/DeviceGray" : "/DeviceRGB",
                bitsPerComponent: depth, alpha: alpha)
        }
    }

    /// Undoes PNG's per-row filters (None, Sub, Up, Average, Paeth); returns rows without filter bytes.
    static func unfilter(_ raw: [UInt8], rows: Int, rowBytes: Int, pixelBytes: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * rowBytes)
        for row in 0..<rows {
            let filter = raw[row * (rowBytes + 1)]
            let source = row * (rowBytes + 1) + 1
            let target = row * rowBytes
            for column in 0..<rowBytes {
                let x = raw[source + column]
                let a = column >= pixelBytes ? out[target + column - pixelBytes] : 0
                let b = row > 0 ? out[target - rowBytes + column] : 0
                let c = row > 0 && column >= pixelBytes ? out[target - rowBytes + column - pixelBytes] : 0
                let value: UInt8
                switch filter {
                case 0: value = x
                case 1: value = x &+ a
                case 2: value = x &+ b
                case 3: value = x &+ UInt8((Int(a) + Int(b)) / 2)
                case 4:
                    let p = Int(a) + Int(b) - Int(c)
                    let pa = abs(p - Int(a))
                    let pb = abs(p - Int(b))
                    let pc = abs(p - Int(c))
                    value = x &+ (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)
                default: throw DocumentError.malformedImage("unknown PNG row filter \(filter)")
                }
                out[target + column] = value
            }
        }
        return out
    }

    /// One palette index from packed rows.
    private static func sample(_ pixels: [UInt8], row: Int, column: Int, rowBytes: Int, depth: Int) -> Int {
        let bit = column * depth
        let byte = pixels[row * rowBytes + bit / 8]
        let shift = 8 - depth - bit % 8
        return Int(byte >> UInt8(shift)) & ((1 << depth) - 1)
    }
}
