/// Keeps a safe subset of HTML in product descriptions (which come from the ERP or editors):
/// a few formatting tags without any attributes; everything else is escaped as text. Scripts,
/// styles, event handlers, links and images never survive.
public enum HTMLSanitizer {
    public static let allowedTags: Set<String> = [
        "p", "br", "ul", "ol", "li", "b", "strong", "i", "em", "u", "h3", "h4", "table", "thead", "tbody", "tr", "td", "th", "sup", "sub",
    ]
    static let dropContent: Set<String> = ["script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"]

    public static func sanitize(_ html: String) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count)
        var index = html.startIndex
        var skipping: String?
        while index < html.endIndex {
            let character = html[index]
            let next = html.index(after: index) < html.endIndex ? html[html.index(after: index)] : " "
            let startsTag = next.isLetter || next == "/" || next == "!"
            if character == "<", startsTag, let close = html[index...].firstIndex(of: ">") {
                let inner = html[html.index(after: index)..<close]
                var name = String(inner)
                let closing = name.hasPrefix("/")
                if closing { name.removeFirst() }
                name = String(name.prefix { $0.isLetter || $0.isNumber }).lowercased()
                index = html.index(after: close)
                if let skipped = skipping {
                    if closing && name == skipped { skipping = nil }
                    continue
                }
                if !closing && dropContent.contains(name) {
                    skipping = name
                    continue
                }
                if allowedTags.contains(name) {
                    out += closing ? "</\(name)>" : (name == "br" ? "<br>" : "<\(name)>")
                }
                continue
            }
            index = html.index(after: index)
            if skipping != nil { continue }
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "&":
                // Keep well-formed entities, escape a bare ampersand.
                let rest = html[index...].prefix(10)
                if let semicolon = rest.firstIndex(of: ";"), rest[rest.startIndex..<semicolon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "#" }),
                    rest.startIndex < semicolon
                {
                    out += "&"
                } else {
                    out += "&amp;"
                }
            default: out.append(character)
            }
        }
        return out
    }
}
