import Foundation
import Mustache
import Synchronization
import Testing
import WholesailResources

@testable import WholesailServer
import WholesailTestSupport

/// The portal's template engine against swift-mustache, the reference: hand-written cases for each
/// construct, random value trees, and (through `ReferenceTemplates.install()`, which every
/// `TestApp` calls) every page any HTTP test renders.
@Suite struct PageTemplatesTests {
    static func both(_ templates: [String: String], _ values: [String: Any], render name: String = "main") throws -> (ours: String, reference: String) {
        var ours = PageTemplates()
        var reference = MustacheLibrary()
        for (templateName, source) in templates {
            try ours.register(source, named: templateName)
            try reference.register(source, named: templateName)
        }
        return (ours.render(values, withTemplate: name) ?? "<none>", reference.render(values, withTemplate: name) ?? "<none>")
    }

    nonisolated(unsafe) static let cases: [(String, [String: String], [String: Any])] = [
        ("variables and escaping", ["main": "a {{x}} b {{{x}}} c {{&x}} {{missing}} {{n}} {{flag}}"], ["x": "<b class=\"q\">'&'</b>", "n": 42, "flag": true]),
        ("dotted names and the stack", ["main": "{{a.b.c}} {{#a}}{{b.c}} {{top}}{{/a}} {{a.x.y}}"], ["a": ["b": ["c": "deep"]], "top": "T"]),
        ("a dotted name stops at the first frame that has its head", ["main": "{{#item}}{{a.b}}{{/item}}"], ["item": ["a": ["z": 1]], "a": ["b": "outer"]]),
        (
            "sections over lists, booleans, objects, empty things",
            ["main": "{{#list}}[{{name}}]{{/list}}{{^list}}none{{/list}} {{#empty}}x{{/empty}}{{^empty}}empty{{/empty}} {{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}!N{{/no}} {{#s}}S={{.}}{{/s}} {{#zero}}0 is true{{/zero}}"],
            ["list": [["name": "a"], ["name": "b"]], "empty": [Any](), "yes": true, "no": false, "s": "text", "zero": 0]
        ),
        ("lists of strings and {{.}}", ["main": "{{#words}}<{{.}}>{{/words}}"], ["words": ["x", "<y>"]]),
        (
            "standalone lines vanish, inline tags keep their blanks",
            ["main": "<ul>\n  {{#list}}\n  <li>{{.}}</li>\n  {{/list}}\n</ul>\n  {{! a comment }}\nend {{#yes}} inline {{/yes}} \n"],
            ["list": ["1", "2"], "yes": true]
        ),
        (
            "partials and parents with blocks",
            [
                "main": "{{<layout}}\n{{$title}}Main title{{/title}}\n{{$body}}\n<p>{{text}}</p>\n{{>part}}\n{{/body}}\n{{/layout}}\n",
                "layout": "<html><title>{{$title}}Default{{/title}}</title>\n<body>\n{{$body}}nothing{{/body}}\n{{$footer}}footer {{text}}{{/footer}}\n</body></html>\n",
                "part": "<i>{{text}}</i>\n",
            ],
            ["text": "hello & bye"]
        ),
    ]

    @Test("each construct renders as swift-mustache renders it", arguments: 0..<cases.count)
    func construct(index: Int) throws {
        let (label, templates, values) = Self.cases[index]
        let (ours, reference) = try Self.both(templates, values)
        #expect(ReferenceTemplates.normalized(ours) == ReferenceTemplates.normalized(reference), "\(label)\nours: \(ours)\nreference: \(reference)")
    }

    /// Random trees of strings, booleans, numbers, dictionaries and lists through a template that
    /// reads them every way. Where the reference prints a whole list or dictionary (Swift's
    /// description, `[...]`: never a page) the tree is skipped; most are compared.
    @Test("random value trees through a template that reads every shape")
    func randomValues() throws {
        var compared = 0
        for seed in 0..<800 {
            var rng = SeededRandom(seed: UInt64(seed) &+ 11)
            func value(_ depth: Int) -> Any {
                switch Int.random(in: 0..<(depth > 2 ? 4 : 7), using: &rng) {
                case 0: return ["", "x", "<&>", "кабель", "a\"b'"].randomElement(using: &rng)!
                case 1: return Bool.random(using: &rng)
                case 2: return Int.random(in: -3...3, using: &rng)
                case 3: return "leaf"
                case 4, 5: return Dictionary(uniqueKeysWithValues: ["a", "b", "c"].map { ($0, value(depth + 1)) })
                default: return (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth + 1) }
                }
            }
            let values = Dictionary(uniqueKeysWithValues: ["a", "b", "c"].map { ($0, value(0)) })
            let template = """
                {{a}}|{{b}}|{{c}}|{{a.a}}|{{b.c.a}}
                {{#a}}A({{b}}{{#c}}C({{a}}){{/c}}){{/a}}{{^a}}not a{{/a}}
                {{#b}}{{#b}}{{c.a}}{{/b}}{{/b}}{{^c}}{{^b}}neither{{/b}}{{/c}}
                """
            let (ours, reference) = try Self.both(["main": template], values)
            if reference.contains("[") { continue }
            compared += 1
            #expect(ReferenceTemplates.normalized(ours) == ReferenceTemplates.normalized(reference), "seed \(seed)\nours: \(ours)\nreference: \(reference)")
        }
        #expect(compared >= 80, "only \(compared) trees compared")
    }

    @Test("an optional renders its value, nil renders nothing and is false (swift-mustache printed \"nil\" and took it for true)")
    func optionals() throws {
        var templates = PageTemplates()
        try templates.register("[{{some}}][{{none}}]{{#none}}x{{/none}}{{^none}}no{{/none}}", named: "main")
        let values: [String: Any] = ["some": Optional("v") as Any, "none": Optional<String>.none as Any]
        #expect(templates.render(values, withTemplate: "main") == "[v][]no")
    }

    @Test("mistakes in a template are refused with their line")
    func mistakes() {
        var templates = PageTemplates()
        #expect(throws: TemplateParseError.self) { try templates.register("a\n{{#x}}b", named: "t") }
        #expect(throws: TemplateParseError.self) { try templates.register("{{#x}}b{{/y}}", named: "t") }
        #expect(throws: TemplateParseError.self) { try templates.register("{{x", named: "t") }
        #expect(throws: TemplateParseError.self) { try templates.register("{{=<% %>=}}", named: "t") }
        #expect(!templates.hasTemplate(named: "t"))
    }

    @Test("every page a test renders matches the reference: a page is rendered and compared here")
    func observerCompares() async throws {
        ReferenceTemplates.install()
        let renderer = try TemplateRenderer()
        #expect(renderer.library.hasTemplate(named: "layout") && renderer.library.hasTemplate(named: "catalog-list"))
        #expect(TemplateRenderer.renderObserver.withLock { $0 } != nil)
    }
}

/// swift-mustache over the same embedded templates; `install()` makes every page rendered in the
/// test process be compared with it (whitespace runs collapsed: partials are not re-indented).
enum ReferenceTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for path in Assets.names(under: "templates/") where path.hasSuffix(".mustache") {
            let name = String(path.dropFirst("templates/".count).dropLast(".mustache".count))
            try? library.register(Assets.string(path) ?? "", named: name)
        }
        return library
    }()

    nonisolated(unsafe) static let translations: [Language: [String: Any]] = {
        var nested: [Language: [String: Any]] = [:]
        for (language, localizer) in (try? Localizer.loadAll()) ?? [:] {
            nested[language] = (try? TemplateRenderer.nest(localizer.strings)) ?? [:]
        }
        return nested
    }()

    private static let installed = Mutex(false)

    static func install() {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        _ = library
        _ = translations
        TemplateRenderer.renderObserver.withLock {
            $0 = { template, values, language, html in
                var page = values
                page["t"] = translations[language] ?? [:]
                let reference = library.render(page, withTemplate: template) ?? ""
                let ours = normalized(html)
                let theirs = normalized(reference)
                guard ours != theirs else { return }
                let at = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ours.count, theirs.count)
                let ourPart = String(ours.dropFirst(max(0, at - 80)).prefix(200))
                let theirPart = String(theirs.dropFirst(max(0, at - 80)).prefix(200))
                Issue.record("template \(template) renders differently from swift-mustache at \(at):\nours:      \(ourPart)\nreference: \(theirPart)")
            }
        }
    }

    /// Runs of whitespace as one space: what HTML makes of them outside `<pre>`.
    static func normalized(_ html: String) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count)
        var inSpace = false
        for character in html {
            if character.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
            } else {
                out.append(character)
                inSpace = false
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}

