/// Kinds of objects that belong to customer companies. A route that takes the id of one of them
/// declares the kind, and the router checks ownership before the handler runs.
public enum OwnedObjectKind: String, Sendable, CaseIterable {
    case counterparty
    case user
    case deliveryAddress
    case customerOrder
    case document
    case counterpartyChangeRequest
    case ticket
    case shipment
    case quote
    case shoppingList
    case partNumber
    /// One approver's decision on an order of a buyer company.
    case orderApproval
    /// A buyer company's approval rule and spending budget.
    case approvalRule
    case spendingBudget
}

/// Kinds of objects published for an audience (everyone, or user groups) rather than owned by a
/// company. A route that takes the id of one declares the kind, and the router asks
/// `AccessPolicy` with the object's `Audience` before the handler runs.
public enum AudienceObjectKind: String, Sendable, CaseIterable {
    case material
}
