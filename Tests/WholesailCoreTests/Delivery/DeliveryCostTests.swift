import Foundation
import Testing

@testable import WholesailCore

@Suite struct DeliveryCostTests {
    static let tariffs = [
        DeliveryTariff(id: 1, regionId: nil, name: "Anywhere, small", maxWeightGrams: 5_000, priceMinor: 50_000, days: 7),
        DeliveryTariff(id: 2, regionId: nil, name: "Anywhere, big", priceMinor: 90_000, perKgMinor: 2_000, baseWeightGrams: 5_000, days: 9),
        DeliveryTariff(id: 3, regionId: 1, name: "Moscow, small", maxWeightGrams: 5_000, maxVolumeMl: 50_000, priceMinor: 30_000, days: 1),
        DeliveryTariff(
            id: 4, regionId: 1, name: "Moscow, up to 100 kg", maxWeightGrams: 100_000, priceMinor: 60_000, freeFromMinor: 5_000_000, days: 2),
    ]

    static func parcel(region: Int64?, grams: Int64, ml: Int64 = 0, value: Int64 = 0) -> DeliveryParcel {
        DeliveryParcel(regionId: region, weightGrams: grams, volumeMl: ml, valueMinor: value)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var region: Int64?
        var grams: Int64
        var ml: Int64 = 0
        var value: Int64 = 0
        var price: Int64
        var name: String
        var testDescription: String { "\(region.map(String.init) ?? "any") \(grams) g \(ml) ml \(value)" }
    }

    static let cases: [Case] = [
        Case(region: 1, grams: 3_000, price: 30_000, name: "Moscow, small"),
        Case(region: 1, grams: 3_000, ml: 60_000, price: 60_000, name: "Moscow, up to 100 kg"),  // too big for the small bracket
        Case(region: 1, grams: 20_000, price: 60_000, name: "Moscow, up to 100 kg"),
        Case(region: 1, grams: 20_000, value: 5_000_000, price: 0, name: "Moscow, up to 100 kg"),  // free from 50 000,00
        Case(region: 1, grams: 150_000, price: 90_000 + 145 * 2_000, name: "Anywhere, big"),  // no Moscow row fits: every region's
        Case(region: 2, grams: 3_000, price: 50_000, name: "Anywhere, small"),
        Case(region: nil, grams: 5_001, price: 90_000 + 2_000, name: "Anywhere, big"),  // one started kilogram above 5 kg
    ]

    @Test("the region's own rows win; among those that fit, the cheapest", arguments: cases)
    func table(_ example: Case) throws {
        let parcel = Self.parcel(region: example.region, grams: example.grams, ml: example.ml, value: example.value)
        let quote = try #require(TariffTable.quote(parcel, tariffs: Self.tariffs))
        #expect(quote.priceMinor == example.price)
        #expect(quote.name == example.name)
        #expect(quote.source == .tariff)
    }

    @Test("nothing fits: no quote; another currency's rows do not price a parcel")
    func noFit() {
        let small = [DeliveryTariff(id: 1, regionId: nil, maxWeightGrams: 1_000, priceMinor: 100)]
        #expect(TariffTable.quote(Self.parcel(region: 1, grams: 1_001), tariffs: small) == nil)
        #expect(TariffTable.quote(Self.parcel(region: 1, grams: 1), tariffs: []) == nil)
        let dollars = [DeliveryTariff(id: 1, regionId: nil, priceMinor: 100, currency: "USD")]
        #expect(TariffTable.quote(Self.parcel(region: 1, grams: 1), tariffs: dollars) == nil)
    }

    @Test("a tariff row refuses impossible values")
    func validation() {
        #expect(throws: ValidationError.self) { try DeliveryTariff(regionId: nil, maxWeightGrams: 0, priceMinor: 1).validate() }
        #expect(throws: ValidationError.self) { try DeliveryTariff(regionId: nil, priceMinor: -1).validate() }
        #expect(throws: ValidationError.self) { try DeliveryTariff(regionId: nil, priceMinor: 1, days: 400).validate() }
        #expect(throws: Never.self) { try DeliveryTariff(regionId: 1, maxWeightGrams: 1, priceMinor: 0, days: 0).validate() }
    }

    @Test("values out of a carrier's JSON by path; prices in roubles or kopecks, numbers or strings")
    func answers() throws {
        let answer = try JSONSerialization.jsonObject(
            with: Data(#"{"data":{"price":"1 350,50","days":3,"n":350.5,"k":35050},"result":[{"cost":99.9}],"ok":true}"#.utf8))
        #expect(JSONPath.text(JSONPath.value(in: answer, path: "data.days")) == "3")
        #expect(JSONPath.text(JSONPath.value(in: answer, path: "result[0].cost")) == "99.9")
        #expect(JSONPath.text(JSONPath.value(in: answer, path: "result.0.cost")) == "99.9")
        #expect(JSONPath.value(in: answer, path: "result[1].cost") == nil)
        #expect(JSONPath.value(in: answer, path: "data.price.x") == nil)
        #expect(JSONPath.amountMinor(JSONPath.value(in: answer, path: "data.n"), currency: "RUB", minorUnits: false) == 35_050)
        #expect(JSONPath.amountMinor(JSONPath.value(in: answer, path: "data.k"), currency: "RUB", minorUnits: true) == 35_050)
        #expect(JSONPath.amountMinor(JSONPath.value(in: answer, path: "result[0].cost"), currency: "RUB", minorUnits: false) == 9_990)
        #expect(JSONPath.amountMinor("350,5", currency: "RUB", minorUnits: false) == 35_050)
        #expect(JSONPath.amountMinor(JSONPath.value(in: answer, path: "data.price"), currency: "RUB", minorUnits: false) == 135_050)
        #expect(JSONPath.amountMinor("abc", currency: "RUB", minorUnits: false) == nil)
        #expect(JSONPath.text(JSONPath.value(in: answer, path: "ok")) == "true")
    }

    @Test("carrier settings: round trip through stored rows; a broken URL or path is refused")
    func carrierSettings() throws {
        var settings = CarrierSettings()
        settings.enabled = true
        settings.name = "СДЭК"
        settings.quoteURL = "https://api.example/calc?to={city}&w={weight_kg}&key={secret}"
        settings.pricePath = "total_sum"
        settings.secret = "k"
        settings.timeoutSeconds = 7
        let stored = Dictionary(settings.rows.filter { !$0.1.isEmpty }, uniquingKeysWith: { $1 })
        #expect(CarrierSettings(rows: stored) == settings)
        #expect(settings.canQuote && !settings.canTrack)
        var bad = settings
        bad.quoteURL = "ftp://x"
        #expect(throws: ValidationError.self) { try bad.validate() }
        bad = settings
        bad.pricePath = ""
        #expect(throws: ValidationError.self) { try bad.validate() }
        bad = settings
        bad.timeoutSeconds = 0
        #expect(throws: ValidationError.self) { try bad.validate() }
    }
}
