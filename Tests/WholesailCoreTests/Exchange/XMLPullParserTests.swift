import Foundation
import Testing
import WholesailCore

@Suite struct XMLPullParserTests {
    static let sample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- exported by 1C -->
        <cml:Корень xmlns:cml="urn:1C.ru:commerceml_2" Ид="a&amp;b" Пусто=''>
          <Товар Статус="Удален">Стол &lt;обеденный&gt; &quot;Дуб&quot; &apos;№1&apos; &#1046;&#x416;</Товар>
          <?php echo 1; ?>
          <Описание><![CDATA[<b>жирный</b> & прочее]]></Описание>
          <Пустой/>
        </cml:Корень>
        """

    @Test("events: elements, attributes, entities, CDATA; comments and PIs skipped")
    func basicEvents() throws {
        // Given / When
        let events = try XMLPullParser.events(Self.sample)
        // Then
        #expect(
            describe(events) == [
                "<cml:Корень xmlns:cml=urn:1C.ru:commerceml_2 Ид=a&b Пусто=>",
                "<Товар Статус=Удален>", "\"Стол <обеденный> \"Дуб\" '№1' ЖЖ\"", "</Товар>",
                "<Описание>", "\"<b>жирный</b> & прочее\"", "</Описание>",
                "<Пустой>", "</Пустой>",
                "</cml:Корень>",
            ])
    }

    @Test("local names drop the prefix and share ids with nameID(_:)")
    func localNames() throws {
        let parser = XMLPullParser(data: Data(Self.sample.utf8))
        let rootID = parser.nameID("Корень")
        guard case .startElement(let root, _)? = try parser.next() else {
            Issue.record("no start")
            return
        }
        #expect(root.qualified == "cml:Корень")
        #expect(root.local == "Корень")
        #expect(root.localID == rootID)
        #expect(root.id != rootID)
    }

    @Test("chunk boundaries anywhere give the same events", arguments: [1, 2, 3, 7, 64])
    func chunking(chunkSize: Int) throws {
        let whole = try XMLPullParser.events(Self.sample)
        let chunked = try XMLPullParser.events(Self.sample, chunkSize: chunkSize)
        #expect(describe(chunked) == describe(whole))
    }

    @Test("whitespace-only text is dropped; line breaks are normalised to \\n")
    func whitespaceAndLineBreaks() throws {
        let events = try XMLPullParser.events("<a>\r\n  <b>x\r\ny\rz</b>\r\n</a>")
        #expect(describe(events) == ["<a>", "<b>", "\"x\ny\nz\"", "</b>", "</a>"])
    }

    @Test("line numbers follow the input")
    func lineNumbers() throws {
        let parser = XMLPullParser(data: Data("<a>\n<b/>\n\n<c>\n</c></a>".utf8))
        var lines: [String: Int] = [:]
        while let event = try parser.next() {
            if case .startElement(let name, _) = event { lines[name.qualified] = parser.line }
        }
        #expect(lines == ["a": 1, "b": 2, "c": 4])
    }

    @Test("skipElement consumes a subtree")
    func skipping() throws {
        let parser = XMLPullParser(data: Data("<a><skip><x>1</x><y/></skip><keep>2</keep></a>".utf8))
        _ = try parser.next()  // <a>
        _ = try parser.next()  // <skip>
        try parser.skipElement()
        #expect(describe([try #require(try parser.next())]) == ["<keep>"])
        #expect(parser.depth == 2)
    }

    @Test("a UTF-8 BOM is skipped; windows-1251 is decoded")
    func encodings() throws {
        let bom = Data([0xEF, 0xBB, 0xBF]) + Data("<a>Привет</a>".utf8)
        #expect(describe(try XMLPullParser.events(bom)) == ["<a>", "\"Привет\"", "</a>"])

        var cp1251 = Data("<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n<a b=\"".utf8)
        cp1251.append(contentsOf: [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2])  // Привет
        cp1251.append(contentsOf: Array("\">".utf8) + [0xB8, 0xA8, 0xB9, 0x20, 0x96, 0x20, 0x88] + Array("</a>".utf8))  // ёЁ№ – €
        for chunkSize in [3, 1 << 20] {
            let parser = XMLPullParser(input: .data(cp1251, chunkSize: chunkSize))
            var events: [XMLEvent] = []
            while let event = try parser.next() { events.append(event) }
            #expect(parser.encoding == .windows1251)
            #expect(describe(events) == ["<a b=Привет>", "\"ёЁ№ – €\"", "</a>"])
        }
    }

    @Test("the windows-1251 table agrees with Foundation for every byte")
    func windows1251Table() throws {
        for byte in 0x80...0xFF where byte != 0x98 {
            var data = Data("<?xml version=\"1.0\" encoding=\"cp1251\"?><a>".utf8)
            data.append(UInt8(byte))
            data.append(contentsOf: Array("</a>".utf8))
            let expected = String(data: Data([UInt8(byte)]), encoding: .windowsCP1251)
            let events = try XMLPullParser.events(data)
            #expect(describe(events)[1] == "\"\(expected ?? "?")\"", "byte \(String(byte, radix: 16))")
        }
    }

    // MARK: Malicious and malformed input

    struct BadInput: CustomTestStringConvertible, Sendable {
        var name: String
        var xml: Data
        var code: String
        var line: Int
        var limits = XMLLimits()
        var testDescription: String { name }

        init(_ name: String, _ xml: String, _ code: String, line: Int, limits: XMLLimits = XMLLimits()) {
            self.init(name, Data(xml.utf8), code, line: line, limits: limits)
        }

        init(_ name: String, _ xml: Data, _ code: String, line: Int, limits: XMLLimits = XMLLimits()) {
            self.name = name
            self.xml = xml
            self.code = code
            self.line = line
            self.limits = limits
        }
    }

    static let badInputs: [BadInput] = [
        BadInput(
            "billion laughs (internal entities)",
            """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
              <!ENTITY lol "lol">
              <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
            ]>
            <lolz>&lol3;</lolz>
            """, "xml.doctype_forbidden", line: 2),
        BadInput(
            "external entity (XXE)",
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
            <КоммерческаяИнформация>&xxe;</КоммерческаяИнформация>
            """, "xml.doctype_forbidden", line: 2),
        BadInput("DOCTYPE without a subset", "<!DOCTYPE html>\n<a/>", "xml.doctype_forbidden", line: 1),
        BadInput("a stray ENTITY declaration", "<a>\n<!ENTITY x \"y\">\n</a>", "xml.doctype_forbidden", line: 2),
        BadInput("mismatched tags", "<a>\n  <b>text</c>\n</a>", "xml.mismatched_tag", line: 2),
        BadInput("an end tag that closes nothing", "<a/>\n</a>", "xml.malformed", line: 2),
        BadInput("truncated file", "<a>\n<b>\n<c>text", "xml.truncated", line: 3),
        BadInput("truncated inside a tag", "<a>\n<b attr=\"x", "xml.truncated", line: 2),
        BadInput("empty file", "", "xml.truncated", line: 1),
        BadInput(
            "invalid UTF-8", Data("<a>\nok\n".utf8) + Data([0xD0, 0x28]) + Data("</a>".utf8), "xml.invalid_utf8",
            line: 3),
        BadInput(
            "invalid UTF-8 in a name", Data("<a>\n<".utf8) + Data([0xFF]) + Data("/></a>".utf8), "xml.invalid_utf8",
            line: 2),
        BadInput(
            "unknown encoding", "<?xml version=\"1.0\" encoding=\"KOI8-R\"?>\n<a/>", "xml.unsupported_encoding", line: 1
        ),
        BadInput("UTF-16", Data([0xFF, 0xFE, 0x3C, 0x00, 0x61, 0x00]), "xml.unsupported_encoding", line: 1),
        BadInput("unknown entity", "<a>\n&foo;</a>", "xml.unknown_entity", line: 2),
        BadInput("bare ampersand", "<a>fish & chips</a>", "xml.malformed", line: 1),
        BadInput("bad character reference", "<a>&#0;</a>", "xml.invalid_character_reference", line: 1),
        BadInput("surrogate character reference", "<a>&#xD800;</a>", "xml.invalid_character_reference", line: 1),
        BadInput("duplicate attribute", "<a x=\"1\" x=\"2\"/>", "xml.duplicate_attribute", line: 1),
        BadInput("unquoted attribute", "<a x=1/>", "xml.malformed", line: 1),
        BadInput("text after the root", "<a/>\ntail", "xml.malformed", line: 2),
        BadInput("two roots", "<a/>\n<b/>", "xml.malformed", line: 2),
        BadInput("not XML at all", "Артикул;Цена\nA-1;10", "xml.malformed", line: 1),
        BadInput(
            "too deep", String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300), "xml.too_deep",
            line: 1),
        BadInput(
            "too deep (configured)", "<a>\n<a>\n<a>\n<a></a></a></a></a>", "xml.too_deep", line: 4,
            limits: XMLLimits(maxDepth: 3)),
        BadInput(
            "oversized text node", "<a>\n<b>" + String(repeating: "x", count: 100) + "</b></a>", "xml.text_too_large",
            line: 2, limits: XMLLimits(maxTextLength: 64)),
        BadInput(
            "oversized attribute value", "<a b=\"" + String(repeating: "x", count: 100) + "\"/>", "xml.text_too_large",
            line: 1, limits: XMLLimits(maxTextLength: 64)),
        BadInput(
            "oversized comment", "<a><!--" + String(repeating: "x", count: 200) + "--></a>", "xml.text_too_large",
            line: 1, limits: XMLLimits(maxTextLength: 64)),
        BadInput(
            "too long a name", "<" + String(repeating: "n", count: 50) + "/>", "xml.name_too_long", line: 1,
            limits: XMLLimits(maxNameLength: 20)),
        BadInput(
            "too many attributes", "<a " + (1...10).map { "a\($0)=\"\"" }.joined(separator: " ") + "/>",
            "xml.too_many_attributes", line: 1, limits: XMLLimits(maxAttributeCount: 5)),
        BadInput(
            "too many names", "<r>" + (1...20).map { "<n\($0)/>" }.joined() + "</r>", "xml.too_many_names", line: 1,
            limits: XMLLimits(maxDistinctNames: 10)),
    ]

    @Test("malicious and malformed input is refused with a code and a line", arguments: badInputs)
    func refused(_ input: BadInput) throws {
        for chunkSize in [1 << 20, 5] {
            let error = try #require(XMLPullParser.error(input.xml, chunkSize: chunkSize, limits: input.limits))
            #expect(error.code == input.code, "\(input.name): \(error.message)")
            #expect(error.line == input.line, "\(input.name): \(error.message)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test("DOCTYPE is refused before anything it declares is read")
    func doctypeFirst() throws {
        // The entity reference comes after the DOCTYPE; it must never be reached.
        let parser = XMLPullParser(
            data: Data("<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>".utf8))
        #expect(throws: ExchangeError.self) { _ = try parser.next() }
        #expect(parser.depth == 0)
    }

    @Test("a tag padded with megabytes of whitespace does not grow the buffer without bound")
    func oversizedTag() throws {
        let xml = "<a" + String(repeating: " ", count: 200_000) + "/>"
        let error = try #require(XMLPullParser.error(xml, chunkSize: 4096, limits: XMLLimits(maxTextLength: 1024)))
        #expect(error.code == "xml.text_too_large")
        #expect(error.line == 1)
    }

    @Test("the text limit is enforced without buffering past it")
    func textLimitStreaming() throws {
        // A 10 MB text node against a 1 MB limit, fed in 64 KB chunks.
        var sent = 0
        let chunk = Data(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        var first = true
        let input = ExchangeInput {
            if first {
                first = false
                return Data("<a>".utf8)
            }
            guard sent < 10 << 20 else { return nil }
            sent += chunk.count
            return chunk
        }
        let parser = XMLPullParser(input: input, limits: XMLLimits(maxTextLength: 1 << 20))
        _ = try parser.next()
        let error = #expect(throws: ExchangeError.self) { _ = try parser.next() }
        #expect(error?.code == "xml.text_too_large")
        #expect(sent <= (1 << 20) + 2 * chunk.count)
    }
}
