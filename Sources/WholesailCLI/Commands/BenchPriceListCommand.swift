import ArgumentParser
import Foundation
import WholesailCore
import WholesailServer
import WholesailStore

extension BenchCommand {
    /// Times the price list a buyer downloads (`/price-list.xlsx`, `/price-list.pdf`): the same
    /// service the route uses, over a seeded database, with the peak memory of the process.
    struct PriceList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "price-list",
            abstract: "Make the whole catalog's price list (XLSX or PDF) over a seeded database and time it.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "xlsx or pdf.") var format = "xlsx"
        @Option(help: "A counterparty id whose prices and region to use (default: the general price list, all warehouses).")
        var counterparty: Int64?
        @Option(help: "Category ids to include, comma-separated (default: the whole catalog).") var categories: String?
        @Option(help: "Repetitions (the best is reported).") var repeats = 1
        @Option(help: "A file to keep the last price list in.") var out: String?
        @Flag(help: "Read an XLSX price list back with the portal's reader and count its rows.") var verify = false

        func run() async throws {
            guard let kind = PriceListFormat(rawValue: format) else { throw ArgumentParser.ValidationError("--format is xlsx or pdf") }
            let db = try WholesailDatabase.open(at: database.resolvedPath)
            let loadStart = ContinuousClock.now
            let pricing = try await PricingService(database: db)
            let load = ContinuousClock.now - loadStart
            let baseline = ProcessMemory.megabytes("VmRSS")
            let day = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            let context = try await db.pricingContext(userId: nil, counterpartyId: counterparty, day: day)
            var company: String?
            if let counterparty { company = try await db.companyNames(ids: [counterparty]).first?.name }
            let ids = (categories ?? "").split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            let localizer = try Localizer.loadAll()[.ru]!
            let service = PriceListService(database: db, pricing: pricing)
            var best = Double.infinity
            var made: PriceListService.Made?
            for _ in 0..<max(1, repeats) {
                if let previous = made { try? FileManager.default.removeItem(at: previous.url) }
                let start = ContinuousClock.now
                made = try await service.make(kind, categoryIds: ids, context: context, company: company, localizer: localizer)
                best = min(best, Self.milliseconds(ContinuousClock.now - start))
            }
            guard let made else { return }
            defer { try? FileManager.default.removeItem(at: made.url) }
            let size = (try FileManager.default.attributesOfItem(atPath: made.url.path)[.size] as? Int) ?? 0
            print("price matrix loaded: \(String(format: "%.0f", Self.milliseconds(load))) ms; resident memory then: \(baseline) MB")
            print(String(format: "%@ price list: %d lines in %.0f ms, %d bytes", kind.rawValue.uppercased(), made.lines, best, size))
            print("peak resident memory of the process: \(ProcessMemory.megabytes("VmHWM")) MB")
            if verify, kind == .xlsx {
                let reader = try XLSXReader(contentsOf: made.url)
                var rows = 0
                try reader.forEachRow(sheet: nil) { _ in rows += 1 }
                print("read back: \(rows) non-empty rows")
            }
            if let out {
                try? FileManager.default.removeItem(atPath: out)
                try FileManager.default.copyItem(at: made.url, to: URL(fileURLWithPath: out))
                print("wrote \(out)")
            }
        }

        static func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
    }
}
