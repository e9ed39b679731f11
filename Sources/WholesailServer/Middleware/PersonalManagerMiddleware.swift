import Hummingbird
import WholesailCore
import WholesailStore

/// Finds the personal manager and assistant of a buyer's current company for the page's widget
/// (name, phone, e-mail, "Ask a question"); a company without them sees its region's contacts
/// (`/admin/regions`). Only for pages a buyer reads (GET, not the API, files
/// or the 1C exchange): one indexed query.
struct PersonalManagerMiddleware: RouterMiddleware {
    typealias Context = WholesailRequestContext
    let database: WholesailDatabase

    static let skippedPrefixes = ["/api/", "/static/", "/files/", "/1c/", "/bitrix/", "/healthz", "/metrics", "/favicon"]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let path = request.uri.path
        if request.method == .get, !Self.skippedPrefixes.contains(where: { path.hasPrefix($0) }), let principal = context.principal,
            !principal.memberOf.isEmpty, !principal.isStaff,
            let company = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil)
        {
            context.personalManagers = try await database.buyerContacts(counterpartyId: company)
        }
        return try await next(request, context)
    }
}
