import Foundation

/// The portal's Mustache engine: the subset the templates use (variables, `{{{raw}}}` and `{{&raw}}`,
/// sections and inverted sections, partials, parents `{{<layout}}` with blocks `{{$body}}`,
/// comments, dotted names, `{{.}}`), parsed once at start into a tree with the names already cut,
/// and rendered over `TemplateValue`s: a page's values are converted once per render, instead of
/// being cast from `Any` at every lookup of every tag (what made HTML pages cost several times
/// their JSON).
///
/// The semantics are those of swift-mustache, which the tests use as the reference: a missing
/// name renders nothing and is false, `false`, nil and an empty list are false, everything else
/// (also `""` and `0`) is true; lookups climb the context stack; standalone tag lines vanish.
/// Partials are not re-indented (HTML does not care; the reference test compares modulo
/// whitespace runs).
struct PageTemplates: Sendable {
    private let templates: [String: [TemplateNode]]

    init() {
        templates = [:]
    }

    private init(templates: [String: [TemplateNode]]) {
        self.templates = templates
    }

    /// Adds a template; throws with the line of the first mistake.
    mutating func register(_ source: String, named name: String) throws {
        var copy = templates
        copy[name] = try TemplateParser.parse(source)
        self = PageTemplates(templates: copy)
    }

    func hasTemplate(named name: String) -> Bool { templates[name] != nil }

    /// Renders a template over a page's values; nil when there is no such template.
    func render(_ values: [String: Any], withTemplate name: String) -> String? {
        render(.object(TemplateValue.converting(values)), withTemplate: name)
    }

    func render(_ root: TemplateValue, withTemplate name: String) -> String? {
        guard let nodes = templates[name] else { return nil }
        var output = ""
        output.reserveCapacity(16_384)
        var stack: [TemplateValue] = [root]
        render(nodes, stack: &stack, blocks: [:], into: &output, depth: 0)
        return output
    }

    private func render(_ nodes: [TemplateNode], stack: inout [TemplateValue], blocks: [String: [TemplateNode]], into output: inout String, depth: Int) {
        // A partial that includes itself would never end: stop deep recursion quietly.
        guard depth < 64 else { return }
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .variable(let path, let escaped):
                guard let value = Self.lookup(path, in: stack) else { continue }
                switch value {
                case .text(let text): if escaped { Self.appendEscaped(text, to: &output) } else { output += text }
                case .flag(let flag): output += flag ? "true" : "false"
                case .null, .list, .object: break
                }
            case .section(let path, let inverted, let children):
                let value = Self.lookup(path, in: stack)
                if inverted {
                    if Self.isFalse(value) { render(children, stack: &stack, blocks: blocks, into: &output, depth: depth) }
                    continue
                }
                switch value {
                case nil, .null?, .flag(false)?: break
                case .flag(true)?: render(children, stack: &stack, blocks: blocks, into: &output, depth: depth)
                case .list(let items)?:
                    for item in items {
                        stack.append(item)
                        render(children, stack: &stack, blocks: blocks, into: &output, depth: depth)
                        stack.removeLast()
                    }
                case let value?:
                    stack.append(value)
                    render(children, stack: &stack, blocks: blocks, into: &output, depth: depth)
                    stack.removeLast()
                }
            case .partial(let name):
                if let partial = templates[name] { render(partial, stack: &stack, blocks: blocks, into: &output, depth: depth + 1) }
            case .parent(let name, let overrides):
                guard let parent = templates[name] else { continue }
                // Blocks given further out win over the ones given here.
                let merged = overrides.merging(blocks) { _, outer in outer }
                render(parent, stack: &stack, blocks: merged, into: &output, depth: depth + 1)
            case .block(let name, let fallback):
                render(blocks[name] ?? fallback, stack: &stack, blocks: blocks, into: &output, depth: depth)
            }
        }
    }

    private static func isFalse(_ value: TemplateValue?) -> Bool {
        switch value {
        case nil, .null?, .flag(false)?: true
        case .list(let items)?: items.isEmpty
        default: false
        }
    }

    /// `a.b.c`: `a` from the innermost context that has it, then `b` and `c` inside it only.
    private static func lookup(_ path: [String], in stack: [TemplateValue]) -> TemplateValue? {
        guard let first = path.first else { return stack.last }
        for frame in stack.reversed() {
            guard case .object(let members) = frame, var value = members[first] else { continue }
            for key in path.dropFirst() {
                guard case .object(let inner) = value, let next = inner[key] else { return nil }
                value = next
            }
            return value
        }
        return nil
    }

    /// HTML escaping of `<`, `>`, `&`, `"` and `'`, as the reference engine does.
    static func appendEscaped(_ text: String, to output: inout String) {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else {
            output += text
            return
        }
        var start = utf8.startIndex
        var index = start
        while index < utf8.endIndex {
            let replacement: String? =
                switch utf8[index] {
                case 0x3C: "&lt;"
                case 0x3E: "&gt;"
                case 0x26: "&amp;"
                case 0x22: "&quot;"
                case 0x27: "&#39;"
                default: nil
                }
            if let replacement {
                output += Substring(utf8[start..<index])
                output += replacement
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        output += Substring(utf8[start..<utf8.endIndex])
    }
}

/// A value a template reads: what `[String: Any]` page values are converted into, once.
enum TemplateValue: Sendable {
    case text(String)
    case flag(Bool)
    case null
    case list([TemplateValue])
    case object([String: TemplateValue])

    /// Converts a page's values (strings, numbers, booleans, optionals, dictionaries and arrays
    /// of them, and values already converted).
    /// `droppingEmptyStrings`: leave out the members of dictionaries (at any depth, also in lists
    /// of dictionaries) whose value is `""`, since a section treats `""` as true (the page
    /// renderer's convention for "nothing"). Strings in lists of strings are kept.
    static func converting(_ values: [String: Any], droppingEmptyStrings drop: Bool = false) -> [String: TemplateValue] {
        var members: [String: TemplateValue] = [:]
        members.reserveCapacity(values.count)
        for (key, value) in values {
            let converted = converting(value, droppingEmptyStrings: drop)
            if drop, case .text(let text) = converted, text.isEmpty, value is String { continue }
            members[key] = converted
        }
        return members
    }

    static func converting(_ value: Any, droppingEmptyStrings drop: Bool = false) -> TemplateValue {
        switch value {
        case let text as String: return .text(text)
        case let flag as Bool: return .flag(flag)
        case let converted as TemplateValue: return converted
        case let members as [String: Any]: return .object(converting(members, droppingEmptyStrings: drop))
        case let members as [String: String]:
            var object: [String: TemplateValue] = [:]
            object.reserveCapacity(members.count)
            for (key, text) in members where !(drop && text.isEmpty) { object[key] = .text(text) }
            return .object(object)
        case let list as [[String: Any]]: return .list(list.map { .object(converting($0, droppingEmptyStrings: drop)) })
        case let list as [[String: String]]: return .list(list.map { converting($0, droppingEmptyStrings: drop) })
        case let list as [String]: return .list(list.map { .text($0) })
        case let list as [Any]: return .list(list.map { converting($0) })
        case let optional as any OptionalTemplateValue: return optional.wrappedTemplateValue.map { converting($0) } ?? .null
        case let integer as Int: return .text(String(integer))
        case let integer as Int64: return .text(String(integer))
        default: return .text(String(describing: value))
        }
    }
}

private protocol OptionalTemplateValue {
    var wrappedTemplateValue: Any? { get }
}

extension Optional: OptionalTemplateValue {
    fileprivate var wrappedTemplateValue: Any? {
        switch self {
        case .some(let value): value
        case .none: nil
        }
    }
}

indirect enum TemplateNode: Sendable {
    case text(String)
    /// The name cut at dots; empty for `{{.}}`.
    case variable([String], escaped: Bool)
    case section([String], inverted: Bool, [TemplateNode])
    case partial(String)
    case parent(String, blocks: [String: [TemplateNode]])
    case block(String, [TemplateNode])
}

enum TemplateParseError: Error, CustomStringConvertible {
    case unclosedTag(line: Int)
    case unexpectedClose(name: String, line: Int)
    case unclosedSection(name: String)
    case unsupported(tag: String, line: Int)
    case textInParent(line: Int)

    var description: String {
        switch self {
        case .unclosedTag(let line): "line \(line): a tag is not closed"
        case .unexpectedClose(let name, let line): "line \(line): {{/\(name)}} closes nothing open"
        case .unclosedSection(let name): "{{#\(name)}} is never closed"
        case .unsupported(let tag, let line): "line \(line): {{\(tag)…}} is not supported"
        case .textInParent(let line): "line \(line): only blocks may stand inside a parent"
        }
    }
}

/// Mustache source to `TemplateNode`s: tags first, then standalone lines (a line holding only a
/// section, close, partial, parent, block or comment tag and blanks disappears with its line
/// break), then the tree.
enum TemplateParser {
    enum Kind: Equatable {
        case variable, raw, section, inverted, close, partial, parent, block, comment
        var canStandAlone: Bool { self != .variable && self != .raw }
    }

    enum Token {
        case text(Substring)
        case tag(Kind, String, line: Int)
    }

    static func parse(_ source: String) throws -> [TemplateNode] {
        let tokens = try standalone(lines(of: source))
        var position = 0
        let nodes = try tree(tokens, &position, closing: nil)
        return nodes
    }

    /// The tokens, cut into lines (each line's last text ends with its line break).
    static func lines(of source: String) throws -> [[Token]] {
        var lines: [[Token]] = [[]]
        var line = 1
        var rest = Substring(source)
        while !rest.isEmpty {
            guard let open = rest.range(of: "{{") else {
                appendText(rest, to: &lines)
                break
            }
            appendText(rest[rest.startIndex..<open.lowerBound], to: &lines)
            line += rest[rest.startIndex..<open.lowerBound].count { $0 == "\n" }
            var afterOpen = rest[open.upperBound...]
            let kind: Kind
            var closer = "}}"
            switch afterOpen.first {
            case "{":
                kind = .raw
                closer = "}}}"
                afterOpen = afterOpen.dropFirst()
            case "&": kind = .raw
            case "#": kind = .section
            case "^": kind = .inverted
            case "/": kind = .close
            case ">": kind = .partial
            case "<": kind = .parent
            case "$": kind = .block
            case "!": kind = .comment
            case "=", "%": throw TemplateParseError.unsupported(tag: String(afterOpen.first!), line: line)
            default: kind = .variable
            }
            if kind != .variable && closer == "}}" { afterOpen = afterOpen.dropFirst() }
            guard let close = afterOpen.range(of: closer) else { throw TemplateParseError.unclosedTag(line: line) }
            let inside = afterOpen[afterOpen.startIndex..<close.lowerBound]
            let name = inside.trimmingCharacters(in: .whitespacesAndNewlines)
            lines[lines.count - 1].append(.tag(kind, name, line: line))
            line += inside.count { $0 == "\n" }
            rest = afterOpen[close.upperBound...]
        }
        return lines
    }

    private static func appendText(_ text: Substring, to lines: inout [[Token]]) {
        var rest = text
        while let newline = rest.firstIndex(of: "\n") {
            let through = rest.index(after: newline)
            lines[lines.count - 1].append(.text(rest[rest.startIndex..<through]))
            lines.append([])
            rest = rest[through...]
        }
        if !rest.isEmpty { lines[lines.count - 1].append(.text(rest)) }
    }

    /// Drops the blanks and line break of each line that holds one standalone tag and nothing else.
    static func standalone(_ lines: [[Token]]) -> [Token] {
        var tokens: [Token] = []
        for line in lines {
            var tags = 0
            var eligible = true
            for token in line {
                switch token {
                case .tag(let kind, _, _):
                    tags += 1
                    if !kind.canStandAlone { eligible = false }
                case .text(let text):
                    if !text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) { eligible = false }
                }
            }
            if tags == 1 && eligible {
                tokens.append(contentsOf: line.filter { if case .tag = $0 { true } else { false } })
            } else {
                tokens.append(contentsOf: line)
            }
        }
        return tokens
    }

    static func tree(_ tokens: [Token], _ position: inout Int, closing: String?) throws -> [TemplateNode] {
        var nodes: [TemplateNode] = []
        while position < tokens.count {
            let token = tokens[position]
            position += 1
            switch token {
            case .text(let text):
                if case .text(let previous)? = nodes.last {
                    nodes[nodes.count - 1] = .text(previous + text)
                } else {
                    nodes.append(.text(String(text)))
                }
            case .tag(let kind, let name, let line):
                switch kind {
                case .comment: break
                case .variable, .raw: nodes.append(.variable(path(name), escaped: kind == .variable))
                case .section, .inverted:
                    let children = try tree(tokens, &position, closing: name)
                    nodes.append(.section(path(name), inverted: kind == .inverted, children))
                case .block:
                    nodes.append(.block(name, try tree(tokens, &position, closing: name)))
                case .partial:
                    nodes.append(.partial(name))
                case .parent:
                    var blocks: [String: [TemplateNode]] = [:]
                    for child in try tree(tokens, &position, closing: name) {
                        switch child {
                        case .block(let blockName, let body): blocks[blockName] = body
                        case .text(let text) where text.allSatisfy(\.isWhitespace): break
                        default: throw TemplateParseError.textInParent(line: line)
                        }
                    }
                    nodes.append(.parent(name, blocks: blocks))
                case .close:
                    guard name == closing else { throw TemplateParseError.unexpectedClose(name: name, line: line) }
                    return nodes
                }
            }
        }
        if let closing { throw TemplateParseError.unclosedSection(name: closing) }
        return nodes
    }

    private static func path(_ name: String) -> [String] {
        name == "." ? [] : name.split(separator: ".").map(String.init)
    }
}
