import Foundation
import GRDB
import WholesailCore

/// What a visitor without an account leaves to be called back about an order.
public struct LeadForm: Sendable, Equatable {
    public var name: String
    public var phone: String
    public var email: String
    public var text: String
    public var consent: Bool

    public init(name: String, phone: String, email: String, text: String, consent: Bool) {
        self.name = name
        self.phone = phone
        self.email = email
        self.text = text
        self.consent = consent
    }

    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        if !PhoneNumber.isPlausible(phone) { fields["phone"] = PhoneNumber.issue }
        let trimmedEmail = email.trimmingCharacters(in: .whitespaces)
        if !trimmedEmail.isEmpty && !EmailAddress.isValid(trimmedEmail) {
            fields["email"] = .init(code: "field.bad_email", message: "Enter a valid e-mail address.")
        }
        if name.count > 200 { fields["name"] = .init(code: "field.too_long", message: "This is too long.") }
        if text.count > 20_000 { fields["skus"] = .init(code: "field.too_long", message: "This is too long.") }
        if !consent { fields["consent"] = .init(code: "field.consent_required", message: "Please agree to the processing of personal data.") }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}

extension WholesailDatabase {
    /// Records a lead for the managers (with the consent's time and version) and tells them.
    @discardableResult
    public func createLead(_ form: LeadForm, now: Date = Date()) async throws -> Int64 {
        if let problem = form.validate() { throw problem }
        return try await write { db in
            let payload = String(
                decoding: try JSONSerialization.data(withJSONObject: ["request": form.text], options: [.sortedKeys]), as: UTF8.self)
            try db.execute(
                sql: "INSERT INTO lead (name, phone, email, payload, consentAt, consentVersion, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    form.name.isEmpty ? nil : form.name, form.phone, form.email.isEmpty ? nil : form.email, payload, Self.stamp(now), try Self.consentVersion(db),
                    Self.stamp(now),
                ])
            let id = db.lastInsertedRowID
            try Outbox.publish(
                db, topic: "lead.created",
                payload: ["leadId": String(id), "phone": form.phone, "email": form.email, "name": form.name, "request": String(form.text.prefix(2000))],
                idempotencyKey: "lead.\(id)")
            return id
        }
    }
}
