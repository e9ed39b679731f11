import Foundation

/// The words of the active products' search texts as FTS5 cut and folded them, each with the
/// positions of the products that contain it. A search of plain words (every word must occur,
/// the last one as a prefix) is answered from here without walking FTS5's rowids; phrases,
/// exclusions and words outside the folded alphabets still go to FTS5.
///
/// Read from FTS5's own vocabulary (`fts5vocab`, instance rows in term order), so the words are
/// exactly the ones FTS5 indexed: case folded, Latin diacritics removed.
struct CatalogTerms: Sendable {
    /// The terms' UTF-8 bytes back to back, in byte order: term `t` is
    /// `bytes[termStart[t]..<termStart[t + 1]]`.
    let bytes: [UInt8]
    let termStart: [UInt32]
    /// Positions (ascending) of the products containing term `t`:
    /// `postings[postingStart[t]..<postingStart[t + 1]]`.
    let postingStart: [UInt32]
    let postings: [UInt32]
    let productCount: Int

    var termCount: Int { termStart.count - 1 }

    /// Whether a query word (already through `SearchText`) needs no folding FTS5 would do: ASCII
    /// letters and digits and the Cyrillic lower-case letters (`ё` is folded to `е` by
    /// `SearchText`). Other words are matched by FTS5.
    static func isPlain(_ word: String) -> Bool {
        !word.isEmpty
            && word.unicodeScalars.allSatisfy { scalar in
                switch scalar.value {
                case 0x30...0x39, 0x61...0x7A, 0x430...0x44F: true
                default: false
                }
            }
    }

    /// The positions of the products containing every word, the last one as a prefix when
    /// `lastIsPrefix`; ascending.
    func positions(matching words: [String], lastIsPrefix: Bool) -> [UInt32] {
        var lists: [[UInt32]] = []
        for (index, word) in words.enumerated() {
            let isPrefix = lastIsPrefix && index == words.count - 1
            let range = terms(Array(word.utf8), prefix: isPrefix)
            if range.isEmpty { return [] }
            lists.append(union(range))
        }
        lists.sort { $0.count < $1.count }
        var result = lists[0]
        for list in lists.dropFirst() {
            if result.isEmpty { break }
            result = CatalogIndex.intersect(result, list)
        }
        return result
    }

    /// The terms equal to `word`, or starting with it when `prefix`: one contiguous range.
    func terms(_ word: [UInt8], prefix: Bool) -> Range<Int> {
        bytes.withUnsafeBufferPointer { all in
            word.withUnsafeBufferPointer { key in
                // -1, 0, 1 for term < key, term starts with key (or equals it), term > key.
                func compare(_ term: Int) -> Int {
                    let start = Int(termStart[term])
                    let length = Int(termStart[term + 1]) - start
                    let common = min(length, key.count)
                    let order = common == 0 ? 0 : memcmp(all.baseAddress! + start, key.baseAddress!, common)
                    if order != 0 { return order < 0 ? -1 : 1 }
                    return length < key.count ? -1 : 0
                }
                var low = 0
                var high = termCount
                while low < high {
                    let middle = (low + high) >> 1
                    if compare(middle) < 0 { low = middle + 1 } else { high = middle }
                }
                let first = low
                if !prefix {
                    let isEqual = first < termCount && compare(first) == 0 && Int(termStart[first + 1] - termStart[first]) == key.count
                    return isEqual ? first..<(first + 1) : first..<first
                }
                high = termCount
                while low < high {
                    let middle = (low + high) >> 1
                    if compare(middle) == 0 { low = middle + 1 } else { high = middle }
                }
                return first..<low
            }
        }
    }

    /// The positions of the products containing any of the terms, ascending.
    private func union(_ range: Range<Int>) -> [UInt32] {
        let start = Int(postingStart[range.lowerBound])
        let end = Int(postingStart[range.upperBound])
        if range.count == 1 { return Array(postings[start..<end]) }
        var set = PositionSet(count: productCount)
        for index in start..<end { set.insert(postings[index]) }
        return set.elements(upTo: productCount)
    }
}

/// Collects FTS5's instance rows (term by term, documents ascending) into `CatalogTerms`.
struct CatalogTermsBuilder {
    private var bytes: [UInt8] = []
    private var termStart: [UInt32] = [0]
    private var postingStart: [UInt32] = [0]
    private var postings: [UInt32] = []
    /// False once a row broke the expected order: the terms are then not used (FTS5 answers).
    private(set) var isOrdered = true

    /// One occurrence of a term in the product at `position`. Rows must come grouped by term
    /// in byte order, positions ascending within a term.
    mutating func add(term: UnsafeBufferPointer<UInt8>, position: UInt32) {
        let lastStart = Int(termStart[termStart.count - 1])
        let previousStart = termStart.count > 1 ? Int(termStart[termStart.count - 2]) : 0
        let isSameTerm =
            termStart.count > 1 && lastStart - previousStart == term.count
            && bytes.withUnsafeBufferPointer { all in
                term.isEmpty || memcmp(all.baseAddress! + previousStart, term.baseAddress!, term.count) == 0
            }
        if isSameTerm {
            guard let last = postings.last, position >= last else {
                isOrdered = false
                return
            }
            if last == position { return }  // the same word twice in one product
            postings.append(position)
            postingStart[postingStart.count - 1] = UInt32(postings.count)
            return
        }
        if termStart.count > 1 {
            let ascending = bytes.withUnsafeBufferPointer { all in
                UnsafeBufferPointer(rebasing: all[previousStart..<lastStart]).lexicographicallyPrecedes(term)
            }
            if !ascending { isOrdered = false }
        }
        bytes.append(contentsOf: term)
        termStart.append(UInt32(bytes.count))
        postings.append(position)
        postingStart.append(UInt32(postings.count))
    }

    func build(productCount: Int) -> CatalogTerms? {
        guard isOrdered else { return nil }
        return CatalogTerms(bytes: bytes, termStart: termStart, postingStart: postingStart, postings: postings, productCount: productCount)
    }
}
