"""The short way of plain entry and actor POSTs (api.write_lane) answers as the routes do.

A query string sends a POST the whole way (middlewares, routing, FastAPI's
reading), and the routes ignore it: so the same request with `?whole=1` is the
route's own answer to compare with.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from tests.builders import body
from tests.e2e.conftest import BASE, Api

ACTOR = {"name": "Lane Tester", "kind": "person"}


def _same(short: httpx2.Response, whole: httpx2.Response) -> None:
    assert short.status_code == whole.status_code, (short.text, whole.text)
    assert short.content == whole.content
    varying = {"date"}
    assert {k: v for k, v in short.headers.items() if k not in varying} == {
        k: v for k, v in whole.headers.items() if k not in varying
    }


def _post(api: Api, path: str, headers: dict[str, str], content: bytes, *, whole: bool) -> Any:
    return api.client.post(
        BASE + path + ("?whole=1" if whole else ""), content=content, headers=headers
    )


@pytest.mark.parametrize(("path", "sent"), [("/entries", body("meeting")), ("/actors", ACTOR)])
@pytest.mark.parametrize(
    ("first_whole", "key"), [(True, "lane"), (False, "lane"), (False, "a\tb")]
)
def test_a_plain_write_answers_byte_for_byte_as_the_route_answers_its_retry(
    local_seeded: Api, path: str, sent: dict[str, Any], first_whole: bool, key: str
) -> None:
    # A tab is text in a key: the route takes it, so the short way may too.
    headers = {**local_seeded.auth, "Idempotency-Key": key}
    content = json.dumps(sent).encode()
    head = local_seeded.head()

    first = _post(local_seeded, path, headers, content, whole=first_whole)
    retry = _post(local_seeded, path, headers, content, whole=not first_whole)

    assert first.status_code == 201, first.text
    _same(retry, first)
    assert local_seeded.head() == head + 1


def _refusals(api: Api) -> list[tuple[str, dict[str, str | None], bytes]]:
    """Requests the route refuses: (path, headers besides the writer's, body);
    a header given as None is left out."""
    reader = api.app.state.tokens.create("lane-reader", ["read"])
    entry = json.dumps(body("meeting")).encode()
    return [
        ("/entries", {"Authorization": None}, entry),
        ("/entries", {"Authorization": "Bearer ptl_0123456789abcdef_nope"}, entry),
        ("/entries", {"Authorization": f"Bearer {reader}"}, entry),
        ("/entries", {"Authorization": "Basic dXNlcjpwYXNz"}, entry),
        ("/entries", {"Idempotency-Key": "k" * 256}, entry),
        ("/entries", {"Idempotency-Key": "   "}, entry),
        ("/entries", {}, json.dumps(body("meeting", title="")).encode()),
        ("/entries", {}, json.dumps(body("meeting", actors=[{"actor": "nobody"}])).encode()),
        ("/entries", {}, b'{"kind": "meeting", "kind": "statement"}'),
        ("/entries", {}, b"[1, 2]"),
        ("/entries", {}, b"{not json"),
        ("/entries", {}, b""),
        ("/entries", {"Content-Type": "text/plain"}, b"title=x"),
        ("/actors", {}, json.dumps({**ACTOR, "kind": "planet"}).encode()),
        ("/actors", {"Authorization": f"Bearer {reader}"}, json.dumps(ACTOR).encode()),
    ]


def test_a_write_off_the_short_way_is_refused_as_the_route_refuses_it(
    local_seeded: Api,
) -> None:
    head = local_seeded.head()

    for path, extra, content in _refusals(local_seeded):
        sent = {**local_seeded.auth, "Content-Type": "application/json", **extra}
        headers = {name: value for name, value in sent.items() if value is not None}
        short = _post(local_seeded, path, headers, content, whole=False)
        whole = _post(local_seeded, path, headers, content, whole=True)

        assert short.status_code >= 400, (extra, content, short.text)
        _same(short, whole)
    assert local_seeded.head() == head


def test_a_key_reused_with_another_body_is_refused_as_the_route_refuses_it(
    local_seeded: Api,
) -> None:
    headers = {**local_seeded.auth, "Idempotency-Key": "lane-reused"}
    local_seeded.created("/entries", body("meeting"), key="lane-reused")
    other = json.dumps(body("meeting", title="Another meeting")).encode()

    short = _post(local_seeded, "/entries", headers, other, whole=False)
    whole = _post(local_seeded, "/entries", headers, other, whole=True)

    assert short.status_code == 422, short.text
    _same(short, whole)
