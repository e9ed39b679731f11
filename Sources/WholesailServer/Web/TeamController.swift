import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The executive's view of the team: figures per manager over a period (customers, orders,
/// amounts, requests and the time to the first reply) with a bar chart, links to each manager's
/// customers, and moving all customers of one manager to another.
struct TeamController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.get("/staff/team", .permission("staff.dashboard"), use: dashboard)
        routes.post("/staff/team/move", .permission("customers.assign"), use: move)
    }

    /// The period of the figures: `from`/`to` (inclusive days) when valid, else the last 30 days.
    static func period(_ request: Request, today: String) -> (from: String, to: String, valid: Bool) {
        func day(_ name: String) -> String? {
            guard let raw = request.uri.queryParameters[Substring(name)].map(String.init), !raw.isEmpty else { return nil }
            let parts = raw.split(separator: "-", omittingEmptySubsequences: false)
            guard raw.count == 10, parts.count == 3, parts.allSatisfy({ part in part.allSatisfy { $0.isASCII && $0.isNumber } }),
                let month = Int(parts[1]), (1...12).contains(month), let dayOfMonth = Int(parts[2]), (1...31).contains(dayOfMonth)
            else { return "" }
            return raw
        }
        let defaultFrom = Self.daysBefore(today, 29)
        let from = day("from"), to = day("to")
        if from == "" || to == "" { return (defaultFrom, today, false) }
        let start = from ?? defaultFrom, end = to ?? today
        return start <= end ? (start, end, true) : (defaultFrom, today, false)
    }

    static func daysBefore(_ day: String, _ count: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
            let earlier = calendar.date(byAdding: .day, value: -count, to: date)
        else { return day }
        let c = calendar.dateComponents([.year, .month, .day], from: earlier)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// "2 h 05 min", "3 d 4 h": a response time as a person reads it.
    static func duration(_ seconds: TimeInterval?, _ t: Localizer) -> String {
        guard let seconds else { return "—" }
        let minutes = Int((seconds / 60).rounded())
        if minutes < 60 { return t.format("team.minutes", ["n": String(max(minutes, 0))]) }
        let hours = minutes / 60
        if hours < 48 { return t.format("team.hours_minutes", ["h": String(hours), "m": String(format: "%02d", minutes % 60)]) }
        return t.format("team.days_hours", ["d": String(hours / 24), "h": String(hours % 24)])
    }

    @Sendable func dashboard(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, error: nil, status: .ok)
    }

    func render(_ request: Request, context: WholesailRequestContext, error: String?, status: HTTPResponse.Status) async throws -> HTML {
        let principal = try context.require("staff.dashboard")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let period = Self.period(request, today: PricingService.today())
        let figures = try await database.teamFigures(from: period.from, to: period.to)
        // The chart compares amounts in the currency most orders are in.
        let currency = figures.amounts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? "RUB"
        let largest = max(figures.members.map { $0.amounts[currency] ?? 0 }.max() ?? 0, 1)
        func amounts(_ values: [String: Int64]) -> String {
            values.isEmpty ? format.money(0, currency) : values.sorted { $0.key < $1.key }.map { format.money($0.value, $0.key) }.joined(separator: " + ")
        }
        let rows: [[String: Any]] = figures.members.map { item in
            let amount = item.amounts[currency] ?? 0
            // The bar's length in thousandths of the largest amount (an SVG width: the page's
            // content security policy allows no inline styles).
            let perMille = Int(amount * 1000 / largest)
            return [
                "id": item.member.id, "name": item.member.fullName.isEmpty ? item.member.email : item.member.fullName, "email": item.member.email,
                "roles": item.member.roles.map { t["role." + $0] }.joined(separator: ", "),
                "customers": item.customers, "orders": item.orders, "cancelled": item.cancelled, "hasCancelled": item.cancelled > 0, "amount": amounts(item.amounts),
                "chartAmount": format.money(amount, currency),
                "bar": perMille,
                "requests": item.requests, "answered": item.answered,
                "median": Self.duration(item.medianResponse, t), "mean": Self.duration(item.meanResponse, t),
            ]
        }
        return renderer.render(
            "staff-team",
            [
                "title": t["team.title"], "from": period.from, "to": period.to, "badPeriod": !period.valid && request.uri.query?.contains("from") == true,
                "rows": rows, "hasRows": !rows.isEmpty,
                "totalOrders": figures.orders, "totalAmount": amounts(figures.amounts), "unassigned": figures.unassignedCustomers,
                "chartCurrency": currency,
                "canMove": principal.permissions.contains("customers.assign"),
                "people": figures.members.map { ["id": $0.member.id, "name": $0.member.fullName.isEmpty ? $0.member.email : $0.member.fullName] },
                "error": error ?? "", "moved": request.uri.queryParameters["moved"].map(String.init) ?? "",
            ], request: request, context: context, status: status)
    }

    @Sendable func move(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let t = renderer.localizer(context.language)
        guard let from = context.form["from"].flatMap({ Int64($0) }), let to = context.form["to"].flatMap({ Int64($0) }) else {
            return try await render(request, context: context, error: t["team.choose_both"], status: .unprocessableContent)
                .response(from: request, context: context)
        }
        let moved: Int
        do {
            moved = try await database.moveCustomers(from: from, to: to, actor: principal)
        } catch let error as ValidationError {
            let text = t.fieldMessages(error).sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")
            return try await render(request, context: context, error: text, status: .unprocessableContent).response(from: request, context: context)
        }
        return .redirect(to: "/staff/team?moved=\(moved)")
    }
}
