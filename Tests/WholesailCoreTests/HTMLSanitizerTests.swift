import Testing
import WholesailCore

@Suite struct HTMLSanitizerTests {
    @Test("formatting survives, attributes and dangerous markup do not", arguments: [
        ("<p>Кабель <b>медный</b></p>", "<p>Кабель <b>медный</b></p>"),
        (#"<p onclick="alert(1)">x</p>"#, "<p>x</p>"),
        ("<script>alert(1)</script>ok", "ok"),
        (#"<img src=x onerror=alert(1)>"#, ""),
        (#"<a href="javascript:alert(1)">link</a>"#, "link"),
        ("<style>body{display:none}</style>text", "text"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("&laquo;Севкабель&raquo;", "&laquo;Севкабель&raquo;"),
        ("<ul><li>1<li>2</ul>", "<ul><li>1<li>2</ul>"),
        ("<svg><script>x</script></svg>after", "after"),
        ("\"quoted\" 'single'", "&quot;quoted&quot; &#39;single&#39;"),
    ])
    func sanitize(input: String, expected: String) {
        #expect(HTMLSanitizer.sanitize(input) == expected)
    }
}
