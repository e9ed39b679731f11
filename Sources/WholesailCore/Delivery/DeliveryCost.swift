import Foundation

/// What is being delivered, for a price: where to, how heavy and big, and what the goods cost.
public struct DeliveryParcel: Sendable, Equatable {
    public var regionId: Int64?
    public var regionName: String
    /// The delivery address as text (a carrier's API may want the city).
    public var address: String
    public var weightGrams: Int64
    public var volumeMl: Int64
    /// The goods' value in minor units (for free delivery from an amount, and a carrier's insurance).
    public var valueMinor: Int64
    public var currency: String
    /// Lines without a known weight (the quote is then a lower bound).
    public var linesWithoutWeight: Int

    public init(
        regionId: Int64?, regionName: String = "", address: String = "", weightGrams: Int64, volumeMl: Int64 = 0, valueMinor: Int64 = 0,
        currency: String = "RUB", linesWithoutWeight: Int = 0
    ) {
        self.regionId = regionId
        self.regionName = regionName
        self.address = address
        self.weightGrams = weightGrams
        self.volumeMl = volumeMl
        self.valueMinor = valueMinor
        self.currency = currency
        self.linesWithoutWeight = linesWithoutWeight
    }
}

/// A price for delivering a parcel.
public struct DeliveryQuote: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// The built-in tariff table.
        case tariff
        /// The delivery company's API.
        case carrier
    }

    public var priceMinor: Int64
    public var currency: String
    /// Days on the way, when known.
    public var days: Int?
    public var source: Source
    /// Which tariff row or service answered.
    public var name: String
    /// Why the table answered although a carrier is configured (its error), if so.
    public var fallbackReason: String?

    public init(priceMinor: Int64, currency: String, days: Int? = nil, source: Source, name: String = "", fallbackReason: String? = nil) {
        self.priceMinor = priceMinor
        self.currency = currency
        self.days = days
        self.source = source
        self.name = name
        self.fallbackReason = fallbackReason
    }
}

/// One row of the built-in tariff table: a price for parcels up to a weight and volume, in a
/// region (or anywhere), plus an amount per started kilogram above `baseWeightGrams`, free from
/// a value of goods.
public struct DeliveryTariff: Sendable, Equatable, Identifiable {
    public var id: Int64
    /// nil: every region (a specific region's rows win over these).
    public var regionId: Int64?
    public var name: String
    /// The heaviest parcel this row prices; nil: no limit.
    public var maxWeightGrams: Int64?
    /// The biggest parcel this row prices; nil: no limit.
    public var maxVolumeMl: Int64?
    public var priceMinor: Int64
    /// Added for every started kilogram above `baseWeightGrams`.
    public var perKgMinor: Int64
    public var baseWeightGrams: Int64
    /// Delivery is free when the goods cost at least this (minor units); nil: never.
    public var freeFromMinor: Int64?
    public var days: Int?
    public var currency: String

    public init(
        id: Int64 = 0, regionId: Int64?, name: String = "", maxWeightGrams: Int64? = nil, maxVolumeMl: Int64? = nil, priceMinor: Int64,
        perKgMinor: Int64 = 0, baseWeightGrams: Int64 = 0, freeFromMinor: Int64? = nil, days: Int? = nil, currency: String = "RUB"
    ) {
        self.id = id
        self.regionId = regionId
        self.name = name
        self.maxWeightGrams = maxWeightGrams
        self.maxVolumeMl = maxVolumeMl
        self.priceMinor = priceMinor
        self.perKgMinor = perKgMinor
        self.baseWeightGrams = baseWeightGrams
        self.freeFromMinor = freeFromMinor
        self.days = days
        self.currency = currency
    }

    public func fits(_ parcel: DeliveryParcel) -> Bool {
        (regionId == nil || regionId == parcel.regionId) && parcel.weightGrams <= (maxWeightGrams ?? .max)
            && parcel.volumeMl <= (maxVolumeMl ?? .max) && currency == parcel.currency
    }

    /// The price of `parcel` by this row (which must fit it).
    public func price(_ parcel: DeliveryParcel) -> Int64 {
        if let freeFromMinor, parcel.valueMinor >= freeFromMinor { return 0 }
        let extra = max(0, parcel.weightGrams - baseWeightGrams)
        let startedKilograms = (extra + 999) / 1000
        return priceMinor + perKgMinor * startedKilograms
    }

    /// Field problems of a row the admin entered.
    public func validate() throws {
        var fields: [String: ValidationError.FieldIssue] = [:]
        if name.count > 200 { fields["name"] = .init(code: "field.too_long", message: "This is too long.") }
        if let maxWeightGrams, maxWeightGrams <= 0 || maxWeightGrams > 100_000_000 {
            fields["maxWeight"] = .init(code: "delivery.bad_weight", message: "Enter a weight in kilograms above zero.")
        }
        if let maxVolumeMl, maxVolumeMl <= 0 || maxVolumeMl > 1_000_000_000 {
            fields["maxVolume"] = .init(code: "delivery.bad_volume", message: "Enter a volume in litres above zero.")
        }
        if priceMinor < 0 || priceMinor > 100_000_000_000 { fields["price"] = .init(code: "delivery.bad_price", message: "Enter a price of zero or more.") }
        if perKgMinor < 0 || perKgMinor > 100_000_000_000 { fields["perKg"] = .init(code: "delivery.bad_price", message: "Enter a price of zero or more.") }
        if baseWeightGrams < 0 { fields["baseWeight"] = .init(code: "delivery.bad_weight", message: "Enter a weight in kilograms above zero.") }
        if let freeFromMinor, freeFromMinor <= 0 { fields["freeFrom"] = .init(code: "delivery.bad_price", message: "Enter a price of zero or more.") }
        if let days, !(0...365).contains(days) { fields["days"] = .init(code: "delivery.bad_days", message: "Enter days from 0 to 365.") }
        if !fields.isEmpty { throw ValidationError(fields: fields) }
    }
}

/// The built-in tariff table: the rows of the parcel's region if any fits it, else the rows for
/// every region; among those that fit, the cheapest (the smallest bracket that takes the parcel
/// is normally the cheapest one).
public enum TariffTable {
    public static func quote(_ parcel: DeliveryParcel, tariffs: [DeliveryTariff]) -> DeliveryQuote? {
        let fitting = tariffs.filter { $0.fits(parcel) }
        let regional = fitting.filter { $0.regionId != nil }
        let candidates = regional.isEmpty ? fitting : regional
        guard let best = candidates.min(by: { ($0.price(parcel), $0.id) < ($1.price(parcel), $1.id) }) else { return nil }
        return DeliveryQuote(priceMinor: best.price(parcel), currency: best.currency, days: best.days, source: .tariff, name: best.name)
    }
}

/// Reads values out of a delivery company's JSON answer by a dotted path: `price`,
/// `data.total_price`, `result.0.cost` or `result[0].cost`.
public enum JSONPath {
    public static func value(in object: Any, path: String) -> Any? {
        var current: Any? = object
        let components = path.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
            .split(separator: ".").map(String.init)
        for component in components {
            if let dictionary = current as? [String: Any] {
                current = dictionary[component]
            } else if let array = current as? [Any], let index = Int(component), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }

    /// A value as text: strings as they are, numbers without a trailing ".0".
    public static func text(_ value: Any?) -> String? {
        guard let value else { return nil }
        if type(of: value) == Bool.self, let flag = value as? Bool { return flag ? "true" : "false" }
        // JSONSerialization's booleans are NSNumbers of type "c" (char).
        if let number = value as? NSNumber, String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
        switch value {
        case let text as String: return text
        case let number as Int: return String(number)
        case let number as Int64: return String(number)
        case let number as Double:
            if number == number.rounded() && abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        case let number as NSNumber: return number.description
        default: return nil
        }
    }

    /// A money amount out of an answer: a number or a decimal string (a comma is taken as the
    /// decimal point, spaces between thousands are dropped), in major units (`rub`: 350.50) or minor units (`kop`: 35050).
    public static func amountMinor(_ value: Any?, currency: String, minorUnits: Bool) -> Int64? {
        guard let text = text(value)?.filter({ !$0.isWhitespace }).replacingOccurrences(of: ",", with: "."), !text.isEmpty,
            let decimal = ExactDecimal(parsing: text)
        else { return nil }
        if minorUnits { return decimal.scaled(to: 1, rounding: true) }
        return decimal.scaled(to: Money.scale(of: currency), rounding: true)
    }
}
