import Foundation
import WholesailCore
import WholesailResources

/// The portal's two languages. Pages and messages exist in both; catalog data is whatever the
/// ERP sends.
public enum Language: String, Sendable, CaseIterable {
    case en
    case ru

    /// Picks the language for a request: an explicit choice (query or cookie) first, then the
    /// first supported language in `Accept-Language`, then `fallback` (the admin's default
    /// language; Russian, the portal's home market, unless changed).
    static func negotiate(explicit: String?, acceptLanguage: String?, fallback: Language = .ru) -> Language {
        chosen(explicit: explicit, acceptLanguage: acceptLanguage) ?? fallback
    }

    /// The language the request asks for, if it names a supported one.
    static func chosen(explicit: String?, acceptLanguage: String?) -> Language? {
        if let explicit, let language = Language(rawValue: explicit.lowercased()) { return language }
        if let header = acceptLanguage {
            let ranked = header.split(separator: ",").compactMap { part -> (String, Double)? in
                let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let tag = pieces.first, !tag.isEmpty else { return nil }
                var quality = 1.0
                for piece in pieces.dropFirst() where piece.hasPrefix("q=") {
                    quality = Double(piece.dropFirst(2)) ?? 0
                }
                return (tag.lowercased(), quality)
            }
            for (tag, _) in ranked.sorted(by: { $0.1 > $1.1 }) {
                let primary = String(tag.split(separator: "-").first ?? "")
                if let language = Language(rawValue: primary) { return language }
            }
        }
        return nil
    }
}

/// Translations for one language, loaded from the embedded `i18n/<lang>.json` (flat key → text).
public struct Localizer: Sendable {
    public let language: Language
    public let strings: [String: String]

    public init(language: Language, strings: [String: String]) {
        self.language = language
        self.strings = strings
    }

    /// Both languages, loaded once at start. Fails fast when a catalog is missing or broken.
    public static func loadAll() throws -> [Language: Localizer] {
        var all: [Language: Localizer] = [:]
        for language in Language.allCases {
            guard let data = Assets.data("i18n/\(language.rawValue).json") else {
                throw LocalizationError.missing(language.rawValue)
            }
            let strings = try JSONDecoder().decode([String: String].self, from: data)
            all[language] = Localizer(language: language, strings: strings)
        }
        return all
    }

    /// The text for a key; the key itself when missing (a test checks that none is).
    public subscript(key: String) -> String { strings[key] ?? key }

    /// A translated message for an error code (`error.<code>`), or the given English fallback.
    public func message(code: String, fallback: String) -> String {
        strings["error." + code] ?? fallback
    }

    /// The translated message of a domain error, its placeholders filled.
    public func message(for error: any WholesailError) -> String {
        var text = message(code: error.code, fallback: error.message)
        for (name, value) in error.values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The translated message of every field of a validation error, for re-rendering a form.
    public func fieldMessages(_ error: ValidationError) -> [String: String] {
        error.fields.mapValues { message(code: $0.code, fallback: $0.message) }
    }

    /// Substitutes `{name}` placeholders.
    public func format(_ key: String, _ values: [String: String]) -> String {
        var text = self[key]
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }
}

enum LocalizationError: Error, CustomStringConvertible {
    case missing(String)
    var description: String {
        switch self {
        case .missing(let language): "translations for \(language) are missing from the binary"
        }
    }
}
