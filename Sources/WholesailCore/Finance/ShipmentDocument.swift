import Foundation

/// What a shipment's waybill (товарная накладная, ТОРГ-12) and invoice (счёт-фактура) print:
/// the parties, the basis, and the shipped part of each order line with its amounts with and
/// without VAT.
public struct ShipmentDocument: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        public var name: String
        public var sku: String
        public var unit: String
        /// The unit's OKEI code (`796` for pieces), when known.
        public var unitCode: String?
        public var qtyMilli: Int64
        /// The amount with VAT of the shipped quantity.
        public var amountMinor: Int64
        public var vatRate: ExactDecimal
        public var vatMinor: Int64
        /// The buyer's own number of the product, printed next to ours.
        public var customerSku: String? = nil

        public var amountWithoutVatMinor: Int64 { amountMinor - vatMinor }

        /// The price per unit without VAT, to the minor unit (what the forms print in "Цена").
        public var priceWithoutVatMinor: Int64 {
            qtyMilli > 0 ? Money.rounded(numerator: Int128(amountWithoutVatMinor) * 1000, denominator: Int128(qtyMilli)) : 0
        }

        public init(name: String, sku: String, unit: String, unitCode: String?, qtyMilli: Int64, amountMinor: Int64, vatRate: ExactDecimal, vatMinor: Int64) {
            self.name = name
            self.sku = sku
            self.unit = unit
            self.unitCode = unitCode
            self.qtyMilli = qtyMilli
            self.amountMinor = amountMinor
            self.vatRate = vatRate
            self.vatMinor = vatMinor
        }

        /// The shipped part of an order line: its amount (after discounts) in proportion to the
        /// quantity, rounded once; VAT computed from that amount at the line's rate. Shipping the
        /// whole line gives exactly the line's amount.
        public static func shipped(
            name: String, sku: String, unit: String, unitCode: String?, orderedMilli: Int64, orderedAmountMinor: Int64, shippedMilli: Int64,
            vatRate: ExactDecimal
        ) -> Line {
            let amount =
                shippedMilli == orderedMilli || orderedMilli <= 0
                ? orderedAmountMinor
                : Money.rounded(numerator: Int128(orderedAmountMinor) * Int128(shippedMilli), denominator: Int128(orderedMilli))
            return Line(
                name: name, sku: sku, unit: unit, unitCode: unitCode, qtyMilli: shippedMilli, amountMinor: amount, vatRate: vatRate,
                vatMinor: CartPricing.vat(of: amount, rate: vatRate))
        }
    }

    public var seller: OrganizationDetails
    public var buyer: OrganizationDetails
    /// Who receives the goods and where (the order's consignee and delivery address), when not the buyer.
    public var consignee: String?
    /// `Договор № Д-1 от 1 января 2026 г.` or `Заказ № T-00001 от …`.
    public var basis: String
    public var orderNumber: String
    public var orderDate: String
    public var number: String
    public var date: String
    public var currency: String
    public var lines: [Line]

    public init(
        seller: OrganizationDetails, buyer: OrganizationDetails, consignee: String?, basis: String, orderNumber: String, orderDate: String,
        number: String, date: String, currency: String, lines: [Line]
    ) {
        self.seller = seller
        self.buyer = buyer
        self.consignee = consignee
        self.basis = basis
        self.orderNumber = orderNumber
        self.orderDate = orderDate
        self.number = number
        self.date = date
        self.currency = currency
        self.lines = lines
    }

    public var totalMinor: Int64 { lines.reduce(0) { $0 + $1.amountMinor } }
    public var vatMinor: Int64 { lines.reduce(0) { $0 + $1.vatMinor } }
    public var totalWithoutVatMinor: Int64 { totalMinor - vatMinor }
    public var totalQtyMilli: Int64 { lines.reduce(0) { $0 + $1.qtyMilli } }
}
