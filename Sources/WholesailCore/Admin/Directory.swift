import Foundation

/// A sales region as the admin edits it (`/admin/regions`). Buyers' companies, warehouses,
/// branches, price rules and delivery tariffs refer to it.
public struct RegionEntry: Sendable, Equatable {
    public var id: Int64?
    /// The ERP's identifier, when the ERP knows the region (empty: a portal-only region).
    public var erpId: String
    public var name: String
    public var sortOrder: Int

    public init(id: Int64? = nil, erpId: String = "", name: String, sortOrder: Int = 0) {
        self.id = id
        self.erpId = erpId
        self.name = name
        self.sortOrder = sortOrder
    }

    /// Field problems: a name is required; lengths are bounded.
    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { fields["name"] = .init(code: "field.required", message: "This field is required.") }
        if trimmed.count > 200 { fields["name"] = .init(code: "field.too_long", message: "This is too long.") }
        if erpId.count > 100 { fields["erpId"] = .init(code: "field.too_long", message: "This is too long.") }
        if sortOrder < -1_000_000 || sortOrder > 1_000_000 { fields["sortOrder"] = .init(code: "field.invalid", message: "Choose one of the options.") }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}

/// What the admin may change about a warehouse. A warehouse that came from the ERP keeps its
/// `erpId` (the import matches it by that id, so it is never edited here); the ERP's next upload
/// may overwrite its name, address and whether it is active, while the region, the pickup flag and
/// the delivery days are the portal's own.
public struct WarehouseEntry: Sendable, Equatable {
    public var id: Int64?
    public var name: String
    public var address: String
    public var regionId: Int64?
    public var isPickupPoint: Bool
    public var deliveryDays: Int
    public var active: Bool

    public init(
        id: Int64? = nil, name: String, address: String = "", regionId: Int64? = nil, isPickupPoint: Bool = true, deliveryDays: Int = 0,
        active: Bool = true
    ) {
        self.id = id
        self.name = name
        self.address = address
        self.regionId = regionId
        self.isPickupPoint = isPickupPoint
        self.deliveryDays = deliveryDays
        self.active = active
    }

    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { fields["name"] = .init(code: "field.required", message: "This field is required.") }
        if trimmed.count > 255 { fields["name"] = .init(code: "field.too_long", message: "This is too long.") }
        if address.count > 500 { fields["address"] = .init(code: "field.too_long", message: "This is too long.") }
        if deliveryDays < 0 || deliveryDays > 365 { fields["deliveryDays"] = .init(code: "field.days_range", message: "Enter a number of days from 0 to 365.") }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}

/// A branch (subsidiary, sales office) with the contacts shown to the buyers of its region on
/// `/contacts`; without a region it is shown to everybody.
public struct BranchEntry: Sendable, Equatable {
    public var id: Int64?
    public var regionId: Int64?
    public var name: String
    public var address: String
    public var phone: String
    public var email: String
    public var hours: String
    public var sortOrder: Int
    public var active: Bool

    public init(
        id: Int64? = nil, regionId: Int64? = nil, name: String, address: String = "", phone: String = "", email: String = "", hours: String = "",
        sortOrder: Int = 0, active: Bool = true
    ) {
        self.id = id
        self.regionId = regionId
        self.name = name
        self.address = address
        self.phone = phone
        self.email = email
        self.hours = hours
        self.sortOrder = sortOrder
        self.active = active
    }

    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { fields["name"] = .init(code: "field.required", message: "This field is required.") }
        if trimmed.count > 200 { fields["name"] = .init(code: "field.too_long", message: "This is too long.") }
        if address.count > 500 { fields["address"] = .init(code: "field.too_long", message: "This is too long.") }
        if hours.count > 300 { fields["hours"] = .init(code: "field.too_long", message: "This is too long.") }
        if !phone.isEmpty {
            let digits = phone.filter(\.isNumber).count
            if phone.count > 100 || digits < 10 || digits > 15 { fields["phone"] = .init(code: "field.bad_phone", message: "Enter a phone number with 10 to 15 digits.") }
        }
        if !email.isEmpty {
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            if email.count > 254 || parts.count != 2 || parts[0].isEmpty || !parts[1].contains(".") || email.contains(where: \.isWhitespace) {
                fields["email"] = .init(code: "field.bad_email", message: "Enter a valid e-mail address.")
            }
        }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}
