import Foundation
import GRDB
import WholesailCore

extension WholesailDatabase {
    /// The counterparties an object belongs to, or nil when there is no such object.
    /// (A user may belong to several; staff users belong to none.)
    public func owners(of kind: OwnedObjectKind, id: Int64) async throws -> Set<Int64>? {
        try await read { db in
            let sql: String
            switch kind {
            case .counterparty: sql = "SELECT id FROM counterparty WHERE id = ?"
            case .deliveryAddress: sql = "SELECT counterpartyId FROM deliveryAddress WHERE id = ?"
            case .customerOrder: sql = "SELECT counterpartyId FROM customerOrder WHERE id = ?"
            case .document: sql = "SELECT counterpartyId FROM document WHERE id = ?"
            case .counterpartyChangeRequest: sql = "SELECT counterpartyId FROM counterpartyChangeRequest WHERE id = ?"
            case .ticket: sql = "SELECT counterpartyId FROM ticket WHERE id = ?"
            case .orderApproval: sql = "SELECT counterpartyId FROM orderApproval WHERE id = ?"
            case .approvalRule: sql = "SELECT counterpartyId FROM approvalRule WHERE id = ? AND active = 1"
            case .spendingBudget: sql = "SELECT counterpartyId FROM spendingBudget WHERE id = ? AND active = 1"
            case .shipment: sql = "SELECT o.counterpartyId FROM shipment s JOIN customerOrder o ON o.id = s.orderId WHERE s.id = ?"
            case .quote: sql = "SELECT counterpartyId FROM quote WHERE id = ?"
            case .shoppingList: sql = "SELECT counterpartyId FROM shoppingList WHERE id = ?"
            case .partNumber: sql = "SELECT counterpartyId FROM customerPartNumber WHERE id = ?"
            case .user:
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM user WHERE id = ?)", arguments: [id]) == true else {
                    return nil
                }
                return try Set(Int64.fetchAll(db, sql: "SELECT counterpartyId FROM userCounterparty WHERE userId = ?", arguments: [id]))
            }
            let owners = try Int64.fetchAll(db, sql: sql, arguments: [id])
            return owners.isEmpty ? nil : Set(owners)
        }
    }
}
