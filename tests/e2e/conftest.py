"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), a live server,
a console watcher that fails a test on any Content-Security-Policy violation, and screenshots."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests import factories

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body are
# still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
CSP_PATTERN = re.compile(r"Content Security Policy|Content-Security-Policy", re.IGNORECASE)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                item.add_marker(pytest.mark.skip(reason="chromium is not installed (apt-get install chromium); "
                                                        "CI and scripts/dev test install it"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Watcher:
    """Console messages and page errors of every page a context opens; CSP violations fail the test."""

    def __init__(self):
        self.messages: list[str] = []
        self.visited: list[str] = []
        self.failed_resources: list[str] = []

    def attach(self, page):
        page.on("console", lambda msg: self.messages.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: self.messages.append(f"pageerror: {exc}"))
        # A stylesheet or script that does not load leaves a page unstyled or inert without any error.
        page.on("response", lambda r: self.failed_resources.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.request.resource_type != "document" else None)
        page.on("framenavigated", lambda frame: self.visited.append(frame.url) if frame == page.main_frame
                else None)
        # Violations also reach the page as events; report them to the console where the watcher sees them.
        page.add_init_script("document.addEventListener('securitypolicyviolation', e => console.error("
                             "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if CSP_PATTERN.search(m) or "CSP violation" in m]


@pytest.fixture
def watcher():
    w = Watcher()
    yield w
    assert not w.csp_violations(), f"CSP violations on {w.visited}: {w.csp_violations()}"
    assert not w.failed_resources, f"resources that did not load: {w.failed_resources}"


def _context(browser, watcher, locale: str, **options):
    context = browser.new_context(locale=locale, **options)
    context.set_default_timeout(10_000)
    context.on("page", watcher.attach)
    return context


@pytest.fixture
def new_page(browser, watcher):
    """``new_page(phone=False, locale="id-ID")`` → a page in a fresh context (its own cookies)."""
    contexts = []

    def make(*, phone: bool = False, locale: str = "id-ID"):
        context = _context(browser, watcher, locale, **(PHONE if phone else LAPTOP))
        contexts.append(context)
        page = context.new_page()
        watcher.attach(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def shot(page, name: str) -> None:
    """A full-page screenshot under tests/e2e/artifacts/ (gitignored) for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, base_url: str, user, password: str = factories.PASSWORD) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("form button[type=submit].primary")
    page.wait_for_url(re.compile(r".*/$"))
    assert "/login/" not in page.url, "login failed"


def messages_text(page) -> str:
    return " ".join(page.locator("ul.messages li").all_inner_texts())


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                     (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '')
                     + ' ' + Math.round(e.getBoundingClientRect().right))"""


def assert_no_sideways_scroll(page) -> None:
    """A phone page fits its width: nothing sticks out to the right."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} scrolls sideways ({width}px > {viewport}px): {page.evaluate(WIDEST)}"
