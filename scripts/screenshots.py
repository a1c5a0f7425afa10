"""`make screenshots`: PNGs of the web pages at desktop and phone widths.

    python -m scripts.screenshots [--out docs/screenshots] [--base URL [--token TOKEN]]

Without `--base` it loads the sample into a temporary SQLite store and serves
it on a free port for the time it takes, with a token of scope write made for
the pages that need one (the entry form, the correction preview). With
`--base`, those pages are photographed only when `--token` is given; they are
filled in and previewed, never sent, so nothing is written to that server.
It drives Debian's Chromium (`/usr/bin/chromium`, `make chromium` installs
it) headless through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "SIZES", "main"]

CHROMIUM = "/usr/bin/chromium"
# No sandbox (CI runs as root), and none of the browser's own calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {"desktop": (1280, 800), "phone": (375, 812)}
# A full page, but no taller than this: enough to show each page's parts.
MAX_HEIGHT = {"desktop": 2000, "phone": 3000}
ACTOR = "andres-manuel-lopez-obrador"
# Parts of pages photographed on their own as well: page name -> (file name, selector).
CROPS = {
    "timeline": [("activity", "#activity")],
    "actor": [("actor-roles", ".roles-axis"), ("actor-network", ".network")],
}
REFERENCE = "2023-12-28"  # the report's publication, that the date helper reads against
COMMAND = str(Path(sys.executable).parent / "policy-timeline")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--base", help="a running server to photograph instead of the sample")
    parser.add_argument("--token", help="with --base: a token of scope write, for the forms")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with _server(args.base) as (base, made):
        token = args.token or made
        meeting = _entry_id(base, "Mexico City meeting")
        pages = {
            "timeline": "/",
            "actor": f"/actors/{ACTOR}",
            "entry": f"/entries/{meeting}",
            "visual": "/visual?lanes=topic",
            "changes": "/changes?from=1",
        }
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for size, (width, height) in SIZES.items():
                    context = browser.new_context(viewport={"width": width, "height": height})
                    page = context.new_page()
                    for name, path in pages.items():
                        page.goto(base + path)
                        if name == "timeline":
                            page.locator("details.sources").first.locator("summary").click()
                        if name == "visual":
                            # vis-timeline draws after load, and animates nothing at first.
                            page.wait_for_function("window.visualTimeline !== undefined")
                            page.wait_for_timeout(500)
                        target = args.out / f"{name}-{size}.png"
                        _photograph(page, target, width, MAX_HEIGHT[size])
                        print(target)
                        for crop, selector in CROPS.get(name, []):
                            # A part of the page alone, large enough to read.
                            part = args.out / f"{crop}-{size}.png"
                            page.locator(selector).screenshot(path=str(part))
                            print(part)
                    for name, action in _helpers(base, meeting, token):
                        action(page)
                        target = args.out / f"{name}-{size}.png"
                        _photograph(page, target, width, MAX_HEIGHT[size])
                        print(target)
                    context.close()
            finally:
                browser.close()
    return 0


Step = Callable[[Page], None]


def _helpers(base: str, meeting: str, token: str | None) -> list[tuple[str, Step]]:
    """The pages that are typed in, each as (file name, what to do before the photo)."""

    def date_helper(page: Page) -> None:
        page.goto(base + "/dates")
        page.get_by_label("Reference date").fill(REFERENCE)
        page.get_by_label("Date or phrase").press_sequentially("last week")
        page.locator("[data-date-output] [data-date-edtf]").wait_for()

    def entry_form(page: Page) -> None:
        _sign_in(page, base, token or "")
        page.goto(base + "/entries/new?kind=meeting")
        page.get_by_label("Title").fill("Officials meet again in Mexico City")
        page.locator('[name="details.participants"]').fill(
            "antony-blinken\nandres-manuel-lopez-obrador"
        )
        page.get_by_label("Reference date").fill(REFERENCE)
        page.locator('[name="occurred"]').fill("2023-12-27")
        actor = page.locator('[name="actors.0.actor"]')
        actor.press_sequentially("obrador")
        # The picker's suggestions, open as a person would see them.
        page.locator(".picker-list [role=option]").first.wait_for()

    def correction_preview(page: Page) -> None:
        _sign_in(page, base, token or "")
        page.goto(f"{base}/entries/{meeting}/edit")
        form = page.locator("form[data-live-preview]")
        topics = form.locator('[name^="topics."]')
        topics.nth(topics.count() - 1).fill("asylum")
        form.locator('[name="details.format"]').select_option("virtual")
        form.locator('[name="reason"]').fill("the report says it was held by video")
        page.get_by_role("button", name="Preview the correction").click()
        page.locator(".changes-preview").wait_for()

    steps: list[tuple[str, Step]] = [("date-helper", date_helper)]
    if token:
        steps += [("entry-form", entry_form), ("correction-preview", correction_preview)]
    return steps


def _sign_in(page: Page, base: str, token: str) -> None:
    page.goto(base + "/sign-in")
    if page.get_by_role("button", name="Sign out").count():
        return
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def _photograph(page: Page, target: Path, width: int, limit: int) -> None:
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(
        path=str(target),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": min(int(height), limit)},
    )


def _entry_id(base: str, words: str) -> str:
    query = urllib.parse.urlencode({"q": words, "limit": 1})
    with urllib.request.urlopen(f"{base}/api/v1/timeline?{query}") as answer:
        items = json.load(answer)["items"]
    if not items:
        raise SystemExit(f"no entry matches {words!r}: is the sample loaded?")
    return str(items[0]["id"])


@contextmanager
def _server(base: str | None) -> Iterator[tuple[str, str | None]]:
    """The server's address, and a token of scope write when it is our own."""
    if base is not None:
        yield base.rstrip("/"), None
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/timeline.db"
        subprocess.run([COMMAND, "--db", url, "load-sample"], check=True, capture_output=True)
        made = subprocess.run(
            [COMMAND, "--db", url, "tokens", "create", "screenshots", "--scopes", "read,write"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIMELINE_")}
        process = subprocess.Popen(
            [COMMAND, "--db", url, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base, process)
            yield base, made
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_for(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


if __name__ == "__main__":
    raise SystemExit(main())
