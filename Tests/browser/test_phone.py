"""Ordering from a phone (390×844): search, add, change the quantity in the cart, check out.

Every control the buyer taps must lie fully on the screen (no sideways scrolling to reach it) and
be at least 44×44 px; Selenium's click itself fails when something covers the control.
"""

import re

import pytest

from conftest import PHONE, money, t


def assert_reachable(browser, element, what: str) -> None:
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    box = browser.driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]", element)
    left, top, right, bottom = box
    assert left >= 0 and right <= PHONE[0] + 0.5, f"{what} sticks out of the phone screen: x {left:.0f}…{right:.0f}"
    assert right - left >= 44 and bottom - top >= 44, f"{what} is {right - left:.0f}×{bottom - top:.0f} px, under 44×44"


def test_buyer_orders_from_a_phone(browser):
    browser.phone()
    browser.login("buyer", 2)
    browser.go("/cart")
    if browser.all("table.cart"):
        browser.press(browser.button(t("cart.clear")))

    # Search with the header form and add the first result straight from its card.
    browser.fill(t("nav.search"), "лампа")
    search = browser.button(t("nav.search"), browser.one("header"))
    assert_reachable(browser, search, "the search button")
    browser.press(search)
    card = browser.all("main .card")[0]
    name = card.find_element("css selector", ".name").text
    add = card.find_element("css selector", "form.quick-add button")
    assert_reachable(browser, add, "the card's add-to-cart button")
    browser.press(add)
    assert t("cart.added") in browser.status()
    assert "лампа" in browser.h1(), "adding from a card keeps the buyer on the same search results"

    # The cart: the line, its quantity box and the checkout button are on screen and big enough.
    cart_link = browser.link(t("nav.cart"), browser.one("header"))
    assert_reachable(browser, cart_link, "the menu's cart link")
    browser.press(cart_link)
    row = browser.one("table.cart tbody tr")
    assert name in row.text
    qty = row.find_element("css selector", "input[id^=qty_]")
    assert_reachable(browser, qty, "the quantity box")
    assert_reachable(browser, row.find_element("css selector", "select"), "the unit list")
    assert_reachable(browser, row.find_element("css selector", "button.remove"), "the remove button")
    price = money(row.find_elements("css selector", "td.price")[0].text)
    qty.clear()
    qty.send_keys("7")
    update = browser.button(t("cart.update"), browser.main)
    assert_reachable(browser, update, "the update button")
    browser.press(update)
    row = browser.one("table.cart tbody tr")
    assert row.find_element("css selector", "input[id^=qty_]").get_attribute("value") == "7"
    assert money(row.find_elements("css selector", "td.price")[1].text.splitlines()[0]) == pytest.approx(7 * price, abs=0.011)
    width = browser.driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"the cart scrolls sideways: {width}"
    browser.screenshot("cart-one-line")

    # Checkout: pickup, then the big button at the end places the order.
    checkout = browser.link(t("cart.checkout"), browser.main)
    assert_reachable(browser, checkout, "the checkout button")
    browser.press(checkout)
    pickup = browser.field(t("checkout.method_pickup"))
    label = browser.one("label[for=m-pickup]")
    assert_reachable(browser, label, "the pickup choice")
    label.click()
    assert pickup.is_selected()
    place = browser.button(t("checkout.place"), browser.main)
    assert_reachable(browser, place, "the place-order button")
    width = browser.driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"checkout scrolls sideways: {width}"
    browser.press(place)
    browser.see(t("orders.placed"))
    assert re.search(r"\d", browser.h1())
    assert name in browser.text()
    browser.screenshot("order-placed")
