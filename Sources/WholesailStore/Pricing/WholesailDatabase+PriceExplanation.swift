import Foundation
import GRDB
import WholesailCore

extension WholesailDatabase {
    /// The names "why this price" mentions: every price type's name, and the given agreement's
    /// number and date only when it belongs to the given company (a buyer never sees another
    /// company's agreement).
    public func priceExplanationNames(agreementId: Int64?, counterpartyId: Int64?) async throws -> PriceExplainer.Names {
        try await read { db in
            var types: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM priceType") { types[row["id"]] = row["name"] }
            var agreement: PriceExplainer.Agreement?
            if let agreementId, let counterpartyId,
                let row = try Row.fetchOne(
                    db, sql: "SELECT id, number, date FROM agreement WHERE id = ? AND counterpartyId = ?", arguments: [agreementId, counterpartyId])
            {
                agreement = PriceExplainer.Agreement(id: row["id"], number: row["number"], date: String((row["date"] as String).prefix(10)))
            }
            return PriceExplainer.Names(priceTypes: types, agreement: agreement)
        }
    }
}
