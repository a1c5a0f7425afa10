"""The entry form, derived from the domain's table of kinds (`domain.details.KINDS`).

Each input is named by the path the domain's ValidationError names (`title`,
`actors.0.actor`, `details.measure.value`), so an error lands beside its input
without a second map. `entry_body` turns the posted fields into the body the
write service takes; numbers it cannot read pass through as text for the
domain to refuse in its own words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.details import KINDS, Detail

__all__ = [
    "ACTOR_ROWS",
    "LIST_FIELDS",
    "SOURCE_ROWS",
    "TOPIC_ROWS",
    "Input",
    "actor_inputs",
    "entry_body",
    "error_for",
    "form_values",
    "inputs",
    "rows",
]

ACTOR_ROWS = 3
SOURCE_ROWS = 2
TOPIC_ROWS = 3
RECORD_ROWS = 3  # rows offered for a list of records (a negotiation's positions)
COMMON = ("title", "summary", "occurred", "location", "note")
LIST_FIELDS = ("actors", "topics", "details")  # corrected as a whole, from their rows
MAX_ROWS = 200  # the domain bounds its lists; a posted index past this is ignored
_INDEX = re.compile(r"(\d+)(?:\.|$)")


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


def rows(form: Mapping[str, str], prefix: str, least: int) -> int:
    """How many rows of the list `prefix` (`actors.`) to read or show: at least
    `least`, and one more than the highest row `form` holds, so nothing typed or
    recorded is dropped and a blank row is left to add one."""
    found = -1
    for key in form:
        if key.startswith(prefix) and (match := _INDEX.match(key, len(prefix))):
            index = int(match.group(1))
            if index < MAX_ROWS:
                found = max(found, index)
    return max(least, found + 2) if found >= 0 else least


def _input(detail: Detail, prefix: str, form: Mapping[str, str]) -> Input:
    name = f"{prefix}{detail.name}"
    if detail.record is not None:
        if detail.least is None:
            indices = [""]
        else:
            indices = [f"{i}." for i in range(rows(form, name + ".", RECORD_ROWS))]
        parts = tuple(
            _input(part, f"{name}.{row}", form) for row in indices for part in detail.record.fields
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


def inputs(kind: str, form: Mapping[str, str] | None = None) -> list[Input]:
    """The detail inputs of `kind`, in the order the domain documents its fields,
    with a row for each record of a list `form` holds and a blank one."""
    return [_input(detail, "details.", form or {}) for detail in KINDS[kind].details]


def actor_inputs(kind: str, form: Mapping[str, str]) -> list[str]:
    """The names of the inputs of `form` that hold actor ids (the pickers): the
    actor rows and the details that name actors; those that hold one a line
    included (`details.participants`)."""

    def walk(items: Sequence[Input]) -> list[str]:
        found: list[str] = []
        for item in items:
            found.extend(walk(item.parts))
            if item.actor:
                found.append(item.name)
        return found

    count = rows(form, "actors.", ACTOR_ROWS)
    return [f"actors.{i}.actor" for i in range(count)] + walk(inputs(kind, form))


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
            found = []
            for i in range(rows(form, name + ".", RECORD_ROWS)):
                row = _record(detail, f"{name}.{i}.", form)
                if row is not None:
                    found.append(row)
            return found or None
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
        for i in range(rows(form, "actors.", ACTOR_ROWS))
        if form.get(f"actors.{i}.actor", "").strip() or form.get(f"actors.{i}.role", "").strip()
    ]
    body["topics"] = [
        form[f"topics.{i}"].strip()
        for i in range(rows(form, "topics.", TOPIC_ROWS))
        if form.get(f"topics.{i}", "").strip()
    ]
    sources = []
    for i in range(rows(form, "sources.", SOURCE_ROWS)):
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


def form_values(entry: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields holding `entry` as it stands: `entry_body` read back, so a
    correction form starts from the record and sends back what was changed."""
    values = {name: str(entry.get(name) or "") for name in COMMON}
    for i, pair in enumerate(entry.get("actors") or []):
        values[f"actors.{i}.actor"] = str(pair.get("actor", ""))
        values[f"actors.{i}.role"] = str(pair.get("role", ""))
    for i, topic in enumerate(entry.get("topics") or []):
        values[f"topics.{i}"] = str(topic)
    for i, cited in enumerate(entry.get("sources") or []):
        for part in ("source", "quote", "locator"):
            if cited.get(part):
                values[f"sources.{i}.{part}"] = str(cited[part])
    details = entry.get("details") or {}
    for detail in KINDS[str(entry.get("kind", ""))].details:
        if detail.name in details:
            _fill(values, detail, f"details.{detail.name}", details[detail.name])
    return values


def _fill(values: dict[str, str], detail: Detail, name: str, value: Any) -> None:
    if detail.record is not None:
        records = value if detail.least is not None else [value]
        for i, record in enumerate(records):
            prefix = f"{name}.{i}." if detail.least is not None else f"{name}."
            for part in detail.record.fields:
                if isinstance(record, Mapping) and part.name in record:
                    _fill(values, part, prefix + part.name, record[part.name])
    elif detail.least is not None:
        values[name] = "\n".join(str(v) for v in value)
    else:
        values[name] = str(value)


def error_for(field_path: str, names: Sequence[str]) -> str:
    """The input an error about `field_path` belongs beside: the longest input name
    it starts with (`details.participants.1` beside `details.participants`), else
    the path itself, shown at the top of the form."""
    best = ""
    for name in names:
        if (field_path == name or field_path.startswith(name + ".")) and len(name) > len(best):
            best = name
    return best or field_path
