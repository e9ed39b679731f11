"""Ordering by variant: the buyer opens the demo frame that comes in posts × colours, fills in a
few cells of the grid (screenshot docs/images/variant-grid-desktop.png) and adds them all with
one button; the cart holds exactly those variants."""

import re

from conftest import SCREENSHOTS, Browser, make_driver, t


def test_variant_grid(server, tmp_path):
    buyer = Browser(make_driver(downloads=tmp_path), server, tmp_path)
    try:
        buyer.login("buyer")
        buyer.go("/search?q=WL-FRAME")
        buyer.press(buyer.link("Рамка Werkel Aluminium", buyer.main))
        card = buyer.path
        buyer.see(t("variants.title"))
        grid = buyer.one("main table.variant-grid")
        headings = [cell.text.strip() for cell in buyer.all("thead th", grid)]
        assert headings[1:] == ["1", "2", "3", "4", "5"], headings
        rows = [row.text.split("\n")[0] for row in buyer.all("tbody th", grid)]
        assert sorted(rows) == sorted(["белая", "чёрная", "алюминий", "латунь"]), rows
        # The first row's first two cells and the third row's third cell.
        rows_inputs = buyer.all("tbody tr", grid)
        picks = [(0, 0), (0, 1), (2, 2)]
        for (row, column), qty in zip(picks, ["10", "6", "4"]):
            cell = buyer.all("td", rows_inputs[row])[column]
            cell.find_element("css selector", "input").send_keys(qty)
        section = buyer.one("#variants")
        buyer.driver.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top + window.scrollY - 16)", section)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        buyer.driver.save_screenshot(str(SCREENSHOTS / "variant-grid-desktop.png"))
        buyer.press(buyer.button(t("variants.add_all"), buyer.main))
        assert buyer.path.startswith(card), buyer.status()
        buyer.see(t("variants.added", n="3"))
        buyer.go("/cart")
        text = buyer.text()
        in_cart = re.findall(r"WL-FRAME-\d[A-Z]", text)
        assert len(set(in_cart)) == 3, in_cart
    finally:
        buyer.driver.quit()
