/// An amount of money in words, as bills, waybills and acts print it under the figures
/// ("сумма прописью"): `Двадцать шесть тысяч сто сорок восемь рублей 05 копеек`,
/// `Twenty-six thousand one hundred forty-eight roubles 05 kopecks`.
///
/// The whole part is spelled out and agrees with its currency: Russian numerals take the noun's
/// gender (один рубль, одна гривна, одна тысяча) and the noun takes the numeral's case (1 рубль,
/// 2–4 рубля, 5–20 рублей, 21 рубль, 111 рублей). The minor part is written in figures, two digits,
/// with its noun declined the same way (01 копейка, 02 копейки, 11 копеек), as accounting
/// programs print it; `minorInWords` spells it out too. Works on the exact integer amount; a
/// currency the table does not know is named by its code.
public enum AmountInWords {
    public enum Language: String, Sendable, CaseIterable {
        case russian = "ru"
        case english = "en"
    }

    /// The grammatical gender a Russian numeral agrees with.
    public enum Gender: Sendable {
        case masculine, feminine, neuter
    }

    /// Which form a Russian noun takes after a number: `one` (1, 21, 101), `few` (2–4, 22–24),
    /// `many` (0, 5–20, 25–30, 111–114).
    public enum RussianForm: Sendable, Equatable {
        case one, few, many
    }

    /// A currency's nouns: Russian (one, few, many forms and gender) and English (singular, plural).
    public struct Unit: Sendable, Equatable {
        public var russian: (one: String, few: String, many: String)
        public var gender: Gender
        public var english: (singular: String, plural: String)

        public init(russian: (String, String, String), gender: Gender, english: (String, String)) {
            self.russian = russian
            self.gender = gender
            self.english = english
        }

        public static func == (lhs: Unit, rhs: Unit) -> Bool {
            lhs.russian == rhs.russian && lhs.gender == rhs.gender && lhs.english == rhs.english
        }

        func russian(for number: UInt64) -> String {
            switch AmountInWords.russianForm(number) {
            case .one: russian.one
            case .few: russian.few
            case .many: russian.many
            }
        }

        func english(for number: UInt64) -> String { number == 1 ? english.singular : english.plural }
    }

    /// The major and minor units of the currencies the portal prices in.
    public static func units(of currency: String) -> (major: Unit, minor: Unit?) {
        switch currency.uppercased() {
        case "RUB", "RUR":
            (Unit(russian: ("рубль", "рубля", "рублей"), gender: .masculine, english: ("rouble", "roubles")),
             Unit(russian: ("копейка", "копейки", "копеек"), gender: .feminine, english: ("kopeck", "kopecks")))
        case "BYN":
            (Unit(russian: ("белорусский рубль", "белорусских рубля", "белорусских рублей"), gender: .masculine,
                  english: ("Belarusian rouble", "Belarusian roubles")),
             Unit(russian: ("копейка", "копейки", "копеек"), gender: .feminine, english: ("kopeck", "kopecks")))
        case "USD":
            (Unit(russian: ("доллар США", "доллара США", "долларов США"), gender: .masculine, english: ("US dollar", "US dollars")),
             Unit(russian: ("цент", "цента", "центов"), gender: .masculine, english: ("cent", "cents")))
        case "EUR":
            (Unit(russian: ("евро", "евро", "евро"), gender: .masculine, english: ("euro", "euros")),
             Unit(russian: ("евроцент", "евроцента", "евроцентов"), gender: .masculine, english: ("cent", "cents")))
        case "CNY":
            (Unit(russian: ("юань", "юаня", "юаней"), gender: .masculine, english: ("yuan", "yuan")),
             Unit(russian: ("фэнь", "фэня", "фэней"), gender: .masculine, english: ("fen", "fen")))
        case "KZT":
            (Unit(russian: ("тенге", "тенге", "тенге"), gender: .masculine, english: ("tenge", "tenge")),
             Unit(russian: ("тиын", "тиына", "тиынов"), gender: .masculine, english: ("tiyn", "tiyn")))
        case "UAH":
            (Unit(russian: ("гривна", "гривны", "гривен"), gender: .feminine, english: ("hryvnia", "hryvnias")),
             Unit(russian: ("копейка", "копейки", "копеек"), gender: .feminine, english: ("kopiyka", "kopiykas")))
        case "GBP":
            (Unit(russian: ("фунт стерлингов", "фунта стерлингов", "фунтов стерлингов"), gender: .masculine,
                  english: ("pound sterling", "pounds sterling")),
             Unit(russian: ("пенс", "пенса", "пенсов"), gender: .masculine, english: ("penny", "pence")))
        case "JPY":
            (Unit(russian: ("иена", "иены", "иен"), gender: .feminine, english: ("yen", "yen")), nil)
        default:
            (Unit(russian: (currency, currency, currency), gender: .masculine, english: (currency, currency)),
             Unit(russian: ("", "", ""), gender: .masculine, english: ("", "")))
        }
    }

    /// The amount in words in a language, first letter capitalized.
    public static func spell(_ money: Money, language: Language, minorInWords: Bool = false) -> String {
        let scale = UInt64(Money.scale(of: money.currency))
        let magnitude = money.minorUnits.magnitude
        let whole = magnitude / scale
        let fraction = magnitude % scale
        let (major, minor) = units(of: money.currency)
        var parts: [String] = []
        switch language {
        case .russian:
            if money.minorUnits < 0 { parts.append("минус") }
            parts.append(russianNumber(whole, gender: major.gender))
            parts.append(major.russian(for: whole))
        case .english:
            if money.minorUnits < 0 { parts.append("minus") }
            parts.append(englishNumber(whole))
            parts.append(major.english(for: whole))
        }
        if scale > 1 {
            let digits = String(scale - 1).count
            let figures = String(fraction)
            let padded = String(repeating: "0", count: max(0, digits - figures.count)) + figures
            let noun: String
            let number: String
            switch language {
            case .russian:
                noun = minor?.russian(for: fraction) ?? ""
                number = minorInWords ? russianNumber(fraction, gender: minor?.gender ?? .feminine) : padded
            case .english:
                noun = minor?.english(for: fraction) ?? ""
                number = minorInWords ? englishNumber(fraction) : padded
            }
            parts.append(number)
            if !noun.isEmpty { parts.append(noun) }
        }
        return capitalized(parts.filter { !$0.isEmpty }.joined(separator: " "))
    }

    /// Russian for the amount (`Одна тысяча рублей 00 копеек`).
    public static func russian(_ money: Money, minorInWords: Bool = false) -> String {
        spell(money, language: .russian, minorInWords: minorInWords)
    }

    /// English for the amount (`One thousand roubles 00 kopecks`).
    public static func english(_ money: Money, minorInWords: Bool = false) -> String {
        spell(money, language: .english, minorInWords: minorInWords)
    }

    // MARK: - Russian

    /// The form of a noun after `number`: 1 рубль, 2 рубля, 5 рублей; 11–14 always take the
    /// `many` form; only the last two digits matter.
    public static func russianForm(_ number: UInt64) -> RussianForm {
        let lastTwo = number % 100
        if (11...14).contains(lastTwo) { return .many }
        switch number % 10 {
        case 1: return .one
        case 2, 3, 4: return .few
        default: return .many
        }
    }

    private static let russianOnes: [String] = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
    private static let russianTeens: [String] = [
        "десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать",
        "девятнадцать",
    ]
    private static let russianTens: [String] = [
        "", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто",
    ]
    private static let russianHundreds: [String] = [
        "", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот",
    ]
    /// Thousand and up: the nouns of each group of three digits, with their gender.
    private static let russianScales: [(one: String, few: String, many: String, gender: Gender)] = [
        ("тысяча", "тысячи", "тысяч", .feminine),
        ("миллион", "миллиона", "миллионов", .masculine),
        ("миллиард", "миллиарда", "миллиардов", .masculine),
        ("триллион", "триллиона", "триллионов", .masculine),
        ("квадриллион", "квадриллиона", "квадриллионов", .masculine),
        ("квинтиллион", "квинтиллиона", "квинтиллионов", .masculine),
    ]

    /// A cardinal number in Russian words, agreeing with a noun of `gender` (`одна`, `две` for
    /// feminine; `одно` for neuter); zero is `ноль`.
    public static func russianNumber(_ number: UInt64, gender: Gender = .masculine) -> String {
        if number == 0 { return "ноль" }
        var words: [String] = []
        let groups = threeDigitGroups(number)
        for (index, group) in groups.enumerated().reversed() where group > 0 {
            if index == 0 {
                words += russianTriple(group, gender: gender)
            } else {
                let scale = russianScales[index - 1]
                words += russianTriple(group, gender: scale.gender)
                switch russianForm(UInt64(group)) {
                case .one: words.append(scale.one)
                case .few: words.append(scale.few)
                case .many: words.append(scale.many)
                }
            }
        }
        return words.joined(separator: " ")
    }

    private static func russianTriple(_ value: Int, gender: Gender) -> [String] {
        var words: [String] = []
        let hundreds = value / 100
        let rest = value % 100
        if hundreds > 0 { words.append(russianHundreds[hundreds]) }
        if (10...19).contains(rest) {
            words.append(russianTeens[rest - 10])
            return words
        }
        if rest >= 20 { words.append(russianTens[rest / 10]) }
        let ones = rest % 10
        switch (ones, gender) {
        case (0, _): break
        case (1, .feminine): words.append("одна")
        case (1, .neuter): words.append("одно")
        case (2, .feminine): words.append("две")
        default: words.append(russianOnes[ones])
        }
        return words
    }

    // MARK: - English

    private static let englishOnes: [String] = [
        "", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
        "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ]
    private static let englishTens: [String] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    private static let englishScales = ["thousand", "million", "billion", "trillion", "quadrillion", "quintillion"]

    /// A cardinal number in English words (short scale, hyphenated tens: `twenty-one`); zero is `zero`.
    public static func englishNumber(_ number: UInt64) -> String {
        if number == 0 { return "zero" }
        var words: [String] = []
        let groups = threeDigitGroups(number)
        for (index, group) in groups.enumerated().reversed() where group > 0 {
            words += englishTriple(group)
            if index > 0 { words.append(englishScales[index - 1]) }
        }
        return words.joined(separator: " ")
    }

    private static func englishTriple(_ value: Int) -> [String] {
        var words: [String] = []
        let hundreds = value / 100
        let rest = value % 100
        if hundreds > 0 { words += [englishOnes[hundreds], "hundred"] }
        if rest >= 20 {
            words.append(rest % 10 == 0 ? englishTens[rest / 10] : englishTens[rest / 10] + "-" + englishOnes[rest % 10])
        } else if rest > 0 {
            words.append(englishOnes[rest])
        }
        return words
    }

    // MARK: -

    /// Groups of three digits, least significant first: 1 234 567 → [567, 234, 1].
    private static func threeDigitGroups(_ number: UInt64) -> [Int] {
        var groups: [Int] = []
        var rest = number
        while rest > 0 {
            groups.append(Int(rest % 1000))
            rest /= 1000
        }
        return groups
    }

    private static func capitalized(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }
}
