import Benchmark
import Foundation
import WholesailBenchSupport
import WholesailCore
import WholesailStore

/// CommerceML over a package from `CommerceMLGenerator` (seed 7; 10 properties per product, 5
/// price types, 3 warehouses): the XML reader alone over import.xml held in memory, a full
/// import into a fresh database, and an offers-only update (every price and stock changed) of
/// the imported catalog. Iterations report records per second as a metric of their own.
nonisolated(unsafe) var importXML = Data()
nonisolated(unsafe) var scratch: ScratchFolder!
nonisolated(unsafe) var updated: WholesailDatabase!
nonisolated(unsafe) var offerUploads: [[ImportUpload]] = []

let benchmarks: @Sendable () -> Void = {
    BenchScale.configure()
    let products = BenchScale.pick(full: 20_000, smoke: 200)
    let generator = CommerceMLGenerator(seed: 7, products: products, propertiesPerProduct: 10, priceTypes: 5, warehouses: 3)
    let heavy = Benchmark.Configuration(
        metrics: Benchmark.defaultConfiguration.metrics + [BenchScale.recordsPerSecond],
        warmupIterations: 0, maxDuration: BenchScale.smoke ? .milliseconds(300) : .seconds(20), maxIterations: BenchScale.pick(full: 5, smoke: 1))

    func writePackage() throws {
        scratch = try ScratchFolder("bench-exchange")
        try ImportRun.write(scratch.file("import.xml")) { try generator.writeImport(to: $0) }
        try ImportRun.write(scratch.file("offers.xml")) { try generator.writeOffers(to: $0) }
        for variant in [UInt64(1), 2] {
            var next = generator
            next.priceVariant = variant
            try ImportRun.write(scratch.file("offers-\(variant).xml")) { try next.writeOffers(to: $0) }
        }
    }

    Suite.addSync(
        "CommerceML parse, import.xml in memory (\(products) products)",
        configuration: .init(metrics: Benchmark.defaultConfiguration.metrics + [BenchScale.recordsPerSecond]),
        setup: {
            var data = Data()
            try generator.writeImport { data.append($0) }
            importXML = data
        }
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let start = ContinuousClock.now
            let reader = CommerceMLReader(data: importXML)
            var records = 0
            while try reader.next() != nil { records += 1 }
            let elapsed = ContinuousClock.now - start
            benchmark.measurement(BenchScale.recordsPerSecond, Int(Double(records) / max(elapsed.seconds, 1e-9)))
        }
    }

    Suite.addSync(
        "CommerceML full import into an empty database (\(products) products)", configuration: heavy,
        setup: writePackage, teardown: { scratch.remove() }
    ) { benchmark in
        let database = try WholesailDatabase.open(at: scratch.file("import-\(UUID().uuidString).sqlite"))
        let uploads = try ImportRun.store([("import.xml", scratch.file("import.xml")), ("offers.xml", scratch.file("offers.xml"))], into: database)
        benchmark.startMeasurement()
        let result = try ImportRun.apply(uploads, to: database)
        benchmark.stopMeasurement()
        benchmark.measurement(BenchScale.recordsPerSecond, Int(Double(result.records) / result.seconds))
    }

    Suite.addSync(
        "CommerceML offers-only update, every price and stock changed (\(products) products)", configuration: heavy,
        setup: {
            try writePackage()
            updated = try WholesailDatabase.open(at: scratch.file("updated.sqlite"))
            _ = try ImportRun.apply(
                try ImportRun.store([("import.xml", scratch.file("import.xml")), ("offers.xml", scratch.file("offers.xml"))], into: updated), to: updated)
            offerUploads = try [1, 2].map { try ImportRun.store([("offers.xml", scratch.file("offers-\($0).xml"))], into: updated) }
        },
        teardown: { scratch.remove() }
    ) { benchmark in
        let uploads = offerUploads[benchmark.currentIteration % 2]
        benchmark.startMeasurement()
        let result = try ImportRun.apply(uploads, to: updated)
        benchmark.stopMeasurement()
        benchmark.measurement(BenchScale.recordsPerSecond, Int(Double(result.records) / result.seconds))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
