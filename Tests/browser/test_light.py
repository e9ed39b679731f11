"""Pages stay light and self-contained: the catalog under 100 KB on the wire without pictures, nothing
loaded from another site, and ordering works with JavaScript switched off."""

import re
from urllib.parse import urlsplit

from conftest import money, t

BUDGET = 100 * 1024

RESOURCES = """
const entries = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')];
return entries.map(e => ({url: e.name, type: e.initiatorType || 'navigation', transfer: e.transferSize, body: e.encodedBodySize}));
"""


def test_catalog_is_light_and_loads_nothing_from_elsewhere(browser):
    browser.login("buyer")
    browser.driver.execute_cdp_cmd("Network.enable", {})
    browser.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    browser.go("/catalog")
    browser.driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")  # lazy pictures load too
    entries = browser.driver.execute_script(RESOURCES)
    origin = urlsplit(browser.server.base_url).netloc
    foreign = [e["url"] for e in entries if urlsplit(e["url"]).netloc not in (origin, "")]
    assert not foreign, f"the catalog loads from other sites: {foreign}"

    pictures = ("img", "image")
    counted = [e for e in entries if e["type"] not in pictures and not re.search(r"\.(svg|png|jpe?g|webp|gif|ico)(\?|$)|/files/", e["url"])]
    weight = sum(e["transfer"] or e["body"] for e in counted)
    listing = ", ".join(f"{urlsplit(e['url']).path} {e['transfer'] or e['body']} B" for e in counted)
    assert any(e["type"] == "navigation" for e in counted)
    assert any(e["url"].endswith("wholesail.css") for e in counted), listing
    assert weight < BUDGET, f"the catalog page weighs {weight} bytes without pictures (budget {BUDGET}): {listing}"
    print(f"catalog page: {weight} bytes without pictures ({listing})")

    # Nothing in the page or its stylesheet points at another site (fonts, scripts, frames, CDNs).
    html = browser.driver.page_source
    for url in re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", html):
        assert urlsplit(url).netloc == origin, f"the page links a resource elsewhere: {url}"
    status, _, css = browser.fetch("/static/wholesail.css")
    assert status == 200
    css_text = css.decode("utf-8")
    assert not re.search(r"@import|url\(\s*['\"]?https?:", css_text), "the stylesheet pulls something from elsewhere"
    assert "@font-face" not in css_text or not re.search(r"https?://", css_text)


def test_ordering_works_with_javascript_off(browser_without_js):
    browser = browser_without_js
    # JavaScript really is off in this browser.
    browser.driver.get("data:text/html,<p id=probe>off</p><script>document.getElementById('probe').textContent='on'</script>")
    assert browser.driver.find_element("id", "probe").text == "off"

    browser.login("buyer", 1)
    browser.go("/cart")
    if browser.all("table.cart"):
        browser.press(browser.button(t("cart.clear")))

    # Search from the header form.
    browser.fill(t("nav.search"), "кабель")
    browser.press(browser.button(t("nav.search"), browser.one("header")))
    assert "кабель" in browser.h1()
    card = browser.all("main .card")[1]
    name = card.find_element("css selector", ".name").text

    # Open the card, pick the pack unit and a quantity, add to the cart.
    browser.press(card.find_element("css selector", ".name"))
    assert browser.h1() == name
    pack = browser.all("#add-unit option")[-1].text
    pack_price = money(browser.all(".product .panel td.price")[-1].text)
    browser.choose(t("cart.col_unit"), pack)
    browser.fill(t("cart.col_qty"), "3")
    browser.press(browser.button(t("cart.add"), browser.one("form.add-to-cart")))
    browser.see(t("cart.added"))

    # The cart shows the line in that unit, priced.
    browser.press(browser.link(t("quick.to_cart"), browser.main))
    row = browser.one("table.cart tbody tr")
    assert name in row.text
    assert row.find_element("css selector", "select option:checked").text == pack
    assert money(row.find_elements("css selector", "td.price")[1].text.splitlines()[0]) == \
        money(f"{3 * pack_price:.2f}")


def test_visitor_filters_the_catalog_by_stock_without_javascript(browser_without_js):
    browser = browser_without_js
    browser.go("/catalog")
    total = int(re.search(r"(\d+)", browser.text(".sortbar")).group(1))
    browser.one("input[name=in_stock]").click()
    browser.press(browser.button(t("filter.apply"), browser.one("aside")))
    assert "in_stock=1" in browser.path
    assert browser.one("input[name=in_stock]").is_selected(), "the filter stays ticked"
    shown = int(re.search(r"(\d+)", browser.text(".sortbar")).group(1))
    assert 0 < shown <= total, f"in stock: {shown} of {total}"  # a visitor has no region: stock anywhere counts
    for card in browser.all("main .card"):
        assert card.find_elements("css selector", ".stock.in"), f"an out-of-stock product is listed: {card.text}"
