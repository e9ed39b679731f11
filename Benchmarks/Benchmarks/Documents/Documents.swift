import Benchmark
import Foundation
import WholesailBenchSupport
import WholesailServer

/// Documents the portal makes: the demo invoice PDF (one A4 page, two font subsets) and the
/// price list workbook of `wholesail bench documents`, written and read back.
nonisolated(unsafe) var workbook = Data()

let benchmarks: @Sendable () -> Void = {
    BenchScale.configure()
    let rows = BenchScale.pick(full: 1_000, smoke: 50)

    Suite.addSync("Invoice PDF, one page", setup: { _ = try DemoInvoice.pdf() }) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try DemoInvoice.pdf()) }
    }
    Suite.addSync("XLSX price list write (\(rows) rows)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try DemoPriceList.workbook(rows: rows).data()) }
    }
    Suite.addSync("XLSX price list read back (\(rows) rows)", setup: { workbook = try DemoPriceList.workbook(rows: rows).data() }) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try XLSXReader(data: workbook).rows()) }
    }
}
