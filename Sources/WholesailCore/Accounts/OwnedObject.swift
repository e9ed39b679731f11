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
}
