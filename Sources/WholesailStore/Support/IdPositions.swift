/// Where each id sits in an ascending list of ids: a direct table when the ids are compact
/// (what SQLite's rowids usually are), a binary search otherwise. Millions of lookups per
/// catalog load, where a dictionary's hashing cost more than the rest of the loop.
struct IdPositions: Sendable {
    private let ids: [Int64]
    private let slots: [UInt32]

    init(sortedIds ids: [Int64]) {
        self.ids = ids
        if let maxId = ids.last, let minId = ids.first, minId >= 0, maxId < Int64(max(4 * ids.count, 1 << 16)) {
            var slots = [UInt32](repeating: 0, count: Int(maxId) + 1)
            for (position, id) in ids.enumerated() { slots[Int(id)] = UInt32(position) + 1 }
            self.slots = slots
        } else {
            slots = []
        }
    }

    @inline(__always) func position(of id: Int64) -> Int? {
        if !slots.isEmpty {
            guard id >= 0, id < Int64(slots.count) else { return nil }
            let slot = slots[Int(id)]
            return slot == 0 ? nil : Int(slot) - 1
        }
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) >> 1
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == id ? low : nil
    }
}
