"""One mistake, one answer: a bad date or a name where an id belongs is refused in the
domain's words by the API (body and query), the import, the command line and the web page."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import orjson
import pytest

from domain import ValidationError, parse_edtf_date
from domain.values import slug_problem
from scripts.cli import main
from tests.builders import body
from tests.e2e.conftest import Api, problem_of


def _date_message(text: str) -> str:
    with pytest.raises(ValidationError) as refused:
        parse_edtf_date(text, "occurred")
    return refused.value.message


# A date written the American way, a month in words, a time of day in an interval
# (EDTF takes one on a single date only), and an actor's name where its id belongs.
DATES = ["12/27/2023", "Dec 2023", "2023-12-27T10:00:00Z/2023-12-28"]
NAME = "Ken Salazar"


def test_the_domain_words_say_what_to_send_instead() -> None:
    assert "write it 2023-12-27" in _date_message("12/27/2023")
    assert "write it 2023-12" in _date_message("Dec 2023")
    assert "EDTF takes a time on a single date only" in _date_message(DATES[2])
    assert "write it 2023-12-27T10:00:00Z" in _date_message("2023-12-27T10:00Z")
    assert "use the id ken-salazar" in slug_problem(NAME)


def _sent(api: Api, changes: dict[str, Any]) -> list[str]:
    response = api.post("/entries", body("meeting", **changes))
    problem = problem_of(response, 422)
    assert problem["type"].endswith("/problems/validation")
    return [error["msg"] for error in problem["errors"]]


@pytest.mark.parametrize("text", DATES)
def test_a_bad_date_gets_the_same_words_from_every_entry_point(
    local_seeded: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    expected = _date_message(text)
    url = f"sqlite:///{tmp_path / 'timeline.db'}"

    assert _sent(local_seeded, {"occurred": text}) == [expected]
    correction = {"expected_version": 1, "changes": {"occurred": text}, "reason": "r"}
    entry = local_seeded.record("call")["id"]
    corrected = problem_of(local_seeded.post(f"/entries/{entry}/corrections", correction), 422)
    assert [e["msg"] for e in corrected["errors"]] == [expected]
    for name in ("from", "to"):
        params: dict[str, Any] = {name: text}
        query = problem_of(local_seeded.get("/timeline", **params), 422)
        assert query["errors"] == [{"loc": ["query", name], "msg": expected}]
        exported = problem_of(local_seeded.get("/exports/chronology", format="csv", **params), 422)
        assert exported["errors"] == [{"loc": ["query", name], "msg": expected}]
        page = local_seeded.client.get("/", params={name: text})
        assert page.status_code == 422
        assert expected in html.unescape(page.text)

        assert main(["--db", url, "export", "--format", "md", f"--{name}", text]) == 2
        assert capsys.readouterr().err == f"policy-timeline export: --{name}: {expected}\n"

    records = tmp_path / "records.ndjson"
    records.write_bytes(orjson.dumps({"type": "entry", **body("meeting", occurred=text)}))
    assert main(["--db", url, "import", str(records)]) == 1
    assert f"line 1: occurred: {expected}" in capsys.readouterr().err


def test_a_name_where_an_id_belongs_gets_the_same_words_from_every_entry_point(
    local_seeded: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = slug_problem(NAME)
    url = f"sqlite:///{tmp_path / 'timeline.db'}"

    assert _sent(local_seeded, {"actors": [{"actor": NAME, "role": "speaker"}]}) == [expected]
    assert _sent(local_seeded, {"topics": ["migration", NAME]}) == [slug_problem(NAME)]
    actor = problem_of(
        local_seeded.post("/actors", {"id": NAME, "name": NAME, "kind": "person"}), 422
    )
    assert actor["errors"] == [{"loc": ["id"], "msg": expected}]
    query = problem_of(local_seeded.get("/timeline", actor=NAME), 422)
    assert query["errors"] == [{"loc": ["query", "actor"], "msg": expected}]
    page = local_seeded.client.get("/", params={"actor": NAME})
    assert page.status_code == 422
    assert expected in html.unescape(page.text)

    assert main(["--db", url, "export", "--format", "md", "--actor", NAME]) == 2
    assert capsys.readouterr().err == f"policy-timeline export: --actor: {expected}\n"

    records = tmp_path / "records.ndjson"
    line = {"type": "entry", **body("meeting", actors=[{"actor": NAME, "role": "speaker"}])}
    records.write_bytes(orjson.dumps(line))
    assert main(["--db", url, "import", str(records)]) == 1
    assert f"line 1: actors.0.actor: {expected}" in capsys.readouterr().err


def test_a_time_of_day_is_taken_wherever_a_date_is(local_seeded: Api) -> None:
    moment = "2023-12-27T10:00:00Z"
    role = {"title": "Secretary", "start": moment}
    actor = local_seeded.created("/actors", {"name": "A B", "kind": "person", "roles": [role]})
    source = {"title": "T", "publisher": "P", "published": moment}
    assert local_seeded.created("/sources", source)["published"] == moment
    entry = local_seeded.record("call", occurred=moment)
    assert actor["roles"][0]["start"] == moment
    assert (entry["occurred"], entry["occurred_start"], entry["occurred_end"]) == (
        moment,
        "2023-12-27",
        "2023-12-27",
    )
