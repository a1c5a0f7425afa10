"""Real servers on the sample, and one headless Chromium for the whole session.

`policy-timeline load-sample` runs once; each server gets its own copy of that
store, so a test that writes (a correction) changes nothing another test sees.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from scripts.screenshots import CHROMIUM, CHROMIUM_ARGS

COMMAND = str(Path(sys.executable).parent / "policy-timeline")
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Site:
    """A running `policy-timeline serve` on its own copy of the sample store."""

    base: str
    db: str

    def url(self, path: str) -> str:
        return self.base + path

    def token(self, name: str, scopes: str) -> str:
        """A new token made by `policy-timeline tokens create`."""
        done = subprocess.run(
            [COMMAND, "--db", self.db, "tokens", "create", name, "--scopes", scopes],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding the sample chronology, loaded once."""
    path = tmp_path_factory.mktemp("sample") / "timeline.db"
    done = subprocess.run(
        [COMMAND, "--db", f"sqlite:///{path}", "load-sample"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="session")
def start_site(
    sample_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Site]]:
    """Start a server on a fresh copy of the sample: `start_site("--protect-reads")`."""
    with ExitStack() as stack:

        def start(*options: str) -> Site:
            folder = tmp_path_factory.mktemp("site")
            for part in sample_store.parent.glob(sample_store.name + "*"):  # -wal, -shm too
                shutil.copy(part, folder / part.name)
            db = f"sqlite:///{folder / sample_store.name}"
            base = stack.enter_context(_Server(db, folder, options))
            return Site(base, db)

        yield start


@pytest.fixture(scope="session")
def site(start_site: Callable[..., Site]) -> Site:
    """The sample served read-only for the tests that only look."""
    return start_site()


# How long an expectation waits for the page to reach it: a cap, never a timing
# assertion. Playwright's 5 s default was too short for /docs in CI, where the
# suite keeps both cores busy while Swagger UI builds its page from the document.
EXPECT_WAIT_MS = 30_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=EXPECT_WAIT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab at desktop size (1280x800), in its own context (no shared cookies)."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        yield context.new_page()
    finally:
        context.close()


class _Server:
    """`policy-timeline serve` on a free port, waited for, and stopped afterwards."""

    def __init__(self, db: str, folder: Path, options: tuple[str, ...]) -> None:
        self.db, self.folder, self.options = db, folder, options
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIMELINE_")}
        log = self.folder / "serve.log"
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [COMMAND, "--db", self.db, "serve", "--port", str(port), *self.options],
                cwd=self.folder,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=1)
                return base
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    pytest.fail(f"server did not start: {log.read_text()}")
                time.sleep(0.1)

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# Writing from the browser: a server of a module's own, one sign-in shared by its tabs.


@pytest.fixture(scope="module")
def writable(start_site: Callable[..., Site]) -> Site:
    """A server of its own: these tests write."""
    return start_site()


@pytest.fixture(scope="module")
def signed_in_state(writable: Site, browser: Browser) -> Any:
    """The cookies of one sign-in as a writer, shared by the module's tabs: each
    token is made by the command line, which takes a second or two to start."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        sign_in(writable, context.new_page(), "web-writer-shared", "read,write")
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def writer(browser: Browser, signed_in_state: Any) -> Iterator[Page]:
    """A tab signed in as a writer."""
    context = browser.new_context(viewport=DESKTOP, storage_state=signed_in_state)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def bearer(writable: Site) -> str:
    """A token of scope write, for the API calls that set a scene."""
    return writable.token("api-writer", "write")


def sign_in(site: Site, page: Page, name: str, scopes: str) -> None:
    page.goto(site.url("/"))
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Token").fill(site.token(name, scopes))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
