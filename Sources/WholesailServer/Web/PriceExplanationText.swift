import Foundation
import WholesailCore

extension Formatter {
    /// "Why this price" reasons as sentences in the page's language: amounts formatted as money,
    /// percentages with the language's decimal separator.
    func reasons(_ reasons: [PriceReason], currency: String, t: Localizer) -> [String] {
        reasons.map { reason in
            var values = reason.values
            if let percent = values["percent"], language == .ru { values["percent"] = percent.replacingOccurrences(of: ".", with: ",") }
            for (name, amount) in reason.amounts { values[name] = money(amount, currency) }
            return t.format(reason.key, values)
        }
    }
}
