import Foundation
import WholesailCore

/// Renders notification texts from the embedded templates.
///
/// An e-mail template is one file per topic and language, `templates/mail/<topic>.<lang>.mustache`,
/// holding three sections that are rendered one at a time:
/// `{{#part.subject}}…{{/part.subject}}`, `{{#part.text}}…{{/part.text}}` and
/// `{{#part.html}}…{{/part.html}}`. The HTML part is wrapped in `mail/_layout`. An SMS is
/// `templates/sms/<topic>.<lang>.mustache`. Every payload field is a template variable, plus
/// `siteName`, `baseURL` and `recipientName`.
public struct NotificationComposer: Sendable {
    let renderer: TemplateRenderer
    let baseURL: String
    let siteName: String

    public init(renderer: TemplateRenderer, baseURL: String, siteName: String = "Wholesail") {
        self.renderer = renderer
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.siteName = siteName
    }

    public struct Mail: Sendable, Equatable {
        public var subject: String
        public var text: String
        public var html: String
    }

    /// Whether an e-mail template exists for the topic (in any language).
    public func hasMail(topic: String) -> Bool {
        Language.allCases.contains { renderer.library.hasTemplate(named: "mail/\(topic).\($0.rawValue)") }
    }

    /// The e-mail of `topic` in `language` (or the other language when that one is missing).
    public func mail(topic: String, language: String, payload: [String: String], recipientName: String = "") -> Mail? {
        guard let name = templateName("mail", topic: topic, language: language) else { return nil }
        var values = values(payload, recipientName: recipientName)
        values["part"] = ["subject": true]
        let subject = Self.oneLine(Self.unescape(renderer.library.render(values, withTemplate: name) ?? ""))
        values["part"] = ["text": true]
        let text = Self.trimmedLines(Self.unescape(renderer.library.render(values, withTemplate: name) ?? ""))
        values["part"] = ["html": true]
        let body = renderer.library.render(values, withTemplate: name) ?? ""
        var layout = values
        layout["part"] = nil
        layout["body"] = body
        layout["subject"] = subject
        layout["lang"] = name.hasSuffix(".en") ? "en" : "ru"
        let html = renderer.library.render(layout, withTemplate: "mail/_layout") ?? body
        return Mail(subject: subject, text: text, html: html)
    }

    /// The SMS text of `topic` in `language`.
    public func sms(topic: String, language: String, payload: [String: String]) -> String? {
        guard let name = templateName("sms", topic: topic, language: language) else { return nil }
        return Self.oneLine(Self.unescape(renderer.library.render(values(payload, recipientName: ""), withTemplate: name) ?? ""))
    }

    func templateName(_ folder: String, topic: String, language: String) -> String? {
        let preferred = Language(rawValue: language) ?? .ru
        let order = [preferred] + Language.allCases.filter { $0 != preferred }
        return order.map { "\(folder)/\(topic).\($0.rawValue)" }.first { renderer.library.hasTemplate(named: $0) }
    }

    func values(_ payload: [String: String], recipientName: String) -> [String: Any] {
        var values: [String: Any] = payload
        values["siteName"] = siteName
        values["baseURL"] = baseURL
        values["recipientName"] = recipientName
        // Features in the store know paths, not the public address: make links absolute here.
        if let link = payload["link"], link.hasPrefix("/") { values["link"] = baseURL + link }
        return values
    }

    /// Mustache escapes every variable for HTML; the subject, the text part and SMS are plain
    /// text, so the escaping is undone (`&amp;` last, so `&amp;lt;` becomes `&lt;`).
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Trims each line's trailing spaces and the text's leading and trailing blank lines;
    /// keeps at most one blank line in a row.
    static func trimmedLines(_ text: String) -> String {
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = String(line.reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed())
            if trimmed.isEmpty && (out.last?.isEmpty ?? true) { continue }
            out.append(trimmed)
        }
        while out.last?.isEmpty == true { out.removeLast() }
        return out.joined(separator: "\n")
    }
}
