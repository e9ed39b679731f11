"""Browser tests: the portal as a person uses it, in headless Chromium driven by Selenium.

One `wholesail serve --demo` runs for the whole session on a port the OS picks, over a
temporary database. Each test gets a fresh browser (its own cookies). A failing test leaves a
screenshot and the page's HTML in the artifacts folder and prints where.

Environment:
  WHOLESAIL_BIN        the binary to test (default .build/release/wholesail, else .build/debug/wholesail)
  WHOLESAIL_ARTIFACTS  where failures are saved (default Tests/browser/artifacts/)
  WHOLESAIL_SCREENSHOTS where page screenshots are saved (default docs/images/)
  CHROMIUM, CHROMEDRIVER  the browser and its driver (default /usr/bin/chromium, /usr/bin/chromedriver)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("WHOLESAIL_ARTIFACTS") or REPO / "Tests/browser/artifacts")
SCREENSHOTS = Path(os.environ.get("WHOLESAIL_SCREENSHOTS") or REPO / "docs/images")
DESKTOP = (1366, 768)
PHONE = (390, 844)

with open(REPO / "Resources/i18n/en.json", encoding="utf-8") as _file:
    _EN = json.load(_file)


def t(key: str, **values: str) -> str:
    """The English text a person sees for a translation key, with {placeholders} filled."""
    text = _EN[key]
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def money(text: str) -> float:
    """The number in a price as shown ("1 234,50 ₽", "₽1,234.50", "12.30") as a float."""
    digits = re.sub(r"[^\d,.\-−]", "", text.replace("\u00a0", " ")).replace("−", "-")
    if "," in digits and "." in digits:
        digits = digits.replace(",", "") if digits.rfind(".") > digits.rfind(",") else digits.replace(".", "").replace(",", ".")
    elif "," in digits:
        head, _, tail = digits.rpartition(",")
        digits = head.replace(",", "") + "." + tail if len(tail) == 2 else digits.replace(",", "")
    if not re.search(r"\d", digits):
        raise AssertionError(f"no amount in {text!r}")
    return float(digits)


# --- the server ---------------------------------------------------------------------------


@dataclass
class Server:
    base_url: str
    logins: dict[str, list[tuple[str, str]]]
    process: subprocess.Popen
    folder: Path
    log_paths: list[Path] = field(default_factory=list)

    def login(self, role: str, index: int = 0) -> tuple[str, str]:
        return self.logins[role][index]


def _binary() -> Path:
    configured = os.environ.get("WHOLESAIL_BIN")
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else REPO / path
    for candidate in (".build/release/wholesail", ".build/debug/wholesail"):
        if (REPO / candidate).exists():
            return REPO / candidate
    raise pytest.UsageError("no wholesail binary: build it (swift build) or set WHOLESAIL_BIN")


def start_server() -> Server:
    binary = _binary()
    if not binary.exists():
        raise pytest.UsageError(f"WHOLESAIL_BIN {binary} does not exist")
    folder = Path(tempfile.mkdtemp(prefix="wholesail-browser-"))
    out, err = folder / "out.log", folder / "err.log"
    process = subprocess.Popen(
        [str(binary), "serve", "--demo", "--db", str(folder / "demo.sqlite"), "--port", "0"],
        cwd=folder, stdout=out.open("w"), stderr=err.open("w"), stdin=subprocess.DEVNULL,
        env={**os.environ, "WHOLESAIL_LOG_LEVEL": os.environ.get("WHOLESAIL_LOG_LEVEL", "warning")},
    )
    deadline = time.monotonic() + 180
    base_url = None
    while time.monotonic() < deadline:
        match = re.search(r"^listening on (http://\S+)", out.read_text(encoding="utf-8"), re.M)
        if match:
            base_url = match.group(1)
            break
        if process.poll() is not None:
            raise RuntimeError(f"wholesail exited with {process.returncode}:\n{out.read_text()}\n{err.read_text()}")
        time.sleep(0.2)
    if base_url is None:
        process.kill()
        raise RuntimeError(f"wholesail did not start listening in time:\n{out.read_text()}\n{err.read_text()}")
    logins: dict[str, list[tuple[str, str]]] = {}
    for role, email, password in re.findall(r"^demo login: (\S+) (\S+) (\S+)$", out.read_text(encoding="utf-8"), re.M):
        logins.setdefault(role, []).append((email, password))
    return Server(base_url, logins, process, folder, [out, err])


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def server(request):
    started = start_server()
    request.config._wholesail_server = started
    yield started
    stop_server(started)
    if getattr(request.config, "_wholesail_failed", False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for path in started.log_paths:
            shutil.copy(path, ARTIFACTS / f"server-{path.name}")
    shutil.rmtree(started.folder, ignore_errors=True)


# --- the browser --------------------------------------------------------------------------


def make_driver(javascript: bool = True, downloads: Path | None = None) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--hide-scrollbars", "--disable-extensions",
        "--no-first-run", "--disable-background-networking", "--disable-sync", "--disable-features=Translate",
    ):
        options.add_argument(argument)
    prefs = {"intl.accept_languages": "en-US,en"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    if downloads is not None:
        prefs.update({
            "download.default_directory": str(downloads), "download.prompt_for_download": False,
            "plugins.always_open_pdf_externally": True,
        })
    options.add_experimental_option("prefs", prefs)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    if downloads is not None:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


class Browser:
    """A person at the browser: opens pages, reads what is on screen, fills forms, presses buttons."""

    def __init__(self, driver: webdriver.Chrome, server: Server, downloads: Path):
        self.driver = driver
        self.server = server
        self.downloads = downloads
        self.size = DESKTOP
        self.desktop()

    # viewport
    def desktop(self) -> None:
        self.size = DESKTOP
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": DESKTOP[0], "height": DESKTOP[1], "deviceScaleFactor": 1, "mobile": False})
        self.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})

    def phone(self) -> None:
        self.size = PHONE
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
        self.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})

    # navigation
    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.server.base_url + path

    def go(self, path: str) -> None:
        self.driver.get(self.url(path))

    @property
    def path(self) -> str:
        current = self.driver.current_url
        return current[len(self.server.base_url):] if current.startswith(self.server.base_url) else current

    # reading the screen
    @property
    def main(self):
        return self.driver.find_element(By.CSS_SELECTOR, "main")

    def text(self, css: str = "main") -> str:
        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def h1(self) -> str:
        return self.text("main h1")

    def all(self, css: str, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def one(self, css: str, within=None):
        return (within or self.driver).find_element(By.CSS_SELECTOR, css)

    def status(self) -> str:
        """The text of the page's status / alert messages (what a screen reader announces)."""
        return " | ".join(e.text for e in self.all("main [role=status], main [role=alert], main .notice, main .alert"))

    def see(self, text: str, css: str = "main") -> None:
        shown = self.text(css)
        assert text in shown, f"expected to see {text!r} in {css} of {self.path}; the page shows:\n{shown[:2000]}"

    def not_see(self, text: str, css: str = "main") -> None:
        shown = self.text(css)
        assert text not in shown, f"did not expect {text!r} in {css} of {self.path}"

    def link(self, text: str, within=None):
        for anchor in self.all("a", within):
            if anchor.text.strip() == text and anchor.is_displayed():
                return anchor
        raise AssertionError(f"no link {text!r} on {self.path}")

    def button(self, text: str, within=None):
        for candidate in self.all("button, input[type=submit]", within):
            label = candidate.text.strip() or (candidate.get_attribute("value") or "")
            if label.strip() == text and candidate.is_displayed():
                return candidate
        raise AssertionError(f"no button {text!r} on {self.path}; buttons: "
                             f"{[b.text for b in self.all('button') if b.is_displayed()]}")

    def field(self, label: str, within=None):
        """The form control whose visible (or visually hidden) label reads `label`."""
        for element in self.all("label", within):
            if element.get_attribute("textContent").strip() == label:
                target = element.get_attribute("for")
                if target:
                    return self.driver.find_element(By.ID, target)
                return element.find_element(By.CSS_SELECTOR, "input, select, textarea")
        raise AssertionError(f"no field labelled {label!r} on {self.path}")

    # acting
    def press(self, element) -> None:
        """Clicks like a person: scrolls the element into view first and waits for the next page."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        try:
            WebDriverWait(self.driver, 15).until(lambda d: _stale(old))
        except TimeoutException:
            pass
        WebDriverWait(self.driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def fill(self, label: str, value: str, within=None) -> None:
        element = self.field(label, within)
        if element.tag_name == "select":
            Select(element).select_by_visible_text(value)
        else:
            element.clear()
            element.send_keys(value)

    def choose(self, label: str, option_text: str, within=None) -> None:
        Select(self.field(label, within)).select_by_visible_text(option_text)

    def login(self, role: str, index: int = 0) -> tuple[str, str]:
        email, password = self.server.login(role, index)
        self.sign_in(email, password)
        return email, password

    def sign_in(self, email: str, password: str) -> None:
        self.go("/login")
        self.fill(t("field.email"), email)
        self.fill(t("field.password"), password)
        self.press(self.button(t("login.submit"), self.main))
        assert "/login" not in self.path, f"sign-in as {email} failed: {self.status() or self.text()[:500]}"

    # downloads
    def fetch(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """Downloads a link with the browser's own cookies (as clicking it would)."""
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())
        request = urllib.request.Request(self.url(path), headers={"Cookie": cookies})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def wait_for_download(self, suffix: str, timeout: float = 20) -> Path:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [p for p in self.downloads.iterdir() if p.name.endswith(suffix)]
            if done:
                return done[0]
            time.sleep(0.2)
        raise AssertionError(f"no *{suffix} downloaded into {self.downloads} within {timeout}s")

    # pictures
    def screenshot(self, name: str) -> Path:
        """Saves what the screen shows as docs/images/NAME-desktop.png or NAME-phone.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        kind = "phone" if self.size == PHONE else "desktop"
        path = SCREENSHOTS / f"{name}-{kind}.png"
        self.driver.execute_script("window.scrollTo(0, 0)")
        self.driver.save_screenshot(str(path))
        return path


def _stale(element) -> bool:
    try:
        element.is_enabled()
        return False
    except Exception:
        return True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" and not (report.when == "setup" and report.failed):
        return
    if not report.failed:
        return
    item.config._wholesail_failed = True
    funcargs = getattr(item, "funcargs", {})
    browser = funcargs.get("browser") or funcargs.get("browser_without_js") or getattr(item, "_wholesail_browser", None)
    if browser is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1])
    try:
        png, html = ARTIFACTS / f"{stem}.png", ARTIFACTS / f"{stem}.html"
        browser.driver.save_screenshot(str(png))
        html.write_text(browser.driver.page_source, encoding="utf-8")
        note = f"browser artifacts: {png} {html} (page {browser.driver.current_url})"
    except Exception as error:  # the browser itself may be what failed
        note = f"browser artifacts: could not save ({error})"
    report.sections.append(("wholesail", note))


@pytest.fixture
def browser(server, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = make_driver(downloads=downloads)
    try:
        yield Browser(driver, server, downloads)
    finally:
        driver.quit()


@pytest.fixture
def browser_without_js(server, tmp_path):
    driver = make_driver(javascript=False)
    try:
        yield Browser(driver, server, tmp_path)
    finally:
        driver.quit()
