"""Hypothesis strategies for hostile request bodies and import records.

A body is drawn as a valid one (tests/builders.py) with a few of its values
replaced, dropped, doubled or added, or as something else altogether. What
the JSON encoder of the standard library cannot write is drawn as `Raw`, a
fragment written as it is (`1e309`, `NaN`, 5,000 nested brackets), or as
`Twice`, an object with a key sent twice; `encode` writes either.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from hypothesis import strategies as st

__all__ = ["Raw", "Twice", "bodies", "encode", "hostile_values", "mutated"]


class Raw(NamedTuple):
    """A JSON fragment, or not-quite JSON, written as it is."""

    text: str


class Twice(NamedTuple):
    """An object given as pairs, so that one key may come twice."""

    pairs: list[tuple[str, Any]]


def encode(value: Any) -> bytes:
    """`value` as JSON text; a lone surrogate is written as its `\\uD800` escape."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts).encode()


def _write(value: Any, parts: list[str]) -> None:
    if isinstance(value, Raw):
        parts.append(value.text)
    elif isinstance(value, Twice | dict):
        pairs = value.pairs if isinstance(value, Twice) else list(value.items())
        parts.append("{")
        for index, (key, item) in enumerate(pairs):
            parts.append("," if index else "")
            parts.append(json.dumps(key) + ":")
            _write(item, parts)
        parts.append("}")
    elif isinstance(value, list):
        parts.append("[")
        for index, item in enumerate(value):
            parts.append("," if index else "")
            _write(item, parts)
        parts.append("]")
    else:
        # ensure_ascii escapes what UTF-8 cannot hold: "\ud800" goes out as \\ud800.
        parts.append(json.dumps(value, ensure_ascii=True))


def _nested(depth: int) -> Raw:
    return Raw("[" * depth + "]" * depth)


def _nested_objects(depth: int) -> Raw:
    return Raw('{"a":' * depth + "1" + "}" * depth)


_CONTROL = st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028\u2029\ufeff")
_TEXTS = st.one_of(
    st.text(max_size=40),
    st.text(_CONTROL, min_size=1, max_size=8),
    st.sampled_from(["a\x00b", "\x00", "\ud800", "a\udfffb", "\udbff", " ", "\u200b\u200c", ""]),
    st.sampled_from([20_001, 300_000]).map(lambda n: "x" * n),
)
_NUMBERS = st.one_of(
    st.sampled_from(
        [
            Raw("1e309"),
            Raw("-1e309"),
            Raw("1e-400"),
            Raw("NaN"),
            Raw("Infinity"),
            Raw("-0"),
            Raw("123456789012345678901234567890"),
            Raw("1.0"),
            2**53,
            2**63,
            -1,
            0,
        ]
    ),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.integers(1, 6000).map(_nested),
    st.integers(1, 6000).map(_nested_objects),
)

hostile_values = st.one_of(_TEXTS, _NUMBERS, _WRONG_TYPES)
"""A value no field should take at face value."""


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every place in `value` a member can be replaced, dropped or doubled."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _apply(body: Any, path: tuple[str | int, ...], change: str, new: Any) -> Any:
    """A copy of `body` with the member at `path` changed."""
    *up, last = path
    if not up:
        return _change(body, last, change, new)
    head = up[0]
    copied = dict(body) if isinstance(body, dict) else list(body)
    copied[head] = _apply(body[head], (*up[1:], last), change, new)  # type: ignore[index]
    return copied


def _change(container: Any, last: str | int, change: str, new: Any) -> Any:
    if isinstance(container, list):
        copied = list(container)
        if change == "drop":
            del copied[int(last)]
        else:
            copied[int(last)] = new
        return copied
    pairs = list(container.items())
    if change == "drop":
        return {key: item for key, item in pairs if key != last}
    if change == "twice":
        return Twice([*pairs, (str(last), new)])
    if change == "add":
        return Twice([*pairs, (f"{last}_extra", new)])
    return {key: (new if key == last else item) for key, item in pairs}


@st.composite
def mutated(draw: Callable[..., Any], valid: Any) -> Any:
    """`valid` with one to three of its members replaced, dropped, doubled or added to."""
    body = valid
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(body) if isinstance(body, dict | list) else []
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        change = draw(st.sampled_from(["replace", "replace", "drop", "twice", "add"]))
        body = _apply(body, path, change, draw(hostile_values))
    return body


def bodies(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Bodies for a route that takes bodies like `valid`: mostly a valid one changed
    here and there, sometimes valid as it is, sometimes something else entirely."""
    changed = valid.flatmap(mutated)
    return st.one_of(changed, changed, changed, changed, changed, changed, valid, hostile_values)
