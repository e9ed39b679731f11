import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import WholesailResources

/// Renders the embedded Mustache templates. All templates are parsed once at start, so a broken
/// template fails the start, not the first request that uses it.
public struct TemplateRenderer: Sendable {
    let library: PageTemplates
    let localizers: [Language: Localizer]
    /// The translations as nested values (`nav.search` → `["nav": ["search": …]]`), because
    /// Mustache reads `{{t.nav.search}}` as a path; converted once, not per page.
    let nestedStrings: [Language: TemplateValue]

    /// Tests compare every page rendered with the reference engine: called with the template's
    /// name, the page's values (`t` as the converted translations), the language and the HTML.
    static let renderObserver = Mutex<(@Sendable (String, [String: Any], Language, String) -> Void)?>(nil)

    public init() throws {
        var library = PageTemplates()
        for path in Assets.names(under: "templates/") where path.hasSuffix(".mustache") {
            let name = String(path.dropFirst("templates/".count).dropLast(".mustache".count))
            do {
                try library.register(Assets.string(path) ?? "", named: name)
            } catch {
                throw TemplateError.broken(name: name, reason: "\(error)")
            }
        }
        self.library = library
        self.localizers = try Localizer.loadAll()
        var nested: [Language: TemplateValue] = [:]
        for (language, localizer) in localizers {
            nested[language] = TemplateValue.converting(try Self.nest(localizer.strings) as Any)
        }
        self.nestedStrings = nested
    }

    /// Turns flat dotted keys into nested dictionaries; a key that is both a text and a prefix of
    /// other keys is a mistake in the catalog and fails the start.
    static func nest(_ flat: [String: String]) throws -> [String: Any] {
        var root: [String: Any] = [:]
        func insert(_ path: ArraySlice<Substring>, _ value: String, into node: inout [String: Any], key: String) throws {
            let head = String(path.first!)
            if path.count == 1 {
                guard node[head] == nil else { throw TemplateError.translationKeyClash(key) }
                node[head] = value
                return
            }
            var child: [String: Any]
            switch node[head] {
            case nil: child = [:]
            case let existing as [String: Any]: child = existing
            default: throw TemplateError.translationKeyClash(key)
            }
            try insert(path.dropFirst(), value, into: &child, key: key)
            node[head] = child
        }
        for (key, value) in flat.sorted(by: { $0.key < $1.key }) {
            try insert(ArraySlice(key.split(separator: ".")), value, into: &root, key: key)
        }
        return root
    }

    func localizer(_ language: Language) -> Localizer {
        localizers[language] ?? Localizer(language: language, strings: [:])
    }

    /// Renders `template` with `values` plus what every page needs: translations (`t`), the
    /// language and the link to switch it.
    func render(
        _ template: String, _ values: [String: Any], request: Request, context: WholesailRequestContext,
        status: HTTPResponse.Status = .ok
    ) -> HTML {
        // What every page gets on top of its own values (kept even when empty).
        var page: [String: Any] = [:]
        let localizer = localizer(context.language)
        page["lang"] = context.language.rawValue
        page["otherLang"] = context.language == .ru ? "en" : "ru"
        page["otherLangName"] = context.language == .ru ? "English" : "Русский"
        page["path"] = request.uri.path
        // The page with its query (search text, filters, page number) but without the one-off
        // `added` flag: where an "add to cart" button on a card brings the buyer back to.
        let kept = (request.uri.query ?? "").split(separator: "&").filter { $0 != "added" && !$0.hasPrefix("added=") }
        page["here"] = request.uri.path + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        page["addedToCart"] = request.uri.queryParameters["added"] != nil
        page["query"] = request.uri.queryParameters["q"].map(String.init) ?? ""
        page["requestId"] = context.requestId
        page["csrf"] = context.csrfToken
        if let principal = context.principal {
            page["me"] = ["name": principal.fullName.isEmpty ? principal.email : principal.fullName, "email": principal.email]
            page["signedIn"] = true
            page["actingAs"] = principal.impersonatorId != nil
            page["canOrder"] = principal.permissions.contains("orders.place")
            page["canRequest"] = principal.permissions.contains("requests.create")
            page["canDocuments"] = principal.permissions.contains("documents.view") && !principal.memberOf.isEmpty
            page["canServe"] = principal.permissions.contains("customers.serve")
            page["canQuote"] = principal.permissions.contains("quotes.request") && !principal.memberOf.isEmpty
            page["canAnswerQuotes"] = principal.permissions.contains("quotes.answer")
            page["canPartNumbers"] = principal.permissions.contains("partnumbers.manage") && !principal.memberOf.isEmpty
            page["canAdmin"] = principal.permissions.contains("admin.settings")
            if !context.personalManagers.isEmpty {
                var widget: [String: Any] = [
                    "contacts": context.personalManagers.map { contact in
                        [
                            "role": localizer["role." + contact.role], "name": contact.name, "phone": contact.phone ?? "",
                            "tel": (contact.phone ?? "").filter { $0.isNumber || $0 == "+" }, "email": contact.email,
                        ]
                    },
                    "canAsk": principal.permissions.contains("requests.create"),
                ]
                if let chat = context.chat { widget["chat"] = ["href": chat.href, "external": chat.external] as [String: Any] }
                page["personalManager"] = widget
            }
            if let chat = context.chat {
                var nav: [String: Any] = ["href": chat.href, "external": chat.external]
                if chat.unread > 0 { nav["unread"] = String(chat.unread) }
                page["chatNav"] = nav
            }
        }
        // One conversion of the page's values, empty strings dropped on the way (see
        // `droppingEmptyStrings`), then the common values over them.
        let translations = nestedStrings[context.language] ?? TemplateValue.object([:])
        var root = TemplateValue.converting(values, droppingEmptyStrings: true)
        for (key, value) in page { root[key] = TemplateValue.converting(value) }
        root["t"] = translations
        if root["title"] == nil { root["title"] = .text(localizer["site.name"]) }
        let html = library.render(.object(root), withTemplate: template) ?? ""
        if let observe = Self.renderObserver.withLock({ $0 }) {
            var reference = Self.droppingEmptyStrings(values)
            for (key, value) in page { reference[key] = value }
            reference["t"] = translations
            if reference["title"] == nil { reference["title"] = localizer["site.name"] }
            observe(template, reference, context.language, html)
        }
        return HTML(html: html, status: status)
    }
}

extension TemplateRenderer {
    /// Mustache sections treat an empty string as true, so `{{#error}}…{{/error}}` would show an
    /// empty alert. Pages pass "" for "nothing": drop those keys (a missing key renders as empty
    /// and as false), in nested dictionaries and arrays too.
    static func droppingEmptyStrings(_ values: [String: Any]) -> [String: Any] {
        var result: [String: Any] = [:]
        result.reserveCapacity(values.count)
        for (key, value) in values {
            if let cleaned = cleaned(value) { result[key] = cleaned }
        }
        return result
    }

    private static func cleaned(_ value: Any) -> Any? {
        switch value {
        case let text as String: return text.isEmpty ? nil : text
        case let dictionary as [String: Any]: return droppingEmptyStrings(dictionary)
        case let dictionary as [String: String]: return dictionary.filter { !$0.value.isEmpty }
        case let list as [[String: Any]]: return list.map(droppingEmptyStrings)
        case let list as [[String: String]]: return list.map { $0.filter { !$0.value.isEmpty } }
        default: return value
        }
    }
}

enum TemplateError: Error, CustomStringConvertible {
    case broken(name: String, reason: String)
    case translationKeyClash(String)
    var description: String {
        switch self {
        case .broken(let name, let reason): "template \(name) does not parse: \(reason)"
        case .translationKeyClash(let key): "translation key \(key) is both a text and a group of texts"
        }
    }
}

/// An HTML page as a response.
struct HTML: ResponseGenerator {
    var html: String
    var status: HTTPResponse.Status = .ok

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
