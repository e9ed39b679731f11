/// Splits ordered quantities between what warehouses have free now and what must be brought in.
/// The store calls it inside the write transaction that reserves, so what it sees is current.
public enum StockAllocation {
    public struct Request: Sendable, Equatable {
        public var productId: Int64
        /// Ordered quantity in thousandths of the line's unit.
        public var qtyMilli: Int64
        /// Base units per line unit.
        public var factor: ExactDecimal
        /// The line unit's step: a part taken from stock is a whole number of steps.
        public var stepMilli: Int64

        public init(productId: Int64, qtyMilli: Int64, factor: ExactDecimal = ExactDecimal(1), stepMilli: Int64 = 1) {
            self.productId = productId
            self.qtyMilli = qtyMilli
            self.factor = factor
            self.stepMilli = max(stepMilli, 1)
        }
    }

    public struct Part: Sendable, Equatable {
        public var warehouseId: Int64
        /// In thousandths of the line's unit.
        public var qtyMilli: Int64
        /// In thousandths of the base unit (what is reserved).
        public var baseMilli: Int64
    }

    public struct Allocation: Sendable, Equatable {
        public var parts: [Part]
        /// What no warehouse has now, in thousandths of the line's unit.
        public var shortMilli: Int64
    }

    /// `free` is per product the free base quantity per warehouse, in the order warehouses should
    /// be used. Lines of the same product share it; nothing is ever allocated twice.
    public static func allocate(_ requests: [Request], free: [Int64: [(warehouseId: Int64, baseMilli: Int64)]]) -> [Allocation] {
        var remaining = free
        return requests.map { request in
            var left = request.qtyMilli
            var parts: [Part] = []
            guard request.factor.units > 0 else { return Allocation(parts: [], shortMilli: left) }
            for position in (remaining[request.productId] ?? []).indices where left > 0 {
                let available = remaining[request.productId]![position]
                guard available.baseMilli > 0 else { continue }
                // Line units the free base quantity covers, whole steps only.
                var take = Int64(Int128(available.baseMilli) * Int128(request.factor.scale) / Int128(request.factor.units))
                take = min(take - take % request.stepMilli, left)
                guard take > 0 else { continue }
                let base = min(baseMilli(of: take, factor: request.factor), available.baseMilli)
                remaining[request.productId]![position].baseMilli -= base
                parts.append(Part(warehouseId: available.warehouseId, qtyMilli: take, baseMilli: base))
                left -= take
            }
            return Allocation(parts: parts, shortMilli: left)
        }
    }

    /// Base thousandths in a quantity of a unit, rounded up (never reserve less than ordered).
    public static func baseMilli(of qtyMilli: Int64, factor: ExactDecimal) -> Int64 {
        let numerator = Int128(qtyMilli) * Int128(factor.units)
        let denominator = Int128(factor.scale)
        let quotient = numerator / denominator
        return Int64(numerator % denominator == 0 ? quotient : quotient + 1)
    }
}
