import AsyncHTTPClient
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// The chat with the personal manager (docs/workstation.md): company B ("Бета") is served by
/// manager@; buyer-b@ and admin-b@ are its buyers; company A is nobody's in particular; manager2@
/// serves nothing; director@ is an executive.
@Suite struct ChatTests {
    static func messages(_ database: WholesailDatabase) async throws -> [(company: Int64, staff: Bool, body: String)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT counterpartyId, fromStaff, body FROM chatMessage ORDER BY id").map {
                ($0["counterpartyId"], $0["fromStaff"], $0["body"])
            }
        }
    }

    @Test("a buyer and the company's manager write to each other: escaped text, unread counts in the header and the list, reading marks read")
    func bothWays() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let manager = try await Workstation.id(database, "manager@example.com")
        let buyerB = try await Workstation.id(database, "buyer-b@example.com")
        let adminB = try await Workstation.id(database, "admin-b@example.com")
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-b@example.com", password: Workstation.password)
            let empty = try await buyer.get(client, "/chat?lang=en")
            #expect(empty.status == .ok)
            #expect(empty.text.contains("No messages yet"))
            #expect(empty.text.contains(#"data-chat-events="/chat/events""#) && empty.text.contains(#"src="/static/chat.js""#))
            // The personal-manager widget leads to the chat.
            #expect(empty.text.contains(#"<a class="button" href="/chat">"#))

            let sent = try await buyer.post(client, "/chat", ["body": "  Нужен счёт на <b>кабель</b>  "])
            #expect(sent.status == .seeOther)
            #expect(sent.headers[.location] == "/chat#chat-body")
            let page = try await buyer.get(client, "/chat")
            #expect(page.text.contains("Нужен счёт на &lt;b&gt;кабель&lt;/b&gt;"))
            #expect(!page.text.contains("<b>кабель"))

            // The manager sees one unread message in the header and in the list.
            var (staff, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            let home = try await staff.get(client, "/account?lang=en")
            #expect(home.text.contains(#"href="/staff/chats" class="chat-nav">Chat <span class="badge" title="Unread messages">1</span>"#))
            let list = try await staff.get(client, "/staff/chats")
            #expect(list.status == .ok)
            #expect(list.text.contains(#"<a href="/staff/chats/2">ООО «Бета»</a>"#))
            #expect(list.text.contains(#"<span class="badge">1</span>"#))
            // Opening the conversation marks it read: the header shows no count any more.
            let conversation = try await staff.get(client, "/staff/chats/2")
            #expect(conversation.status == .ok)
            #expect(conversation.text.contains("Нужен счёт на &lt;b&gt;кабель&lt;/b&gt;"))
            #expect(conversation.text.contains(#"data-chat-poll="/staff/chats/2/messages""#))
            #expect(!conversation.text.contains(#"class="chat-nav">Chat <span"#) && !conversation.text.contains(#"class="chat-nav">Чат <span"#))
            #expect(try await database.chatUnreadForStaff(userId: manager) == 0)

            // The answer: the buyer sees it as unread, anywhere in the portal.
            #expect(try await staff.post(client, "/staff/chats/2", ["body": "Счёт готов"]).status == .seeOther)
            let account = try await buyer.get(client, "/account?lang=en")
            #expect(account.text.contains(#"href="/chat" class="chat-nav">Chat <span class="badge" title="Unread messages">1</span>"#))
            #expect(try await database.chatUnreadForBuyer(counterpartyId: 2, userId: buyerB) == 1)
            #expect(try await database.chatUnreadForBuyer(counterpartyId: 2, userId: adminB) == 1, "each buyer reads for themself")

            // The JSON endpoint (the script's fallback) gives the newer messages and marks them read.
            let first = try #require(try await database.chatMessages(counterpartyId: 2).first)
            let poll = try await buyer.get(client, "/chat/messages?after=\(first.id)")
            #expect(poll.status == .ok)
            #expect(poll.headers[.contentType]?.hasPrefix("application/json") == true)
            let items = try #require(try poll.json()["messages"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items.first?["body"] as? String == "Счёт готов")
            #expect(items.first?["staff"] as? Bool == true)
            #expect(items.first?["mine"] as? Bool == false)
            #expect(try await database.chatUnreadForBuyer(counterpartyId: 2, userId: buyerB) == 0)
            #expect(try await database.chatUnreadForBuyer(counterpartyId: 2, userId: adminB) == 1)
        }
        let stored = try await Self.messages(database)
        #expect(stored.map(\.body) == ["Нужен счёт на <b>кабель</b>", "Счёт готов"], "kept as typed (trimmed), escaped only when shown")
        #expect(stored.map(\.staff) == [false, true])
        #expect(stored.allSatisfy { $0.company == 2 })
    }

    @Test("an empty or too long message is refused with the reason in the page's language, the text kept, nothing stored")
    func refusedMessages() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-b@example.com", password: Workstation.password)
            _ = try await buyer.get(client, "/chat?lang=en")
            let blank = try await buyer.post(client, "/chat", ["body": " \n "])
            #expect(blank.status == .unprocessableContent)
            #expect(blank.text.contains("Write a message first: it is empty."))
            let long = String(repeating: "я", count: WholesailDatabase.chatMessageLimit + 1)
            let tooLong = try await buyer.post(client, "/chat", ["body": long])
            #expect(tooLong.status == .unprocessableContent)
            #expect(tooLong.text.contains("The message is too long: at most 4000 characters."))
            #expect(tooLong.text.contains(long), "the text is kept to shorten it")
            _ = try await buyer.get(client, "/chat?lang=ru")
            let russian = try await buyer.post(client, "/chat", ["body": ""])
            #expect(russian.text.contains("Сообщение пустое: напишите текст."))
            var (staff, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            _ = try await staff.get(client, "/staff/chats/2?lang=en")
            #expect(try await staff.post(client, "/staff/chats/2", ["body": long]).status == .unprocessableContent)
            // Exactly at the limit is fine.
            #expect(try await buyer.post(client, "/chat", ["body": String(long.dropLast())]).status == .seeOther)
        }
        #expect(try await Self.messages(database).count == 1)
    }

    @Test("the side that is away gets one e-mail per conversation until it reads it, not one per message; nobody is e-mailed while online")
    func offlineMail() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let buyerB = try await Workstation.id(database, "buyer-b@example.com")
        let adminB = try await Workstation.id(database, "admin-b@example.com")
        try await app.test(.router) { client in
            // The manager writes first; no buyer of company B has been around: each gets an e-mail.
            var (staff, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            _ = try await staff.get(client, "/staff/chats/2")
            #expect(try await staff.post(client, "/staff/chats/2", ["body": "Добрый день! Ваш заказ собран."]).status == .seeOther)
            #expect(try await staff.post(client, "/staff/chats/2", ["body": "Когда удобно забрать?"]).status == .seeOther)
            let toBuyers = try await Workstation.outbox(database, "chat.message")
            #expect(toBuyers.count == 2, "one e-mail per buyer, not one per message")
            #expect(Set(toBuyers.compactMap { $0["userId"] }) == [String(buyerB), String(adminB)])
            #expect(toBuyers.first?["link"] == "/chat")
            #expect(toBuyers.first?["text"] == "Добрый день! Ваш заказ собран.")
            #expect(toBuyers.first?["company"] == "ООО «Бета»")

            // The buyer answers twice while the manager is online (just active): no e-mail to staff.
            var (buyer, _) = try await Accounts.signIn(client, "buyer-b@example.com", password: Workstation.password)
            _ = try await buyer.get(client, "/chat")
            #expect(try await buyer.post(client, "/chat", ["body": "Завтра"]).status == .seeOther)
            #expect(try await Workstation.outbox(database, "chat.message_for_staff").isEmpty)
        }
        // Later, without anyone of the staff online, the staff get one e-mail for two messages.
        var minutes = 0.0
        func later() -> Date {
            minutes += 1
            return Date().addingTimeInterval(minutes * 60)
        }
        for text in ["Завтра в 10", "Или в 11"] {
            _ = try await database.postChatMessage(counterpartyId: 2, authorUserId: buyerB, fromStaff: false, body: text, online: [], now: later())
        }
        let toStaff = try await Workstation.outbox(database, "chat.message_for_staff")
        #expect(toStaff.count == 1)
        #expect(toStaff.first?["counterpartyId"] == "2")
        #expect(toStaff.first?["link"] == "/staff/chats/2")
        #expect(toStaff.first?["text"] == "Завтра в 10")
        // The buyers read the conversation above, so a new message from the staff starts a new
        // quiet period — e-mailed to the buyer who wrote in the chat.
        let manager = try await Workstation.id(database, "manager@example.com")
        _ = try await database.postChatMessage(counterpartyId: 2, authorUserId: manager, fromStaff: true, body: "Ждём", online: [], now: later())
        let again = try await Workstation.outbox(database, "chat.message")
        #expect(again.count == 3)
        #expect(again.last?["userId"] == String(buyerB))
        // The manager answered ("Ждём") after the staff's e-mail, so that quiet period is over too:
        // one more e-mail for the next two messages from the buyer.
        for text in ["Спасибо", "До завтра"] {
            _ = try await database.postChatMessage(counterpartyId: 2, authorUserId: buyerB, fromStaff: false, body: text, online: [], now: later())
        }
        #expect(try await Workstation.outbox(database, "chat.message_for_staff").count == 2)
    }

    @Test("the event stream delivers a message posted after it opened")
    func serverSentEvents() async throws {
        let (app, _) = try await TestApp.make(seed: Workstation.seed)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            var (buyer, _) = try await Accounts.signIn(client, "buyer-b@example.com", password: Workstation.password)
            _ = try await buyer.get(client, "/chat")
            var (staff, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            _ = try await staff.get(client, "/staff/chats/2")

            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/chat/events")
            request.headers.add(name: "Cookie", value: buyer.cookieHeader[.cookie] ?? "")
            request.headers.add(name: "Accept", value: "text/event-stream")
            // The deadline bounds the whole exchange, the body included: a missing event fails the
            // test after 20 seconds instead of hanging it.
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
            var chunks = response.body.makeAsyncIterator()
            var received = ""
            while !received.contains("retry:") {
                guard let chunk = try await chunks.next() else { break }
                received += String(buffer: chunk)
            }
            #expect(received.contains("retry: 3000"))

            #expect(try await staff.post(client, "/staff/chats/2", ["body": "Товар пришёл <сегодня>"]).status == .seeOther)
            while !(received.contains("event: message") && received.hasSuffix("\n\n")) {
                guard let chunk = try await chunks.next() else { break }
                received += String(buffer: chunk)
            }
            let event = try #require(received.components(separatedBy: "\n\n").first { $0.contains("event: message") })
            let data = try #require(event.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst("data: ".count))
            let message = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
            #expect(message["body"] as? String == "Товар пришёл <сегодня>")
            #expect(message["staff"] as? Bool == true)
            #expect(message["mine"] as? Bool == false)
            #expect(event.contains("id: \(message["id"] as? Int ?? -1)"))
        }
    }

    @Test("with a Bitrix24 Open Lines link set, the widget and the header lead there and the built-in chat says so")
    func bitrixLink() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let link = "https://example.bitrix24.ru/online/sales"
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-b@example.com", password: Workstation.password)
            _ = try await buyer.get(client, "/chat")
            #expect(try await buyer.post(client, "/chat", ["body": "Вопрос до Битрикса"]).status == .seeOther)

            var (root, _) = try await Accounts.signIn(client, "root@example.com", password: Workstation.password)
            let settings = try await root.get(client, "/admin/settings?lang=en")
            #expect(settings.text.contains(#"action="/admin/settings/chat""#))
            let bad = try await root.post(client, "/admin/settings/chat", ["openLinesUrl": "javascript:alert(1)"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("starting with https://"))
            #expect(try await root.post(client, "/admin/settings/chat", ["openLinesUrl": link]).status == .seeOther)
            #expect(try await root.get(client, "/admin/settings").text.contains(#"value="\#(link)""#))
            // A plain buyer may not change it.
            #expect(try await buyer.post(client, "/admin/settings/chat", ["openLinesUrl": ""]).status == .forbidden)

            let page = try await buyer.get(client, "/account?lang=en")
            #expect(page.text.contains(#"<a href="\#(link)" class="chat-nav" target="_blank" rel="noopener">"#))
            #expect(page.text.contains(#"<a class="button" href="\#(link)" target="_blank" rel="noopener">"#))
            let chat = try await buyer.get(client, "/chat")
            #expect(chat.status == .ok)
            #expect(chat.text.contains("runs in Bitrix24 Open Lines"))
            #expect(chat.text.contains("Вопрос до Битрикса"), "the history stays readable")
            #expect(!chat.text.contains(#"action="/chat""#) && !chat.text.contains("data-chat-events"))
            #expect(try await buyer.post(client, "/chat", ["body": "Ещё вопрос"]).status == .conflict)
            #expect(try await buyer.get(client, "/chat/events").status == .conflict)
            #expect(try await buyer.get(client, "/chat/messages").status == .conflict)

            // Cleared: the built-in chat is back.
            #expect(try await root.post(client, "/admin/settings/chat", ["openLinesUrl": ""]).status == .seeOther)
            #expect(try await buyer.post(client, "/chat", ["body": "Ещё вопрос"]).status == .seeOther)
        }
        #expect(try await Self.messages(database).count == 2)
        let audited = try await Workstation.audit(database, "settings.chat")
        #expect(audited.count == 2)
        #expect(audited.first?.details?.contains("bitrix24") == true)
    }

    @Test("each buyer sees only their company's conversation; a manager only served companies' (404 otherwise); executives every company")
    func access() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let buyerB = try await Workstation.id(database, "buyer-b@example.com")
        _ = try await database.postChatMessage(counterpartyId: 2, authorUserId: buyerB, fromStaff: false, body: "Секрет компании Б", online: [])
        try await app.test(.router) { client in
            var (buyerA, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: Workstation.password)
            let own = try await buyerA.get(client, "/chat")
            #expect(own.status == .ok)
            #expect(!own.text.contains("Секрет компании Б"))
            let polled = try await buyerA.get(client, "/chat/messages?after=0")
            #expect((try polled.json()["messages"] as? [Any])?.isEmpty == true)
            #expect(try await buyerA.get(client, "/staff/chats").status == .forbidden)
            #expect(try await buyerA.get(client, "/staff/chats/2").status == .notFound)

            var (other, _) = try await Accounts.signIn(client, "manager2@example.com", password: Workstation.password)
            #expect(try await other.get(client, "/staff/chats/2").status == .notFound)
            #expect(try await other.get(client, "/staff/chats/2/messages").status == .notFound)
            #expect(try await other.get(client, "/staff/chats/2/events").status == .notFound)
            _ = try await other.get(client, "/staff/chats")
            #expect(try await other.post(client, "/staff/chats/2", ["body": "Чужой"]).status == .notFound)
            #expect(!(try await other.get(client, "/staff/chats")).text.contains("ООО «Бета»"))

            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            #expect(try await manager.get(client, "/staff/chats/1").status == .notFound)
            #expect(!(try await manager.get(client, "/staff/chats")).text.contains("ООО «Альфа»"))

            var (director, _) = try await Accounts.signIn(client, "director@example.com", password: Workstation.password)
            let all = try await director.get(client, "/staff/chats")
            #expect(all.text.contains("ООО «Бета»"))
            let seen = try await director.get(client, "/staff/chats/2")
            #expect(seen.status == .ok)
            #expect(seen.text.contains("Секрет компании Б"))

            let anonymous = try await client.execute(uri: "/chat", method: .get)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location]?.hasPrefix("/login") == true)
        }
        #expect(try await Self.messages(database).count == 1)
    }
}
