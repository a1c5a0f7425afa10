"""The `/visual` page's data: every entry a view keeps, shaped for vis-timeline.

Each entry becomes one item in one lane (`?lanes=kind`, `topic` or `actor`: its
kind, its first topic, its first actor), drawn over its strict EDTF bounds
(`occurred_start` to `occurred_end`). An end written approximate or uncertain
(`~`, `?`, `%`) or left open is marked, and the page draws it faded: the bar
reaches as far as the date could, and the eye sees where it is not sure.
The data goes into the page as a JSON script block, built here on the server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import orjson
from markupsafe import Markup

from api.web.dates import display_date
from api.web.render import SECURITY_HEADERS
from domain.details import KINDS

__all__ = ["LANES", "VISUAL_CAP", "lane_key", "visual_data", "visual_headers"]

# How an entry's lane is chosen; the first is the default.
LANES = ("kind", "topic", "actor")
# The most entries one visual page draws; vis-timeline clusters them when zoomed out.
VISUAL_CAP = 10_000
# vis-timeline's standalone build also writes its stylesheet into <style> elements
# (the same rules as the .css file the page links). The page's policy allows
# exactly those texts by their digests, so the browser reports no violation; a new
# version of the file changes them (the browser tests say so: see test_visual_page).
VIS_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-4cgFR0//m8/eHo2G/esYsuZetUHlzCUWYM59sfgE9zY='",
    "'sha256-ATJNJCL6Wpn/tPBpNaKy3Ig13EdPxHee6ABd7iI5mws='",
    "'sha256-JpD3E+Z6xKRloIXUfvynO2x74VKoQhS46cmzKyphJl4='",
    "'sha256-Pp9TeUBeLNGvSpG/WQNr6F3PYBi3hh26KmQ3FkCtS/s='",
    "'sha256-QuPewnJYr+SnQiTnCNHFBw99ExTsz9f8w5320PimEPw='",
    "'sha256-U3cY7+F4GcTGxjocx4JSltmifCzwxxzq20dqKX4Tpyc='",
    "'sha256-XBP/Oxjt3ECoRQDQ/Oy5mLhrX1dQxCIiptFACGjUcTs='",
    "'sha256-baaZQ3ax85WnC7GoHJg/b0c0Mc2RCKGK73AZ1RkuJn8='",
    "'sha256-c5RgAgDBfjnEymw+IboUyFPkkpdh8YEBSEryb+t1dMk='",
    "'sha256-gGUn/VMBXCeWm86qX/pOf+4ZDSbe0JcaXXb4rJjw1mA='",
    "'sha256-q+AlK1feXh8YLw+gxDqtezQZl8UqsWOM3W5c0pt//tg='",
    "'sha256-v0QGAkPIWT/V4bfkkxL6vDfyRDULSXZUBrHxAFR30lY='",
    "'sha256-w0Te9S8PSkCwFxTBObrIR3XmcxltdxckbplgXIG85qk='",
    "'sha256-w6U1+htdQc1k4FTNbX5Rk8gOIBBM7jVgmCKvXCQklGE='",
)
_FUZZY = ("~", "?", "%")
_NO_LANE = {"topic": "(no topic)", "actor": "(no actor)"}


def lane_key(entry: Mapping[str, Any], lanes: str) -> str:
    """The lane `entry` sits in: its kind, first topic or first actor's id."""
    if lanes == "topic":
        topics = entry.get("topics") or ()
        return str(topics[0]) if topics else ""
    if lanes == "actor":
        actors = entry.get("actors") or ()
        return str(actors[0]["actor"]) if actors else ""
    return str(entry["kind"])


def visual_data(
    entries: list[dict[str, Any]], lanes: str, actor_names: Mapping[str, str]
) -> tuple[Markup, list[dict[str, Any]]]:
    """The JSON the page's script reads (items and lanes), safe inside a script
    block, and the lanes (label and count, busiest first) for the page's text."""
    counts = Counter(lane_key(entry, lanes) for entry in entries)
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], _label(pair[0], lanes, {})))
    groups = [
        {"id": key, "content": _label(key, lanes, actor_names), "entries": n, "order": rank}
        for rank, (key, n) in enumerate(ordered)
    ]
    items = [_item(entry, lanes) for entry in entries]
    raw = orjson.dumps({"lanes": lanes, "groups": groups, "items": items}).decode()
    # Inside <script> nothing is unescaped: `<`, `>` and `&` are written as JSON escapes,
    # so no title can close the block.
    safe = raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe), groups


def _item(entry: Mapping[str, Any], lanes: str) -> dict[str, Any]:
    occurred = str(entry.get("occurred") or "")
    parts = occurred.split("/")
    fuzzy_start = _fuzzy(parts[0])
    fuzzy_end = _fuzzy(parts[-1])
    start = str(entry["occurred_start"])
    # The bound is the last day it may have occurred on: the bar runs to that day's end.
    end = (date.fromisoformat(str(entry["occurred_end"])) + timedelta(days=1)).isoformat()
    return {
        "id": entry["id"],
        "title": entry["title"],
        "kind": entry["kind"],
        "group": lane_key(entry, lanes),
        "start": start,
        "end": end,
        "day": str(entry["occurred_end"]) == start,
        "when": display_date(occurred) if occurred else start,
        "fuzzy_start": fuzzy_start,
        "fuzzy_end": fuzzy_end,
        "retracted": entry.get("status") == "retracted",
    }


def _fuzzy(part: str) -> bool:
    """Whether one side of an EDTF text is approximate, uncertain, open or unknown."""
    return part in ("", "..") or any(mark in part for mark in _FUZZY)


def _label(key: str, lanes: str, actor_names: Mapping[str, str]) -> str:
    if not key:
        return _NO_LANE.get(lanes, "(none)")
    if lanes == "kind":
        kind = KINDS.get(key)
        return kind.label if kind is not None else key.replace("_", " ")
    if lanes == "actor":
        return actor_names.get(key, key)
    return key


def visual_headers() -> dict[str, str]:
    """The page's security headers: the site's, with vis-timeline's own styles allowed."""
    policy = SECURITY_HEADERS["Content-Security-Policy"].replace(
        "style-src 'self'", "style-src 'self' " + " ".join(VIS_STYLE_HASHES)
    )
    return {"Content-Security-Policy": policy}
