import Foundation

/// A news item as an editor writes it (`/editor/news`). The body is kept as the safe HTML
/// subset (`HTMLSanitizer`), sanitized when saved.
public struct NewsEntry: Sendable, Equatable {
    public var id: Int64?
    public var title: String
    public var bodyHtml: String
    /// The day shown with the item (YYYY-MM-DD); the buyers' list is newest first by it.
    public var date: String
    public var published: Bool

    public init(id: Int64? = nil, title: String, bodyHtml: String, date: String, published: Bool) {
        self.id = id
        self.title = title
        self.bodyHtml = bodyHtml
        self.date = date
        self.published = published
    }

    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { fields["title"] = .init(code: "field.required", message: "This field is required.") }
        if trimmed.count > 300 { fields["title"] = .init(code: "field.too_long", message: "This is too long.") }
        if bodyHtml.utf8.count > 200_000 { fields["body"] = .init(code: "field.too_long", message: "This is too long.") }
        if !ContentDates.isDay(date) { fields["date"] = .init(code: "field.bad_date", message: "Enter a date.") }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}

/// Day strings (YYYY-MM-DD) as forms send them.
public enum ContentDates {
    public static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        return (1900...9999).contains(year) && (1...12).contains(month) && (1...31).contains(day)
    }
}

/// The personal-data policy text (152-FZ) as the editor saves it: each save is a new version.
public enum PolicyText {
    /// The version used before any text was saved on the portal (the built-in text).
    public static let builtInVersion = "2026-11"

    public static func validate(_ bodyHtml: String) -> ValidationError? {
        let trimmed = bodyHtml.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return ValidationError(field: "body", code: "field.required", message: "This field is required.") }
        if trimmed.utf8.count > 200_000 { return ValidationError(field: "body", code: "field.too_long", message: "This is too long.") }
        return nil
    }
}

/// A banner on the catalog's front page as an editor sets it (`/editor/banners`).
public struct BannerEntry: Sendable, Equatable {
    public static let positions = ["home_top", "home_bottom"]

    public var id: Int64?
    public var title: String
    /// A portal path (`/catalog/12`) or an http(s) address; empty: the banner is not a link.
    public var link: String
    public var position: String
    /// Inclusive days (YYYY-MM-DD); empty: open-ended.
    public var startsOn: String
    public var endsOn: String
    /// Only members of this user group see it; nil: everyone, visitors too.
    public var userGroupId: Int64?
    public var active: Bool
    public var sortOrder: Int

    public init(
        id: Int64? = nil, title: String, link: String = "", position: String = "home_top", startsOn: String = "", endsOn: String = "",
        userGroupId: Int64? = nil, active: Bool = true, sortOrder: Int = 0
    ) {
        self.id = id
        self.title = title
        self.link = link
        self.position = position
        self.startsOn = startsOn
        self.endsOn = endsOn
        self.userGroupId = userGroupId
        self.active = active
        self.sortOrder = sortOrder
    }

    /// A link a banner may carry: a path on the portal (not `//host`) or an http(s) URL.
    public static func isSafeLink(_ link: String) -> Bool {
        if link.hasPrefix("/") { return !link.hasPrefix("//") && !link.contains("\\") }
        guard let url = URL(string: link), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        return scheme == "https" || scheme == "http"
    }

    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { fields["title"] = .init(code: "field.required", message: "This field is required.") }
        if trimmed.count > 200 { fields["title"] = .init(code: "field.too_long", message: "This is too long.") }
        if !link.isEmpty, link.count > 2000 || !Self.isSafeLink(link) || link.contains(where: \.isWhitespace) {
            fields["link"] = .init(code: "field.bad_link", message: "Enter a path on the portal (/catalog/…) or an address starting with https://.")
        }
        if !Self.positions.contains(position) { fields["position"] = .init(code: "field.invalid", message: "Choose one of the options.") }
        if !startsOn.isEmpty, !ContentDates.isDay(startsOn) { fields["startsOn"] = .init(code: "field.bad_date", message: "Enter a date.") }
        if !endsOn.isEmpty, !ContentDates.isDay(endsOn) { fields["endsOn"] = .init(code: "field.bad_date", message: "Enter a date.") }
        if fields["startsOn"] == nil, fields["endsOn"] == nil, !startsOn.isEmpty, !endsOn.isEmpty, endsOn < startsOn {
            fields["endsOn"] = .init(code: "field.dates_order", message: "The last day cannot be before the first.")
        }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}
