"""The entry form, derived from the domain's table of kinds (`domain.details.KINDS`).

Each input is named by the path the domain's ValidationError names (`title`,
`actors.0.actor`, `details.measure.value`), so an error lands beside its input
without a second map. `entry_body` turns the posted fields into the body the
write service takes; numbers it cannot read pass through as text for the
domain to refuse in its own words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.details import KINDS, Detail

__all__ = ["ACTOR_ROWS", "SOURCE_ROWS", "TOPIC_ROWS", "Input", "entry_body", "error_for", "inputs"]

ACTOR_ROWS = 3
SOURCE_ROWS = 2
TOPIC_ROWS = 3
RECORD_ROWS = 3  # rows offered for a list of records (a negotiation's positions)
COMMON = ("title", "summary", "occurred", "location", "note")


@dataclass(frozen=True)
class Input:
    """One input of a kind's details: its name, label, control and choices."""

    name: str
    label: str
    control: str  # "text", "number", "select", "lines" (a textarea, one value a line)
    required: bool = False
    choices: tuple[str, ...] = ()
    actor: bool = False  # offers the actors' datalist
    parts: tuple[Input, ...] = field(default=())


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _input(detail: Detail, prefix: str) -> Input:
    name = f"{prefix}{detail.name}"
    if detail.record is not None:
        rows = [""] if detail.least is None else [f"{i}." for i in range(RECORD_ROWS)]
        parts = tuple(
            _input(part, f"{name}.{row}") for row in rows for part in detail.record.fields
        )
        return Input(name, _label(detail.name), "record", detail.required, parts=parts)
    if detail.least is not None:
        return Input(
            name, _label(detail.name), "lines", detail.required, actor=detail.type == "actor"
        )
    if detail.type == "choice":
        return Input(name, _label(detail.name), "select", detail.required, detail.choices)
    control = "number" if detail.type in ("count", "number") else "text"
    return Input(name, _label(detail.name), control, detail.required, actor=detail.type == "actor")


def inputs(kind: str) -> list[Input]:
    """The detail inputs of `kind`, in the order the domain documents its fields."""
    return [_input(detail, "details.") for detail in KINDS[kind].details]


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _value(detail: Detail, name: str, form: Mapping[str, str]) -> Any:
    if detail.record is not None:
        if detail.least is not None:
            rows = []
            for i in range(RECORD_ROWS):
                row = _record(detail, f"{name}.{i}.", form)
                if row is not None:
                    rows.append(row)
            return rows or None
        return _record(detail, f"{name}.", form)
    text = form.get(name, "").strip()
    if detail.least is not None:
        values = [line.strip() for line in text.splitlines() if line.strip()]
        return values or None
    if not text:
        return None
    return _number(text) if detail.type in ("count", "number") else text


def _record(detail: Detail, prefix: str, form: Mapping[str, str]) -> dict[str, Any] | None:
    assert detail.record is not None
    values = {part.name: _value(part, prefix + part.name, form) for part in detail.record.fields}
    kept = {k: v for k, v in values.items() if v is not None}
    return kept or None


def entry_body(kind: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The body `record_entry` takes, from the posted fields of the form of `kind`."""
    body: dict[str, Any] = {"kind": kind}
    for name in COMMON:
        text = form.get(name, "").strip()
        if text or name in ("title", "summary", "occurred"):
            body[name] = text
    body["actors"] = [
        {
            "actor": form.get(f"actors.{i}.actor", "").strip(),
            "role": form.get(f"actors.{i}.role", "").strip(),
        }
        for i in range(ACTOR_ROWS)
        if form.get(f"actors.{i}.actor", "").strip() or form.get(f"actors.{i}.role", "").strip()
    ]
    body["topics"] = [
        form[f"topics.{i}"].strip()
        for i in range(TOPIC_ROWS)
        if form.get(f"topics.{i}", "").strip()
    ]
    sources = []
    for i in range(SOURCE_ROWS):
        cited = {
            part: form.get(f"sources.{i}.{part}", "").strip()
            for part in ("source", "quote", "locator")
        }
        if any(cited.values()):
            sources.append({k: v for k, v in cited.items() if v or k == "source"})
    body["sources"] = sources
    details = {d.name: _value(d, f"details.{d.name}", form) for d in KINDS[kind].details}
    body["details"] = {k: v for k, v in details.items() if v is not None}
    return body


def error_for(field_path: str, names: Sequence[str]) -> str:
    """The input an error about `field_path` belongs beside: the longest input name
    it starts with (`details.participants.1` beside `details.participants`), else
    the path itself, shown at the top of the form."""
    best = ""
    for name in names:
        if (field_path == name or field_path.startswith(name + ".")) and len(name) > len(best):
            best = name
    return best or field_path
