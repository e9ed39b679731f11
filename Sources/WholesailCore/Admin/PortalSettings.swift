/// Portal-wide settings the admin changes on `/admin/settings`, stored as rows of `setting`
/// (one key each); a missing row means the default.
public struct PortalSettings: Sendable, Equatable {
    /// Whether visitors may file registration requests (`/register`).
    public var registrationOpen: Bool
    /// The language for visitors who chose none and whose browser asks for neither English nor
    /// Russian (`ru` or `en`).
    public var defaultLanguage: String
    /// What locks ordering for a company in debt.
    public var creditPolicy: CreditPolicy

    public init(registrationOpen: Bool = true, defaultLanguage: String = "ru", creditPolicy: CreditPolicy = .limitAndOverdue) {
        self.registrationOpen = registrationOpen
        self.defaultLanguage = defaultLanguage
        self.creditPolicy = creditPolicy
    }

    /// The `setting` keys, for reading and writing them in one place.
    public enum Key {
        public static let registrationOpen = "registration.open"
        public static let defaultLanguage = "site.default_language"
        public static let creditPolicy = "credit.policy"
        public static let all = [registrationOpen, defaultLanguage, creditPolicy]
    }

    /// Settings from stored key/value rows; unknown or broken values fall back to the defaults.
    public init(rows: [String: String]) {
        self.init()
        if let open = rows[Key.registrationOpen] { registrationOpen = open != "0" }
        if let language = rows[Key.defaultLanguage], ["ru", "en"].contains(language) { defaultLanguage = language }
        if let policy = rows[Key.creditPolicy].flatMap(CreditPolicy.init(rawValue:)) { creditPolicy = policy }
    }

    /// The rows to store.
    public var rows: [String: String] {
        [Key.registrationOpen: registrationOpen ? "1" : "0", Key.defaultLanguage: defaultLanguage, Key.creditPolicy: creditPolicy.rawValue]
    }
}

/// A seller organization's details as printed on bills: the distributor's legal entity (one or
/// several), edited by the admin. The ERP may send them too (`erpId`).
public struct SellerDetails: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var inn: String
    public var kpp: String
    public var ogrn: String
    public var address: String
    public var bankName: String
    public var bik: String
    public var account: String
    public var correspondentAccount: String
    public var director: String
    public var accountant: String
    public var orderPrefix: String

    public init(
        id: Int64, name: String, inn: String, kpp: String = "", ogrn: String = "", address: String = "", bankName: String = "", bik: String = "",
        account: String = "", correspondentAccount: String = "", director: String = "", accountant: String = "", orderPrefix: String = ""
    ) {
        self.id = id
        self.name = name
        self.inn = inn
        self.kpp = kpp
        self.ogrn = ogrn
        self.address = address
        self.bankName = bankName
        self.bik = bik
        self.account = account
        self.correspondentAccount = correspondentAccount
        self.director = director
        self.accountant = accountant
        self.orderPrefix = orderPrefix
    }

    /// Every problem at once, keyed by field: Russian requisites have fixed lengths of digits
    /// (INN 10 or 12, KPP 9, OGRN 13 or 15, BIK 9, accounts 20).
    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        func digits(_ value: String, _ counts: [Int], field: String, required: Bool = false) {
            if value.isEmpty {
                if required { fields[field] = .init(code: "field.required", message: "This field is required.") }
                return
            }
            if !counts.contains(value.count) || !value.allSatisfy({ $0.isASCII && $0.isNumber }) {
                fields[field] = .init(
                    code: "settings.bad_digits", message: "Enter \(counts.map(String.init).joined(separator: " or ")) digits.")
            }
        }
        let trimmedName = name.trimmingCharacters(in: .whitespaces)
        if trimmedName.isEmpty { fields["name"] = .init(code: "field.required", message: "This field is required.") }
        for (field, value, limit) in [
            ("name", name, 500), ("address", address, 1000), ("bankName", bankName, 300), ("director", director, 200), ("accountant", accountant, 200),
        ] where value.count > limit {
            fields[field] = .init(code: "field.too_long", message: "This is too long.")
        }
        digits(inn, [10, 12], field: "inn", required: true)
        digits(kpp, [9], field: "kpp")
        digits(ogrn, [13, 15], field: "ogrn")
        digits(bik, [9], field: "bik")
        digits(account, [20], field: "account")
        digits(correspondentAccount, [20], field: "correspondentAccount")
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}
