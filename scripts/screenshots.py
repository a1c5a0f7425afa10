"""`make screenshots`: PNGs of the web pages at desktop and phone widths.

    python -m scripts.screenshots [--out docs/screenshots] [--base http://127.0.0.1:8000]

Without `--base` it loads the sample into a temporary SQLite store and serves
it on a free port for the time it takes. It drives Debian's Chromium
(`/usr/bin/chromium`, `make chromium` installs it) headless through
Playwright; nothing is downloaded.
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
from collections.abc import Iterator
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
COMMAND = str(Path(sys.executable).parent / "policy-timeline")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--base", help="a running server to photograph instead of the sample")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with _server(args.base) as base:
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
                    page = browser.new_page(viewport={"width": width, "height": height})
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
                    page.close()
            finally:
                browser.close()
    return 0


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
def _server(base: str | None) -> Iterator[str]:
    if base is not None:
        yield base.rstrip("/")
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/timeline.db"
        subprocess.run([COMMAND, "--db", url, "load-sample"], check=True, capture_output=True)
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
            yield base
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
