"""Browser tests: headless Debian Chromium driven by Playwright against pytest-django's live server.

Every page a test opens is watched: a console error, an uncaught JavaScript error, a Content
Security Policy violation or a failed /static/ request fails the test at teardown. Each test's
final page is saved to test-artifacts/screenshots/<test-name>.png (git-ignored).

Modules here set `pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]`:
the live server runs in another thread, which sees only committed rows.
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in the test thread; pytest-django's database setup
# would then refuse to run (SynchronousOnlyOperation). Also set in tests/conftest.py.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--no-first-run",
]
# Pages here are served by a local thread: anything slower than this is a failure, not a wait.
TIMEOUT_MS = 5_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (never `playwright install`: there is no download here)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@dataclass
class PageProblems:
    """What went wrong in the browser while a test ran, collected from every page it opened."""

    console: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    static: list[str] = field(default_factory=list)
    static_loaded: list[str] = field(default_factory=list)
    _watched: set[int] = field(default_factory=set)

    def watch(self, page) -> None:
        if id(page) in self._watched:
            return
        self._watched.add(id(page))
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)

    def _on_console(self, message) -> None:
        text = f"[{message.type}] {message.text} ({message.location.get('url', '')})"
        if "content security policy" in message.text.lower():
            self.csp.append(text)
        elif message.type == "error":
            self.console.append(text)

    def _on_response(self, response) -> None:
        if not _is_static(response.url):
            return
        if response.status >= 400:
            self.static.append(f"{response.status} {response.url}")
        else:
            self.static_loaded.append(response.url)

    def _on_request_failed(self, request) -> None:
        # A 4xx/5xx answer is recorded by _on_response; this catches requests left unanswered.
        if _is_static(request.url) and not any(request.url in item for item in self.static):
            self.static.append(f"failed ({request.failure}) {request.url}")

    def report(self) -> str:
        sections = {
            "Content Security Policy violations": self.csp,
            "console errors": self.console,
            "uncaught page errors": self.page_errors,
            "static files not served": self.static,
        }
        return "\n".join(
            f"{title}:\n  " + "\n  ".join(items) for title, items in sections.items() if items
        )


def _is_static(url: str) -> bool:
    return urlsplit(url).path.startswith("/static/")


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(page, context, page_problems, request):
    """pytest-playwright's page, watched for problems, and photographed when the test ends."""
    context.set_default_timeout(TIMEOUT_MS)
    context.on("page", page_problems.watch)  # pop-ups and new tabs
    page_problems.watch(page)
    yield page
    if not page.is_closed():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
        try:
            page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        except Exception as error:  # a screenshot is a by-product: it never fails the test
            print(f"screenshot of {request.node.name} failed: {error}")
    problems = page_problems.report()
    assert not problems, f"the browser reported problems:\n{problems}"


@pytest.fixture(scope="session")
def base_url(pytestconfig):
    """pytest-playwright's own fallback fixture is a method of a plugin object, which pytest 9.2
    deprecates (a warning on every run); this is the same fixture as a function. Tests here
    build their URLs from `live_server.url`."""
    return pytestconfig.getoption("--base-url", default=None) or None
