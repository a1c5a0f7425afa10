"""A timeline in an article on another site: the embed shows in a frame, the
full page does not."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Site


@pytest.fixture
def article() -> Iterator[Callable[[str], str]]:
    """`article(src)`: the URL of a page on another origin (another port) whose
    article frames `src`. A real server on this machine, since Chromium keeps a
    page it cannot place on the network from framing one on this machine."""
    framed: dict[str, str] = {}

    class Article(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                '<!doctype html><title>Article</title><h1>Article</h1><iframe title="timeline" '
                f'src="{framed["src"]}" width="800" height="600"></iframe>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Article)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def at(src: str) -> str:
        framed["src"] = src
        return f"http://127.0.0.1:{server.server_address[1]}/article"

    try:
        yield at
    finally:
        server.shutdown()
        server.server_close()


def test_an_embed_shows_in_another_sites_frame_without_the_site_chrome(
    site: Site, page: Page, article: Callable[[str], str]
) -> None:
    page.goto(article(site.url("/embed/?topic=asylum")))
    frame = page.frame_locator('iframe[title="timeline"]')
    expect(frame.get_by_role("heading", name="Timeline", level=1)).to_be_visible()
    expect(frame.locator("article").first).to_be_visible()
    expect(frame.get_by_role("navigation", name="Site")).to_have_count(0)
    expect(frame.get_by_role("search")).to_be_hidden()


def test_the_full_page_refuses_to_show_in_a_frame(
    site: Site, page: Page, article: Callable[[str], str]
) -> None:
    # Chromium says so on the console as it refuses the frame.
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text):
        page.goto(article(site.url("/?topic=asylum")))
    frame = page.frame_locator('iframe[title="timeline"]')
    expect(frame.get_by_role("heading", name="Timeline")).to_have_count(0)
