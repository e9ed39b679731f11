import Foundation

/// What an import did, per entity (`product`, `price`, `stock`, `group`, …): the JSON kept in
/// `importJob.counts` and reported by `GET /api/v1/import/{id}`.
public struct ImportCounts: Sendable, Equatable, Codable {
    public struct Entity: Sendable, Equatable, Codable {
        public var created = 0
        public var updated = 0
        public var unchanged = 0
        /// Deactivated (full uploads, deletion marks): nothing is ever deleted.
        public var deleted = 0
        public var failed = 0

        public init(created: Int = 0, updated: Int = 0, unchanged: Int = 0, deleted: Int = 0, failed: Int = 0) {
            self.created = created
            self.updated = updated
            self.unchanged = unchanged
            self.deleted = deleted
            self.failed = failed
        }

        public var total: Int { created + updated + unchanged + deleted + failed }
        /// Rows written (created, updated or deactivated).
        public var changed: Int { created + updated + deleted }
    }

    public enum Outcome: Sendable {
        case created, updated, unchanged, deleted, failed
    }

    public var entities: [String: Entity]

    public init(entities: [String: Entity] = [:]) {
        self.entities = entities
    }

    public subscript(entity: String) -> Entity {
        get { entities[entity] ?? Entity() }
        set { entities[entity] = newValue }
    }

    public mutating func add(_ entity: String, _ outcome: Outcome, _ count: Int = 1) {
        guard count != 0 else { return }
        var value = entities[entity] ?? Entity()
        switch outcome {
        case .created: value.created += count
        case .updated: value.updated += count
        case .unchanged: value.unchanged += count
        case .deleted: value.deleted += count
        case .failed: value.failed += count
        }
        entities[entity] = value
    }

    /// Rows changed across all entities.
    public var changed: Int { entities.values.reduce(0) { $0 + $1.changed } }
    /// Records seen across all entities.
    public var total: Int { entities.values.reduce(0) { $0 + $1.total } }

    public init(from decoder: any Decoder) throws {
        entities = try decoder.singleValueContainer().decode([String: Entity].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(entities)
    }
}

/// A stable 128-bit hash (two FNV-1a lanes) of a record's fields: the `contentHash` that lets a
/// repeated import skip unchanged rows. Stable across runs and machines, unlike `Hasher`.
public struct StableHasher: Sendable {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x6c62_272e_07bb_0142

    public init() {}

    public mutating func combine(_ text: String?) {
        guard let text else {
            mix(0xFF)
            mix(0x00)
            return
        }
        for byte in text.utf8 { mix(byte) }
        mix(0x1F)
    }

    public mutating func combine(_ values: [String]) {
        combine(String(values.count))
        for value in values { combine(value) }
    }

    public mutating func combine(_ flag: Bool) { mix(flag ? 1 : 2) }

    @inline(__always)
    private mutating func mix(_ byte: UInt8) {
        a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 &+ 0x9E37_79B9
    }

    /// 32 hex digits.
    public func finalize() -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(32)
        for word in [a, b] {
            for shift in stride(from: 60, through: 0, by: -4) { out.append(hex[Int((word >> UInt64(shift)) & 0xF)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Currency names as ERPs write them (`руб`, `RUR`, `грн`, `643`) mapped to ISO 4217 codes.
public enum CurrencyNames {
    public static func isoCode(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ".")).lowercased()
        guard !text.isEmpty else { return nil }
        switch text {
        case "руб", "рубль", "рублей", "rub", "rur", "643", "₽", "р", "российский рубль": return "RUB"
        case "грн", "гривна", "uah", "980", "₴": return "UAH"
        case "usd", "840", "$", "доллар", "долл", "доллар сша": return "USD"
        case "eur", "978", "€", "евро": return "EUR"
        case "kzt", "398", "тенге", "тнг": return "KZT"
        case "byn", "933", "бел. руб", "бел руб", "белорусский рубль": return "BYN"
        case "cny", "156", "юань": return "CNY"
        default:
            let upper = text.uppercased()
            return upper.count == 3 && upper.allSatisfy({ $0.isASCII && $0.isLetter }) ? upper : nil
        }
    }
}
