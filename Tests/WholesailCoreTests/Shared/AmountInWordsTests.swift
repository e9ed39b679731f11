import Testing
import WholesailCore

@Suite struct AmountInWordsTests {
    static func rub(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: "RUB") }

    @Test("Russian: roubles agree with the number, kopecks in figures agree too", arguments: [
        (0, "Ноль рублей 00 копеек"),
        (1, "Ноль рублей 01 копейка"),
        (2_00, "Два рубля 00 копеек"),
        (1_00, "Один рубль 00 копеек"),
        (5_00, "Пять рублей 00 копеек"),
        (11_00, "Одиннадцать рублей 00 копеек"),
        (12_02, "Двенадцать рублей 02 копейки"),
        (13_05, "Тринадцать рублей 05 копеек"),
        (14_11, "Четырнадцать рублей 11 копеек"),
        (21_21, "Двадцать один рубль 21 копейка"),
        (22_22, "Двадцать два рубля 22 копейки"),
        (101_00, "Сто один рубль 00 копеек"),
        (111_14, "Сто одиннадцать рублей 14 копеек"),
        (1000_00, "Одна тысяча рублей 00 копеек"),
        (2000_00, "Две тысячи рублей 00 копеек"),
        (5000_00, "Пять тысяч рублей 00 копеек"),
        (11_000_00, "Одиннадцать тысяч рублей 00 копеек"),
        (21_000_00, "Двадцать одна тысяча рублей 00 копеек"),
        (22_000_00, "Двадцать две тысячи рублей 00 копеек"),
        (26_148_00, "Двадцать шесть тысяч сто сорок восемь рублей 00 копеек"),
        (1_000_001_00, "Один миллион один рубль 00 копеек"),
        (2_002_002_00, "Два миллиона две тысячи два рубля 00 копеек"),
        (5_000_000_00, "Пять миллионов рублей 00 копеек"),
        (1_000_000_000_00, "Один миллиард рублей 00 копеек"),
        (912_345_678_90, "Девятьсот двенадцать миллионов триста сорок пять тысяч шестьсот семьдесят восемь рублей 90 копеек"),
        (-150_50, "Минус сто пятьдесят рублей 50 копеек"),
    ] as [(Int64, String)])
    func russianExamples(minor: Int64, expected: String) {
        #expect(AmountInWords.russian(Self.rub(minor)) == expected)
    }

    @Test("English: singular and plural, hyphenated tens", arguments: [
        (0, "Zero roubles 00 kopecks"),
        (1, "Zero roubles 01 kopeck"),
        (1_00, "One rouble 00 kopecks"),
        (2_02, "Two roubles 02 kopecks"),
        (21_21, "Twenty-one roubles 21 kopecks"),
        (101_00, "One hundred one roubles 00 kopecks"),
        (1000_00, "One thousand roubles 00 kopecks"),
        (26_148_05, "Twenty-six thousand one hundred forty-eight roubles 05 kopecks"),
        (1_000_001_00, "One million one roubles 00 kopecks"),
        (-90_00, "Minus ninety roubles 00 kopecks"),
    ] as [(Int64, String)])
    func englishExamples(minor: Int64, expected: String) {
        #expect(AmountInWords.english(Self.rub(minor)) == expected)
    }

    @Test("the noun form follows the last two digits: 1 → one, 2–4 → few, 0 and 5–20 → many")
    func forms() {
        for number in UInt64(0)...10_000 {
            let lastTwo = number % 100
            let last = number % 10
            let expected: AmountInWords.RussianForm =
                (11...14).contains(lastTwo) ? .many : last == 1 ? .one : (2...4).contains(last) ? .few : .many
            #expect(AmountInWords.russianForm(number) == expected, "\(number)")
        }
        for number: UInt64 in [1, 21, 101, 1001, 1_000_001] { #expect(AmountInWords.russianForm(number) == .one) }
        for number: UInt64 in [2, 3, 4, 22, 1002, 1_000_004] { #expect(AmountInWords.russianForm(number) == .few) }
        for number: UInt64 in [0, 5, 11, 12, 13, 14, 111, 1011, 1_000_000] { #expect(AmountInWords.russianForm(number) == .many) }
    }

    /// Reads Russian numeral words back into a number, and checks each numeral's gender against
    /// the noun it counts: one reader that knows nothing of how the words were made.
    static func parseRussian(_ words: [Substring]) -> (value: UInt64, genderOK: Bool)? {
        let units: [Substring: (UInt64, AmountInWords.Gender?)] = [
            "один": (1, .masculine), "одна": (1, .feminine), "одно": (1, .neuter), "два": (2, .masculine), "две": (2, .feminine), "три": (3, nil),
            "четыре": (4, nil), "пять": (5, nil), "шесть": (6, nil), "семь": (7, nil), "восемь": (8, nil), "девять": (9, nil),
            "десять": (10, nil), "одиннадцать": (11, nil), "двенадцать": (12, nil), "тринадцать": (13, nil), "четырнадцать": (14, nil),
            "пятнадцать": (15, nil), "шестнадцать": (16, nil), "семнадцать": (17, nil), "восемнадцать": (18, nil), "девятнадцать": (19, nil),
            "двадцать": (20, nil), "тридцать": (30, nil), "сорок": (40, nil), "пятьдесят": (50, nil), "шестьдесят": (60, nil),
            "семьдесят": (70, nil), "восемьдесят": (80, nil), "девяносто": (90, nil), "сто": (100, nil), "двести": (200, nil),
            "триста": (300, nil), "четыреста": (400, nil), "пятьсот": (500, nil), "шестьсот": (600, nil), "семьсот": (700, nil),
            "восемьсот": (800, nil), "девятьсот": (900, nil),
        ]
        let scales: [(stem: String, value: UInt64, gender: AmountInWords.Gender)] = [
            ("тысяч", 1_000, .feminine), ("миллион", 1_000_000, .masculine), ("миллиард", 1_000_000_000, .masculine),
            ("триллион", 1_000_000_000_000, .masculine), ("квадриллион", 1_000_000_000_000_000, .masculine),
            ("квинтиллион", 1_000_000_000_000_000_000, .masculine),
        ]
        if words == ["ноль"] { return (0, true) }
        var total: UInt64 = 0
        var group: UInt64 = 0
        var pendingGender: AmountInWords.Gender?
        var genderOK = true
        for word in words {
            if let (value, gender) = units[word] {
                group += value
                if gender != nil { pendingGender = gender }
            } else if let scale = scales.first(where: { word.hasPrefix($0.stem) }) {
                if let pending = pendingGender, pending != scale.gender { genderOK = false }
                total += max(group, 1) * scale.value
                group = 0
                pendingGender = nil
            } else {
                return nil
            }
        }
        // What is left counts roubles (masculine).
        if let pending = pendingGender, pending != .masculine { genderOK = false }
        return (total + group, genderOK)
    }

    static func checkRussian(_ roubles: UInt64) {
        let text = AmountInWords.russian(Money(minorUnits: Int64(roubles) * 100, currency: "RUB"))
        var words = text.lowercased().split(separator: " ")
        #expect(words.suffix(2) == ["00", "копеек"], "\(text)")
        words.removeLast(2)
        let noun = words.removeLast()
        let expectedNoun: Substring =
            switch AmountInWords.russianForm(roubles) {
            case .one: "рубль"
            case .few: "рубля"
            case .many: "рублей"
            }
        #expect(noun == expectedNoun, "\(roubles): \(text)")
        let parsed = parseRussian(words)
        #expect(parsed?.value == roubles, "\(roubles): \(text)")
        #expect(parsed?.genderOK == true, "\(roubles): \(text)")
    }

    @Test("every amount from 0 to 30 000 roubles reads back as itself, with the right genders and noun")
    func russianRoundTripDense() {
        for roubles in UInt64(0)...30_000 { Self.checkRussian(roubles) }
    }

    @Test("amounts across every scale up to the largest a minor-unit amount can hold read back as themselves")
    func russianRoundTripSparse() {
        var generator = SeededGenerator(seed: 8)
        var samples: [UInt64] = [999_999, 1_000_000, 1_000_001, 2_000_000, 21_021_021, 1_000_000_000_000, 92_233_720_368_547_758]
        for digits in 4...17 {
            let bound = (0..<digits).reduce(UInt64(1)) { result, _ in result * 10 }
            for _ in 0..<300 { samples.append(UInt64.random(in: 0..<min(bound, 92_233_720_368_547_758), using: &generator)) }
        }
        for roubles in samples { Self.checkRussian(roubles) }
    }

    static func parseEnglish(_ text: String) -> UInt64? {
        let small: [String: UInt64] = [
            "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
            "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
        ]
        let scales: [String: UInt64] = [
            "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1_000_000_000_000,
            "quadrillion": 1_000_000_000_000_000, "quintillion": 1_000_000_000_000_000_000,
        ]
        var total: UInt64 = 0
        var group: UInt64 = 0
        for word in text.split(separator: " ") {
            if word == "hundred" {
                group *= 100
            } else if let scale = scales[String(word)] {
                total += group * scale
                group = 0
            } else {
                let parts = word.split(separator: "-").map(String.init)
                guard parts.count <= 2, let first = small[parts[0]] else { return nil }
                if parts.count == 2 {
                    guard first >= 20, first % 10 == 0, let second = small[parts[1]], (1...9).contains(second) else { return nil }
                    group += first + second
                } else {
                    group += first
                }
            }
        }
        return total + group
    }

    @Test("English amounts read back as themselves; one rouble, other numbers roubles")
    func englishRoundTrip() {
        var generator = SeededGenerator(seed: 80)
        var samples = Array(UInt64(0)...3_000)
        for _ in 0..<2_000 { samples.append(UInt64.random(in: 0..<92_233_720_368_547_758, using: &generator)) }
        for roubles in samples {
            let text = AmountInWords.english(Money(minorUnits: Int64(roubles) * 100 + 7, currency: "RUB"))
            #expect(text.hasSuffix(roubles == 1 ? " rouble 07 kopecks" : " roubles 07 kopecks"), "\(text)")
            let number = text.lowercased().replacingOccurrences(of: roubles == 1 ? " rouble 07 kopecks" : " roubles 07 kopecks", with: "")
            #expect(Self.parseEnglish(number) == roubles, "\(roubles): \(text)")
        }
    }

    @Test("kopecks: every value from 00 to 99 with its own form, in figures or in words")
    func kopecks() {
        for kopecks in Int64(0)...99 {
            let text = AmountInWords.russian(Self.rub(1_00 + kopecks))
            let noun: String =
                switch AmountInWords.russianForm(UInt64(kopecks)) {
                case .one: "копейка"
                case .few: "копейки"
                case .many: "копеек"
                }
            let figures = kopecks < 10 ? "0\(kopecks)" : "\(kopecks)"
            #expect(text == "Один рубль \(figures) \(noun)")
        }
        #expect(AmountInWords.russian(Self.rub(21), minorInWords: true) == "Ноль рублей двадцать одна копейка")
        #expect(AmountInWords.russian(Self.rub(2), minorInWords: true) == "Ноль рублей две копейки")
        #expect(AmountInWords.english(Self.rub(1), minorInWords: true) == "Zero roubles one kopeck")
    }

    @Test("other currencies: their nouns and genders; a currency without minor units; an unknown code")
    func currencies() {
        #expect(AmountInWords.russian(Money(minorUnits: 1_01, currency: "UAH")) == "Одна гривна 01 копейка")
        #expect(AmountInWords.russian(Money(minorUnits: 2_02, currency: "UAH")) == "Две гривны 02 копейки")
        #expect(AmountInWords.russian(Money(minorUnits: 21_00, currency: "USD")) == "Двадцать один доллар США 00 центов")
        #expect(AmountInWords.russian(Money(minorUnits: 2_01, currency: "USD")) == "Два доллара США 01 цент")
        #expect(AmountInWords.russian(Money(minorUnits: 5_00, currency: "EUR")) == "Пять евро 00 евроцентов")
        #expect(AmountInWords.english(Money(minorUnits: 1_00, currency: "USD")) == "One US dollar 00 cents")
        #expect(AmountInWords.russian(Money(minorUnits: 2, currency: "JPY")) == "Две иены")
        #expect(AmountInWords.english(Money(minorUnits: 2, currency: "JPY")) == "Two yen")
        #expect(AmountInWords.russian(Money(minorUnits: 3_50, currency: "XYZ")) == "Три XYZ 50")
    }

    @Test("the largest and smallest amounts do not overflow")
    func extremes() {
        let max = AmountInWords.russian(Self.rub(.max))
        #expect(max.hasPrefix("Девяносто два квадриллиона двести тридцать три триллиона"))
        #expect(max.hasSuffix("семьсот пятьдесят восемь рублей 07 копеек"))
        let min = AmountInWords.english(Self.rub(.min))
        #expect(min.hasPrefix("Minus ninety-two quadrillion"))
        #expect(min.hasSuffix("seven hundred fifty-eight roubles 08 kopecks"))
    }
}
