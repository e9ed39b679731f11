import Testing
import WholesailCore

@Suite("Ordering rules without a database")
struct OrderingCoreTests {
    @Test("quantities parse as exact thousandths; garbage, zero, negatives and excess precision are refused")
    func quantities() {
        #expect(Quantity.milli(parsing: "12") == 12000)
        #expect(Quantity.milli(parsing: "1,5") == 1500)
        #expect(Quantity.milli(parsing: "0.125") == 125)
        #expect(Quantity.milli(parsing: "1 000") == 1_000_000)
        for bad in ["", "abc", "0", "-1", "1.2345", "1e3", "NaN", "99999999999"] { #expect(Quantity.milli(parsing: bad) == nil, "\(bad)") }
        #expect(Quantity.text(milli: 2500) == "2.5")
        #expect(Quantity.Rule(minMilli: 5000, stepMilli: 5000).roundedUp(7000) == 10000)
        #expect(Quantity.Rule(minMilli: 5000, stepMilli: 5000).roundedUp(0) == 5000)
    }

    @Test("quick-order text: separators, SKU:qty, spreadsheet rows, bad quantities reported")
    func quickOrderText() {
        let entries = QuickOrderText.parse("CAB-1, LAMP-2:10\nWIRE-3:2,5 0001234\nX-9\t7\nBAD:abc\n\n  Y-1;3  ")
        // A comma always separates stock numbers, so "WIRE-3:2,5" is WIRE-3 × 2 and a code "5" (write 2.5).
        #expect(entries.map(\.sku) == ["CAB-1", "LAMP-2", "WIRE-3", "5", "0001234", "X-9", "BAD", "Y-1"])
        let bySku = Dictionary(entries.map { ($0.sku, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(bySku["LAMP-2"]?.qtyMilli == 10000)
        #expect(bySku["CAB-1"]?.qtyMilli == nil)
        #expect(bySku["WIRE-3"]?.qtyMilli == 2000)
        #expect(bySku["X-9"]?.qtyMilli == 7000)
        #expect(bySku["Y-1"]?.qtyMilli == 3000)
        #expect(bySku["BAD"]?.badQuantity == "abc")
    }

    @Test("quick-order text: a browser's textarea sends CRLF line ends (one Swift Character), still one SKU per line")
    func quickOrderTextCRLF() {
        let entries = QuickOrderText.parse("CAB-1:3\r\nLAMP-2:5\r\nX-9\t7\r\n")
        #expect(entries.map(\.sku) == ["CAB-1", "LAMP-2", "X-9"])
        #expect(entries.map(\.qtyMilli) == [3000, 5000, 7000])
        #expect(entries.allSatisfy { $0.badQuantity == nil })
    }

    @Test("credit: payments settle the oldest debts first; limit, overdue and block refuse with numbers")
    func credit() {
        let entries = [
            CreditState.Entry(date: "2026-09-01", dueDate: "2026-09-15", amountMinor: 10000),
            CreditState.Entry(date: "2026-10-01", dueDate: "2026-12-15", amountMinor: 20000),
            CreditState.Entry(date: "2026-10-05", amountMinor: -12000),
        ]
        let state = CreditState(entries: entries, today: "2026-11-29", limitMinor: 30000, blocked: false, currency: "RUB")
        #expect(state.debtMinor == 18000)
        #expect(state.overdueMinor == 0)
        #expect(state.refusal(orderMinor: 12000) == nil)
        #expect(state.refusal(orderMinor: 12001)?.code == "order.credit_limit")
        let late = CreditState(entries: entries, today: "2026-12-20", limitMinor: 0, blocked: false, currency: "RUB")
        #expect(late.overdueMinor == 18000)
        #expect(late.refusal(orderMinor: 1)?.code == "order.credit_overdue")
        #expect(CreditState(entries: [], today: "2026-11-29", limitMinor: 0, blocked: true, currency: "RUB").refusal(orderMinor: 1)?.code == "order.counterparty_blocked")
    }

    @Test("stock allocation never hands out more than is free, whatever the requests (property)")
    func allocationProperty() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let products = Int64.random(in: 1...3, using: &generator)
            var free: [Int64: [(warehouseId: Int64, baseMilli: Int64)]] = [:]
            for product in 1...products {
                free[product] = (1...Int64.random(in: 1...3, using: &generator)).map { ($0, Int64.random(in: 0...50, using: &generator) * 500) }
            }
            let requests = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                let factor = [ExactDecimal(1), ExactDecimal(10), ExactDecimal(units: 5, scale: 10)].randomElement(using: &generator)!
                return StockAllocation.Request(
                    productId: Int64.random(in: 1...products, using: &generator), qtyMilli: Int64.random(in: 1...40, using: &generator) * 1000,
                    factor: factor, stepMilli: [1000, 500].randomElement(using: &generator)!)
            }
            let allocations = StockAllocation.allocate(requests, free: free)
            var used: [Int64: [Int64: Int64]] = [:]
            for (request, allocation) in zip(requests, allocations) {
                #expect(allocation.parts.reduce(0) { $0 + $1.qtyMilli } + allocation.shortMilli == request.qtyMilli)
                for part in allocation.parts {
                    #expect(part.qtyMilli % request.stepMilli == 0)
                    used[request.productId, default: [:]][part.warehouseId, default: 0] += part.baseMilli
                }
            }
            for (product, warehouses) in used {
                for (warehouse, amount) in warehouses {
                    let available = free[product]!.first { $0.warehouseId == warehouse }!.baseMilli
                    #expect(amount <= available)
                }
            }
        }
    }

    @Test("VAT included in a price is extracted with one rounding")
    func vat() {
        #expect(CartPricing.vat(of: 12000, rate: ExactDecimal(20)) == 2000)
        #expect(CartPricing.vat(of: 6818, rate: ExactDecimal(20)) == 1136)
        #expect(CartPricing.vat(of: 10000, rate: ExactDecimal(0)) == 0)
        #expect(CartPricing.vat(of: 11000, rate: ExactDecimal(10)) == 1000)
    }
}
