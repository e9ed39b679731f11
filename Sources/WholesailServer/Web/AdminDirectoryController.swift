import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The admin's directory (`/admin/regions`, `/admin/warehouses`, `/admin/branches`): regions
/// with the staff shown as their contact, warehouses (pickup flag, region, delivery days; the ERP
/// id is shown, never edited), branches with the contacts buyers of their region see on
/// `/contacts`. Every change is audited; deletes ask first and are refused while something
/// depends on the record.
struct AdminDirectoryController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    static let perPage = 50

    func mount(on routes: Routes) {
        let admin = RouteAccess.permission("admin.settings")
        routes.get("/admin/regions", admin, use: regionsPage)
        routes.post("/admin/regions", admin, use: saveRegion)
        routes.post("/admin/regions/:region", admin, use: saveRegion)
        routes.post("/admin/regions/:region/delete", admin, use: deleteRegion)
        routes.post("/admin/regions/:region/contacts", admin, use: addContact)
        routes.post("/admin/regions/:region/contacts/:user/delete", admin, use: removeContact)
        routes.get("/admin/warehouses", admin, use: warehousesPage)
        routes.post("/admin/warehouses", admin, use: saveWarehouse)
        routes.get("/admin/warehouses/:warehouse", admin, use: warehousePage)
        routes.post("/admin/warehouses/:warehouse", admin, use: saveWarehouse)
        routes.post("/admin/warehouses/:warehouse/active", admin, use: warehouseActive)
        routes.post("/admin/warehouses/:warehouse/delete", admin, use: deleteWarehouse)
        routes.get("/admin/branches", admin, use: branchesPage)
        routes.post("/admin/branches", admin, use: saveBranch)
        routes.get("/admin/branches/:branch", admin, use: branchPage)
        routes.post("/admin/branches/:branch", admin, use: saveBranch)
        routes.post("/admin/branches/:branch/delete", admin, use: deleteBranch)
        routes.get("/contacts", .open, use: contactsPage)
    }

    /// What a page shows again after a refusal.
    struct PageState {
        var values: [String: String]?
        var errors: [String: String] = [:]
        /// The id of the record whose form failed (nil: the "new" form).
        var formId: Int64?
        var alert: String?
        /// A warehouse that could not be deleted and may be deactivated instead.
        var deactivate: Int64?
    }

    /// A list page's search text, region filter and page number, and the query a pager keeps.
    static func listFilter(_ request: Request) -> (search: String, regionId: Int64?, page: Int, kept: [String: [String]]) {
        let query = request.uri.queryParameters
        let search = String((query["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces).prefix(200))
        let regionId = query["region"].flatMap { Int64(String($0)) }
        let page = max(1, query["page"].flatMap { Int(String($0)) } ?? 1)
        var kept: [String: [String]] = [:]
        if !search.isEmpty { kept["q"] = [search] }
        if let regionId { kept["region"] = [String(regionId)] }
        return (search, regionId, page, kept)
    }

    func field(_ context: WholesailRequestContext, _ name: String, _ limit: Int = 1000) -> String {
        String((context.form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(limit + 1))
    }

    // MARK: Regions

    @Sendable func regionsPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderRegions(request, context: context, state: PageState(), status: .ok)
    }

    func renderRegions(_ request: Request, context: WholesailRequestContext, state: PageState, status: HTTPResponse.Status) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let regions = try await database.directoryRegions()
        let staff = try await database.staffCandidates()
        let search = (request.uri.queryParameters["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
        let shown = search.isEmpty ? regions : regions.filter { $0.name.localizedCaseInsensitiveContains(search) || ($0.erpId ?? "").localizedCaseInsensitiveContains(search) }
        return renderer.render(
            "admin-regions",
            [
                "title": t["directory.regions_title"],
                "saved": request.uri.queryParameters["saved"] != nil,
                "alert": state.alert ?? "",
                "search": search, "searched": !search.isEmpty, "total": regions.count, "shownCount": shown.count,
                "regions": shown.map { region in
                    let failed = state.formId == region.id
                    let values = failed ? (state.values ?? [:]) : ["name": region.name, "erpId": region.erpId ?? "", "sortOrder": String(region.sortOrder)]
                    let contactIds = Set(region.contacts.map(\.userId))
                    return [
                        "id": region.id, "name": region.name, "erpId": region.erpId ?? "", "companies": region.companies, "warehouses": region.warehouses,
                        "branches": region.branches, "values": values, "errors": failed ? state.errors : [:], "open": failed,
                        "contacts": region.contacts.map { ["userId": $0.userId, "name": $0.name, "email": $0.email, "phone": $0.phone ?? ""] as [String: Any] },
                        "hasContacts": !region.contacts.isEmpty,
                        "candidates": staff.filter { !contactIds.contains($0.id) }.map { ["id": $0.id, "name": $0.name, "email": $0.email] as [String: Any] },
                        "hasCandidates": staff.contains { !contactIds.contains($0.id) },
                    ] as [String: Any]
                },
                "hasRegions": !shown.isEmpty,
                "newValues": state.formId == nil ? (state.values ?? [:]) : [:],
                "newErrors": state.formId == nil ? state.errors : [:],
            ], request: request, context: context, status: status)
    }

    @Sendable func saveRegion(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let id = context.parameters.get("region", as: Int64.self)
        let sortText = field(context, "sortOrder", 20)
        let entry = RegionEntry(id: id, erpId: field(context, "erpId", 100), name: field(context, "name", 200), sortOrder: Int(sortText) ?? (sortText.isEmpty ? 0 : Int.max))
        do {
            try await database.saveRegion(entry, actor: principal)
        } catch let error as ValidationError {
            let state = PageState(values: context.echoedForm(limit: 300), errors: renderer.localizer(context.language).fieldMessages(error), formId: id)
            return try await renderRegions(request, context: context, state: state, status: .unprocessableContent).response(from: request, context: context)
        }
        return .redirect(to: "/admin/regions?saved=1")
    }

    @Sendable func deleteRegion(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("region", as: Int64.self) else { throw HTTPError(.notFound) }
        do {
            try await database.deleteRegion(id: id, actor: principal)
        } catch let error as DomainError where error.kind == .conflict {
            let state = PageState(alert: renderer.localizer(context.language).message(for: error))
            return try await renderRegions(request, context: context, state: state, status: .conflict).response(from: request, context: context)
        }
        return .redirect(to: "/admin/regions?saved=1")
    }

    @Sendable func addContact(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("region", as: Int64.self) else { throw HTTPError(.notFound) }
        do {
            try await database.addRegionContact(regionId: id, userId: Int64(field(context, "userId", 20)) ?? 0, actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            let state = PageState(alert: t["directory.contact_refused"] + " " + (t.fieldMessages(error)["userId"] ?? ""))
            return try await renderRegions(request, context: context, state: state, status: .unprocessableContent).response(from: request, context: context)
        }
        return .redirect(to: "/admin/regions?saved=1#region-\(id)")
    }

    @Sendable func removeContact(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("region", as: Int64.self), let user = context.parameters.get("user", as: Int64.self) else {
            throw HTTPError(.notFound)
        }
        try await database.removeRegionContact(regionId: id, userId: user, actor: principal)
        return .redirect(to: "/admin/regions?saved=1#region-\(id)")
    }

    // MARK: Warehouses

    @Sendable func warehousesPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderWarehouses(request, context: context, editing: nil, state: PageState(), status: .ok)
    }

    @Sendable func warehousePage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard let id = context.parameters.get("warehouse", as: Int64.self), let warehouse = try await database.directoryWarehouse(id: id) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        return try await renderWarehouses(request, context: context, editing: warehouse, state: PageState(), status: .ok)
    }

    /// The list (searchable by name, address or ERP id, filtered by region, 50 a page) and the
    /// form: a new warehouse, or the one being edited.
    func renderWarehouses(
        _ request: Request, context: WholesailRequestContext, editing: WarehouseRow?, state: PageState, status: HTTPResponse.Status
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let query = request.uri.queryParameters
        let (search, regionFilter, page, kept) = Self.listFilter(request)
        let regions = try await database.directoryRegions()
        let list = try await database.directoryWarehouses(search: search, regionId: regionFilter, page: page, perPage: Self.perPage)
        let values: [String: String] =
            state.values
            ?? editing.map {
                [
                    "name": $0.name, "address": $0.address, "regionId": $0.regionId.map(String.init) ?? "", "pickup": $0.isPickupPoint ? "1" : "",
                    "deliveryDays": String($0.deliveryDays), "active": $0.active ? "1" : "",
                ]
            } ?? ["pickup": "1", "active": "1", "deliveryDays": "0"]
        return renderer.render(
            "admin-warehouses",
            [
                "title": t["directory.warehouses_title"],
                "saved": query["saved"] != nil,
                "alert": state.alert ?? "",
                "deactivate": state.deactivate ?? 0, "offerDeactivate": state.deactivate != nil,
                "search": search, "total": list.total,
                "filterRegions": regions.map { ["id": $0.id, "name": $0.name, "on": regionFilter == $0.id] as [String: Any] },
                "noRegionFilter": regionFilter == 0,
                "warehouses": list.items.map { w in
                    [
                        "id": w.id, "name": w.name, "erpId": w.erpId ?? "", "address": w.address, "region": w.regionName ?? "",
                        "pickup": w.isPickupPoint, "deliveryDays": w.deliveryDays, "active": w.active, "inactive": !w.active,
                        "stocked": w.stockedProducts, "orders": w.orders,
                    ] as [String: Any]
                },
                "hasWarehouses": !list.items.isEmpty,
                "pager": Pager(page: page, perPage: Self.perPage, total: list.total, path: "/admin/warehouses", query: kept).links(t),
                "editing": editing.map { ["id": $0.id, "name": $0.name, "erpId": $0.erpId ?? "", "fromErp": $0.erpId != nil] as Any } ?? false,
                "formAction": editing.map { "/admin/warehouses/\($0.id)" } ?? "/admin/warehouses",
                "values": values,
                "pickupOn": values["pickup"] == "1", "activeOn": values["active"] == "1",
                "errors": state.errors,
                "formRegions": regions.map { ["id": $0.id, "name": $0.name, "on": values["regionId"] == String($0.id)] as [String: Any] },
            ], request: request, context: context, status: status)
    }

    @Sendable func saveWarehouse(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let id = context.parameters.get("warehouse", as: Int64.self)
        let daysText = field(context, "deliveryDays", 10)
        let entry = WarehouseEntry(
            id: id, name: field(context, "name", 255), address: field(context, "address", 500), regionId: Int64(field(context, "regionId", 20)),
            isPickupPoint: context.form["pickup"] == "1", deliveryDays: daysText.isEmpty ? 0 : Int(daysText) ?? -1, active: context.form["active"] == "1")
        let saved: Int64
        do {
            saved = try await database.saveWarehouse(entry, actor: principal)
        } catch let error as ValidationError {
            let editing = try await id.asyncMap { try await database.directoryWarehouse(id: $0) } ?? nil
            if id != nil, editing == nil { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            var state = PageState(values: context.echoedForm(limit: 600), errors: renderer.localizer(context.language).fieldMessages(error), formId: id)
            state.values?["pickup"] = context.form["pickup"] == "1" ? "1" : ""
            state.values?["active"] = context.form["active"] == "1" ? "1" : ""
            return try await renderWarehouses(request, context: context, editing: editing, state: state, status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/admin/warehouses?saved=1#warehouse-\(saved)")
    }

    @Sendable func warehouseActive(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("warehouse", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.setWarehouseActive(id: id, active: context.form["active"] == "1", actor: principal)
        return .redirect(to: "/admin/warehouses?saved=1#warehouse-\(id)")
    }

    @Sendable func deleteWarehouse(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("warehouse", as: Int64.self) else { throw HTTPError(.notFound) }
        do {
            try await database.deleteWarehouse(id: id, actor: principal)
        } catch let error as DomainError where error.kind == .conflict {
            let state = PageState(alert: renderer.localizer(context.language).message(for: error), deactivate: id)
            return try await renderWarehouses(request, context: context, editing: nil, state: state, status: .conflict).response(from: request, context: context)
        }
        return .redirect(to: "/admin/warehouses?saved=1")
    }

    // MARK: Branches

    @Sendable func branchesPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderBranches(request, context: context, editing: nil, state: PageState(), status: .ok)
    }

    @Sendable func branchPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard let id = context.parameters.get("branch", as: Int64.self), let branch = try await database.directoryBranch(id: id) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        return try await renderBranches(request, context: context, editing: branch, state: PageState(), status: .ok)
    }

    func renderBranches(
        _ request: Request, context: WholesailRequestContext, editing: BranchRow?, state: PageState, status: HTTPResponse.Status
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let query = request.uri.queryParameters
        let (search, regionFilter, page, kept) = Self.listFilter(request)
        let regions = try await database.directoryRegions()
        let list = try await database.directoryBranches(search: search, regionId: regionFilter, page: page, perPage: Self.perPage)
        let values: [String: String] =
            state.values
            ?? editing.map { b in
                let e = b.entry
                return [
                    "name": e.name, "address": e.address, "phone": e.phone, "email": e.email, "hours": e.hours, "regionId": e.regionId.map(String.init) ?? "",
                    "sortOrder": String(e.sortOrder), "active": e.active ? "1" : "",
                ]
            } ?? ["active": "1", "sortOrder": "0"]
        return renderer.render(
            "admin-branches",
            [
                "title": t["directory.branches_title"],
                "saved": query["saved"] != nil,
                "search": search, "total": list.total,
                "filterRegions": regions.map { ["id": $0.id, "name": $0.name, "on": regionFilter == $0.id] as [String: Any] },
                "noRegionFilter": regionFilter == 0,
                "branches": list.items.map { b in
                    [
                        "id": b.entry.id ?? 0, "name": b.entry.name, "address": b.entry.address, "phone": b.entry.phone, "email": b.entry.email,
                        "hours": b.entry.hours, "region": b.regionName ?? "", "inactive": !b.entry.active,
                    ] as [String: Any]
                },
                "hasBranches": !list.items.isEmpty,
                "pager": Pager(page: page, perPage: Self.perPage, total: list.total, path: "/admin/branches", query: kept).links(t),
                "editing": editing.map { ["id": $0.entry.id ?? 0, "name": $0.entry.name] as Any } ?? false,
                "formAction": editing.map { "/admin/branches/\($0.entry.id ?? 0)" } ?? "/admin/branches",
                "values": values, "activeOn": values["active"] == "1",
                "errors": state.errors,
                "formRegions": regions.map { ["id": $0.id, "name": $0.name, "on": values["regionId"] == String($0.id)] as [String: Any] },
            ], request: request, context: context, status: status)
    }

    @Sendable func saveBranch(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let id = context.parameters.get("branch", as: Int64.self)
        let sortText = field(context, "sortOrder", 10)
        let entry = BranchEntry(
            id: id, regionId: Int64(field(context, "regionId", 20)), name: field(context, "name", 200), address: field(context, "address", 500),
            phone: field(context, "phone", 100), email: field(context, "email", 254), hours: field(context, "hours", 300),
            sortOrder: Int(sortText) ?? 0, active: context.form["active"] == "1")
        let saved: Int64
        do {
            saved = try await database.saveBranch(entry, actor: principal)
        } catch let error as ValidationError {
            let editing = try await id.asyncMap { try await database.directoryBranch(id: $0) } ?? nil
            if id != nil, editing == nil { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            var state = PageState(values: context.echoedForm(limit: 600), errors: renderer.localizer(context.language).fieldMessages(error), formId: id)
            state.values?["active"] = context.form["active"] == "1" ? "1" : ""
            return try await renderBranches(request, context: context, editing: editing, state: state, status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/admin/branches?saved=1#branch-\(saved)")
    }

    @Sendable func deleteBranch(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("branch", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.deleteBranch(id: id, actor: principal)
        return .redirect(to: "/admin/branches?saved=1")
    }

    // MARK: Buyers' contacts page

    /// `/contacts`: the branches a buyer's region has (and those for everybody), and whom to ask:
    /// the personal manager, else the region's contacts. Visitors and staff see every branch.
    @Sendable func contactsPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        var regionId: Int64?
        var everyRegion = true
        var regionName = ""
        if let principal = context.principal, !principal.isStaff,
            let company = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil)
        {
            regionId = try await database.orderingCompanies(userId: principal.userId).first { $0.id == company }?.regionId
            everyRegion = false
            if let regionId { regionName = try await database.regionName(id: regionId) ?? "" }
        }
        let branches = try await database.visibleBranches(regionId: regionId, everyRegion: everyRegion)
        return renderer.render(
            "contacts",
            [
                "title": t["contacts.title"],
                "region": regionName,
                "branches": branches.map { b in
                    [
                        "id": b.entry.id ?? 0, "name": b.entry.name, "address": b.entry.address, "phone": b.entry.phone,
                        "tel": b.entry.phone.filter { $0.isNumber || $0 == "+" }, "email": b.entry.email, "hours": b.entry.hours,
                        "region": b.regionName ?? "",
                    ] as [String: Any]
                },
                "hasBranches": !branches.isEmpty,
                "contacts": context.personalManagers.map { c in
                    ["name": c.name, "role": t["role." + c.role], "phone": c.phone ?? "", "tel": (c.phone ?? "").filter { $0.isNumber || $0 == "+" }, "email": c.email]
                        as [String: Any]
                },
                "hasContacts": !context.personalManagers.isEmpty,
            ], request: request, context: context)
    }
}
