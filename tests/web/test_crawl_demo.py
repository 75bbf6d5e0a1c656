"""Every page a demo user can reach, in Indonesian: no 4xx/5xx, and no English UI string on it.

"English UI string" means a message of Jalin's catalogue that has a different Indonesian translation (its
English text on an Indonesian page escaped translation), plus Django's own messages that reach pages.
Names and codes are allowed (ALLOWED). The crawl follows every same-site link (GET only) from the
dashboard, as each demo role, on the real demo data."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[2] / "jalin" / "locale" / "id" / "LC_MESSAGES" / "django.mo"
# Django's own English that used to reach Jalin's pages.
DJANGO_ENGLISH = ["Select an option", "This field is required", "Not Found", "Server Error", "Forbidden",
                  "The requested resource was not found"]
# English msgids that are also names or codes, or that Indonesian uses as they are.
ALLOWED = {"Jalin", "PHQ-9", "GAD-7", "LAISEG", "LAIJAPEN", "FHIR", "PDF", "JSON", "CSV", "Email", "Status",
           "Online", "Offline", "Rapport", "Verbatim"}
SKIP_PATHS = re.compile(r"/(pdf|fhir|export|download)(/|$)|\.pdf$|\.json$|/logout/|/i18n/")
# The data-subject export is a dump of stored records: it holds the English alert texts stored beside the
# Indonesian ones, and labels the fields of models that carry no verbose names (practice jobs, timestamps).
# It is checked for its status only; translating its field labels is left to the privacy work.
DATA_DUMPS = re.compile(r"/counselees/\d+/export\.html")
MIN_WORDS = 2  # one English word alone ("Total", "Minimal") is too often also Indonesian
# English words Indonesian never uses: they catch English text that was never marked for translation.
ENGLISH_WORDS = re.compile(r"(?<![\w-])(the|and|of|with|your|this|is|are|created at|updated at|progress|"
                           r"requested by|not found|select)(?![\w-])", re.IGNORECASE)


def english_strings() -> list[str]:
    with CATALOGUE.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    found = set(DJANGO_ENGLISH)
    for key, translation in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04", 1)[-1]  # drop a context
        if not msgid or translation == msgid or msgid in ALLOWED or "%" in msgid or "{" in msgid:
            continue
        if len(msgid.split()) >= MIN_WORDS and len(msgid) >= 10:
            found.add(msgid.strip())
    return sorted(found, key=len, reverse=True)


class _Page(HTMLParser):
    """Visible text (with labels, placeholders, titles and option texts) and the links of one page."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("placeholder", "title", "aria-label", "alt"):
            if attrs.get(name):
                self.text.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.text.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def crawl(client, start: str = "/", limit: int = 400) -> dict[str, tuple[int, str]]:
    """BFS over same-site GET links: {path: (status, visible text)}."""
    seen: dict[str, tuple[int, str]] = {}
    queue = [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        if response.status_code in (301, 302):
            target = urldefrag(urljoin(path, response["Location"]))[0]
            seen[path] = (response.status_code, "")
            if urlparse(target).netloc in ("", "testserver") and not SKIP_PATHS.search(target):
                queue.append(urlparse(target).path + (f"?{urlparse(target).query}" if urlparse(target).query else ""))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            seen[path] = (response.status_code, "")
            continue
        page = _Page()
        page.feed(response.content.decode())
        seen[path] = (response.status_code, " \n ".join(page.text))
        for href in page.links:
            target = urldefrag(urljoin(path, href))[0]
            parsed = urlparse(target)
            if parsed.scheme in ("mailto", "tel") or parsed.netloc not in ("", "testserver"):
                continue
            local = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if local and local not in seen and not SKIP_PATHS.search(parsed.path):
                queue.append(local)
    return seen


@pytest.fixture
def demo(settings):
    from jalin.core.demo import load_demo

    load_demo()
    from jalin.accounts.models import User

    return {u.username: u for u in User.objects.all()}


@pytest.mark.parametrize("username", ["rina", "dedi", "sari", "admin"])
def test_every_page_a_demo_user_reaches_is_indonesian_and_answers(client, demo, username):
    client.force_login(demo[username])
    client.cookies["django_language"] = "id"
    pages = crawl(client)
    assert len(pages) > (20 if username == "rina" else 3), sorted(pages)
    broken = {path: status for path, (status, _text) in pages.items() if status >= 400}
    assert not broken, f"pages answering 4xx/5xx: {broken}"
    english = english_strings()
    leaks = {}
    for path, (_status, text) in pages.items():
        if DATA_DUMPS.search(path):
            continue
        hits = [s for s in english if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text)]
        hits += sorted({m.group(0) for m in ENGLISH_WORDS.finditer(text)})
        if hits:
            leaks[path] = hits[:5]
    assert not leaks, f"English UI strings on Indonesian pages: {leaks}"


def test_the_crawl_can_fail_on_english():
    """The detector finds an escaped English string (so the crawl's silence means something)."""
    english = english_strings()
    assert "Select an option" in english
    assert any(re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", "Tugas tahap · Close case ·") for s in english)
