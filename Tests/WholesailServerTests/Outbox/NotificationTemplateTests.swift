import Foundation
import Testing
import WholesailCore
import WholesailResources

@testable import WholesailServer

@Suite struct NotificationTemplateTests {
    static let sample: [String: String] = [
        "to": "a@example.com", "name": "Анна", "company": "ООО «Альфа» & Co", "inn": "7700000000", "number": "A-17", "total": "1 234,50 ₽",
        "link": "https://b2b.example.ru/orders/17", "statusEn": "Shipped", "statusRu": "Отгружен", "reason": "Не наш регион",
        "title": "Счёт № 5", "period": "I квартал 2030", "text": "Когда <b>будет</b> поставка?", "subject": "Поставка",
        "carrier": "СДЭК", "trackingNumber": "1234567890", "trackingUrl": "https://track.example/1234567890", "debt": "50 000,00 ₽",
        "limit": "100 000,00 ₽", "requestId": "4", "request": "2", "comment": "OK", "code": "123456", "staff": "Волкова Марина",
    ]

    @Test("every topic with an e-mail has a subject, a text and an HTML part in English and Russian", arguments: NotificationTopic.catalog.filter { $0.mail != nil })
    func mailTemplates(topic: NotificationTopic) throws {
        let composer = NotificationComposer(renderer: try TemplateRenderer(), baseURL: "https://b2b.example.ru/", siteName: "Оптовик")
        for language in ["en", "ru"] {
            #expect(Assets.string("templates/mail/\(topic.name).\(language).mustache") != nil, "missing mail/\(topic.name).\(language)")
            let mail = try #require(composer.mail(topic: topic.name, language: language, payload: Self.sample, recipientName: "Анна"))
            #expect(!mail.subject.isEmpty && !mail.subject.contains("{{") && !mail.subject.contains("\n"))
            #expect(!mail.text.isEmpty && !mail.text.contains("<p>") && !mail.text.contains("&amp;") && !mail.text.contains("&lt;"))
            #expect(mail.html.contains("<html lang=\"\(language)\">") && mail.html.contains("<p>"))
            #expect(!mail.html.contains("<b>будет</b>"), "payload values are escaped in HTML")
        }
        let english = try #require(composer.mail(topic: topic.name, language: "en", payload: Self.sample))
        let russian = try #require(composer.mail(topic: topic.name, language: "ru", payload: Self.sample))
        #expect(english.text != russian.text, "the two languages differ")
    }

    @Test("every topic with an SMS has a one-line text in both languages", arguments: NotificationTopic.catalog.filter(\.sms))
    func smsTemplates(topic: NotificationTopic) throws {
        let composer = NotificationComposer(renderer: try TemplateRenderer(), baseURL: "https://b2b.example.ru", siteName: "Оптовик")
        for language in ["en", "ru"] {
            #expect(Assets.string("templates/sms/\(topic.name).\(language).mustache") != nil)
            let text = try #require(composer.sms(topic: topic.name, language: language, payload: Self.sample))
            #expect(!text.isEmpty && !text.contains("\n") && text.count <= 160)
        }
    }

    @Test("the order-placed e-mail reads naturally in Russian, with the link in both parts")
    func orderPlacedRussian() throws {
        let composer = NotificationComposer(renderer: try TemplateRenderer(), baseURL: "https://b2b.example.ru", siteName: "Оптовик")
        let mail = try #require(composer.mail(topic: "order.placed", language: "ru", payload: Self.sample, recipientName: "Анна"))
        #expect(mail.subject == "Заказ A-17 оформлен")
        #expect(mail.text.hasPrefix("Здравствуйте, Анна!\n\nСпасибо! Ваш заказ A-17 для ООО «Альфа» & Co оформлен, сумма 1 234,50 ₽."))
        #expect(mail.text.contains("Открыть заказ: https://b2b.example.ru/orders/17"))
        #expect(mail.html.contains(#"<a class="button" href="https://b2b.example.ru/orders/17">Открыть заказ</a>"#))
    }
}

@Suite struct MailMessageTests {
    @Test("long UTF-8 subjects become folded encoded words of at most 75 characters that never split a character")
    func encodedWords() throws {
        let subject = String(repeating: "Заказ №17 отгружен — ", count: 6)
        let header = MailMessage.encodeHeaderText(subject, offset: 9)
        let words = header.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        var decoded = Data()
        for word in words {
            #expect(word.count <= 75 && word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let chunk = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            #expect(String(data: chunk, encoding: .utf8) != nil, "each word is whole characters")
            decoded += chunk
        }
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
        #expect(MailMessage.encodeHeaderText("Order A-17", offset: 9) == "Order A-17")
        #expect(MailMessage.clean("a\r\nBcc: x@y") == "a Bcc: x@y", "no header injection")
    }

    @Test("quoted-printable keeps lines under 77 characters, encodes '=' and trailing spaces, and round-trips")
    func quotedPrintable() {
        let text = String(repeating: "Строка с пробелом в конце ", count: 5) + "\nx = y \n.точка"
        let encoded = MailMessage.quotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") { #expect(line.count <= 76) }
        #expect(encoded.contains("x =3D y=20"))
        // Decode: drop soft breaks, then =XX.
        var bytes: [UInt8] = []
        let soft = Array(encoded.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < soft.count {
            if soft[index] == UInt8(ascii: "="), index + 2 < soft.count, let value = UInt8(String(decoding: soft[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(soft[index])
                index += 1
            }
        }
        #expect(String(decoding: bytes, as: UTF8.self) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("addresses: display names quoted or encoded, bare addresses parsed")
    func addresses() throws {
        #expect(MailMessage.encodeAddress(MailAddress("a@example.com", name: "Shop, Inc.")) == #""Shop, Inc." <a@example.com>"#)
        #expect(MailMessage.encodeAddress(MailAddress("a@example.com")) == "<a@example.com>")
        #expect(MailMessage.encodeAddress(MailAddress("a@example.com", name: "Оптовик")).hasPrefix("=?UTF-8?B?"))
        let parsed = try #require(MailAddress(parsing: "Оптовик <shop@b2b.example.ru>"))
        #expect(parsed.name == "Оптовик" && parsed.address == "shop@b2b.example.ru" && parsed.domain == "b2b.example.ru")
        #expect(MailAddress(parsing: "not an address") == nil)
    }
}

@Suite struct DisplayNameEncodingTests {
    @Test("a long Cyrillic display name is split between its words, never inside one")
    func splitsAtSpaces() throws {
        let encoded = MailMessage.encodeAddress(MailAddress("p@example.ru", name: "Петров Дмитрий Андреевич"))
        let words = encoded.components(separatedBy: "\r\n ").dropLast()
        let decoded = try words.map { word -> String in
            #expect(word.count <= 75)
            return String(decoding: try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))), as: UTF8.self)
        }
        #expect(decoded == ["Петров Дмитрий ", "Андреевич"])
        #expect(encoded.hasSuffix("\r\n <p@example.ru>"))
    }
}
