/// Quantities are exact thousandths of a unit (`qtyMilli`): 1 pc = 1000, 2.5 m = 2500. What a
/// unit allows is its minimum and its step; a piece unit has a step of 1000, so 1.5 pcs is refused.
public enum Quantity {
    /// The most of one line a cart takes: a million units.
    public static let maxMilli: Int64 = 1_000_000_000

    /// Parses "12", "1,5", "1.5", "1 000" into thousandths; nil for text that is not a positive
    /// number with at most three decimals.
    public static func milli(parsing raw: String) -> Int64? {
        guard let value = ExactDecimal(parsing: raw), value.units > 0,
            let milli = value.scaled(to: 1000, rounding: false), milli <= maxMilli
        else { return nil }
        return milli
    }

    /// "12", "1.5": how a quantity is written back into a form or a file.
    public static func text(milli: Int64) -> String { ExactDecimal(units: milli, scale: 1000).description }

    /// A unit's minimum and step, in thousandths of that unit.
    public struct Rule: Sendable, Equatable {
        public var minMilli: Int64
        public var stepMilli: Int64

        public init(minMilli: Int64 = 1000, stepMilli: Int64 = 1000) {
            self.minMilli = max(minMilli, 1)
            self.stepMilli = max(stepMilli, 1)
        }

        /// The smallest allowed quantity not below `qtyMilli` (what "add 1" or a rounded-up
        /// quick-order line becomes).
        public func roundedUp(_ qtyMilli: Int64) -> Int64 {
            let atLeast = Swift.max(qtyMilli, minMilli)
            let remainder = atLeast % stepMilli
            return remainder == 0 ? atLeast : atLeast + stepMilli - remainder
        }
    }

    /// Checks a quantity against the unit's rule; the error names the unit and the numbers.
    public static func validate(_ qtyMilli: Int64, rule: Rule, unit: String) throws(DomainError) {
        guard qtyMilli > 0, qtyMilli <= maxMilli else {
            throw DomainError(.invalid, code: "cart.qty_invalid", message: "Enter a quantity greater than zero.")
        }
        if qtyMilli % rule.stepMilli != 0 {
            throw DomainError(
                .invalid, code: "cart.qty_step", message: "This product is sold in multiples of \(text(milli: rule.stepMilli)) \(unit).",
                values: ["step": text(milli: rule.stepMilli), "unit": unit])
        }
        if qtyMilli < rule.minMilli {
            throw DomainError(
                .invalid, code: "cart.qty_minimum", message: "The minimum order is \(text(milli: rule.minMilli)) \(unit).",
                values: ["min": text(milli: rule.minMilli), "unit": unit])
        }
    }
}
