/// Line breaking with the font's own advance widths.
enum TextLayout {
    /// Line height as a multiple of the font size.
    static let lineSpacing = 1.25

    /// Breaks text into lines no wider than `width`: at explicit newlines, then between words
    /// (at ordinary spaces; a no-break space keeps `10 000,00` together), and inside a word only
    /// when the word alone does not fit.
    static func wrap(_ text: String, width: Double, size: Double, style: PDFFontStyle) throws -> [String] {
        let font = try style.font()
        func measure(_ string: Substring) -> Double { font.width(of: String(string), size: size) }
        var lines: [String] = []
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\t", with: " ")
        for paragraph in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0.0
            let space = measure(" ")
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                let wordWidth = measure(word)
                if line.isEmpty {
                    if wordWidth <= width {
                        line = String(word)
                        lineWidth = wordWidth
                        continue
                    }
                } else if lineWidth + space + wordWidth <= width {
                    line += " " + word
                    lineWidth += space + wordWidth
                    continue
                } else {
                    lines.append(line)
                    line = ""
                    lineWidth = 0
                    if wordWidth <= width {
                        line = String(word)
                        lineWidth = wordWidth
                        continue
                    }
                }
                // A word wider than the line: break it between characters.
                var piece = ""
                for character in word {
                    let candidate = piece + String(character)
                    if !piece.isEmpty && measure(Substring(candidate)) > width {
                        lines.append(piece)
                        piece = String(character)
                    } else {
                        piece = candidate
                    }
                }
                line = piece
                lineWidth = measure(Substring(piece))
            }
            lines.append(line)
        }
        return lines
    }
}
