/// A phone number as people type it: "+7 (495) 123-45-67", "8 800 555 35 35".
public enum PhoneNumber {
    /// Whether `text` can be a phone number: 10 to 15 digits (E.164 allows at most 15) among at
    /// most 40 characters of spaces, brackets, dashes and a plus.
    public static func isPlausible(_ text: String) -> Bool {
        let digits = text.utf8.count { $0 >= 48 && $0 <= 57 }
        return (10...15).contains(digits) && text.count <= 40
    }

    /// The field issue for a number that is not plausible.
    public static let issue = ValidationError.FieldIssue(code: "field.bad_phone", message: "Enter a phone number with 10 to 15 digits.")
}
