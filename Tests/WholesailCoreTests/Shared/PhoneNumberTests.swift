import Testing
import WholesailCore

@Suite struct PhoneNumberTests {
    @Test("numbers as people type them pass; too few or too many digits, or too long a text, fail", arguments: [
        ("+7 (495) 123-45-67", true), ("8 800 555 35 35", true), ("84951234567", true), ("+44 20 7946 0958", true),
        ("123-45-67", false), ("", false), ("+7 (495) 123-45-67 доб. 12345", false), ("1234567890123456", false),
        ("+7 495 123 45 67" + String(repeating: " ", count: 30), false), ("٤٩٥١٢٣٤٥٦٧٨", false),
    ])
    func plausible(_ text: String, _ expected: Bool) {
        #expect(PhoneNumber.isPlausible(text) == expected)
    }
}
