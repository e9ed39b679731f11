import Testing
import WholesailCore

@Suite struct ContentSnifferTests {
    @Test("types come from the bytes, not the name")
    func magic() {
        #expect(ContentSniffer.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]) == .png)
        #expect(ContentSniffer.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ContentSniffer.sniff(Array("%PDF-1.7\n".utf8)) == .pdf)
        #expect(ContentSniffer.sniff(Array("<svg xmlns='http://www.w3.org/2000/svg'/>".utf8)) == .svg)
        #expect(ContentSniffer.sniff(Array("<?xml version=\"1.0\"?><КоммерческаяИнформация/>".utf8)) == .xml)
        #expect(ContentSniffer.sniff(Array("PK\u{03}\u{04}....[Content_Types].xml xl/workbook.xml".utf8)) == .xlsx)
        #expect(ContentSniffer.sniff(Array("sku;qty\nA-1;2\n".utf8)) == .text)
        #expect(ContentSniffer.sniff([0x00, 0x01, 0x02]) == .binary)
        #expect(ContentSniffer.sniff([UInt8]()) == .text)
    }
}
