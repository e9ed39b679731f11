import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import WholesailResources

/// Renders the embedded Mustache templates. All templates are parsed once at start, so a broken
/// template fails the start, not the first request that uses it.
public struct TemplateRenderer: Sendable {
    let library: MustacheLibrary
    let localizers: [Language: Localizer]

    public init() throws {
        var library = MustacheLibrary()
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
        var page = values
        let localizer = localizer(context.language)
        page["t"] = localizer.strings
        page["lang"] = context.language.rawValue
        page["otherLang"] = context.language == .ru ? "en" : "ru"
        page["otherLangName"] = context.language == .ru ? "English" : "Русский"
        page["path"] = request.uri.path
        page["query"] = request.uri.queryParameters["q"].map(String.init) ?? ""
        page["requestId"] = context.requestId
        page["csrf"] = context.csrfToken
        if let principal = context.principal {
            page["me"] = ["name": principal.fullName.isEmpty ? principal.email : principal.fullName, "email": principal.email]
            page["signedIn"] = true
            page["actingAs"] = principal.impersonatorId != nil
        }
        if page["title"] == nil { page["title"] = localizer["site.name"] }
        let html = library.render(page, withTemplate: template) ?? ""
        return HTML(html: html, status: status)
    }
}

enum TemplateError: Error, CustomStringConvertible {
    case broken(name: String, reason: String)
    var description: String {
        switch self {
        case .broken(let name, let reason): "template \(name) does not parse: \(reason)"
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
