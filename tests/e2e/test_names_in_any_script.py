"""Names in any script through the HTTP API, on each backend: readable ASCII ids,
display names kept in their own script, and look-up by either spelling."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from api import Settings, create_app
from tests.e2e.conftest import Api, TestClient, _serving

NAMES = {
    "Володимир Зеленський": "volodimir-zelenskiy",
    "习近平": "xi-jin-ping",
    "Łukasz Wałęsa": "lukasz-walesa",
    "Søren Ørsted": "soren-orsted",
    "محمد بن سلمان": "mhmd-bn-slmn",
    "Nguyễn Phú Trọng": "nguyen-phu-trong",
    "Κυριάκος Μητσοτάκης": "kyriakos-mitsotakis",
}

QUERIES = {
    "volodimir-zelenskiy": ["zelensky", "Зеленський", "зеленський", "ZELENSKYI", "zelenskiy"],
    "xi-jin-ping": ["xi jinping", "习近平", "近平", "Xi Jin Ping"],
    "lukasz-walesa": ["lukasz", "Łukasz", "WAŁĘSA", "walesa"],
    "soren-orsted": ["soren", "Søren", "ørsted", "orsted"],
    "mhmd-bn-slmn": ["سلمان", "slmn", "mohammed bin salman"],
    "nguyen-phu-trong": ["Nguyễn", "nguyen phu trong", "trọng"],
    "kyriakos-mitsotakis": ["Μητσοτάκης", "μητσοτακης", "mitsotakis", "kyriakos"],
}


def register_all(api: Api) -> int:
    position = 0
    for name, slug in NAMES.items():
        aliases = ["Mohammed bin Salman"] if slug == "mhmd-bn-slmn" else []
        response = api.post("/actors", {"name": name, "kind": "person", "aliases": aliases})
        assert response.status_code == 201, response.text
        actor = response.json()
        assert (actor["id"], actor["name"]) == (slug, name)
        position = int(response.headers["Log-Position"])
    return position


def found(api: Api, q: str, position: int) -> list[str]:
    response = api.get("/actors", q=q, min_position=position, limit=50)
    assert response.status_code == 200, response.text
    return [actor["id"] for actor in response.json()["items"]]


def test_names_in_any_script_get_readable_ids_and_keep_their_own_script(api: Api) -> None:
    position = register_all(api)

    for name, slug in NAMES.items():
        read = api.get(f"/actors/{slug}", min_position=position)
        assert read.status_code == 200, read.text
        assert read.json()["name"] == name


def test_an_actor_is_found_by_its_name_in_its_script_and_in_transliteration(api: Api) -> None:
    position = register_all(api)

    for slug, queries in QUERIES.items():
        for q in queries:
            assert found(api, q, position) == [slug], q
    assert found(api, "putin", position) == []


def test_the_timeline_finds_words_by_their_transliteration(api: Api) -> None:
    api.seed()
    entry = api.record(
        title="Зеленський meets Łukasz Wałęsa",
        summary="Κυριάκος Μητσοτάκης joined by vi\u200bdeo.",
    )
    position = entry["position"]

    def titles(q: str) -> list[str]:
        response = api.get("/timeline", q=q, min_position=position)
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    for q in ["zelenskiy", "Зеленський", "lukasz walesa", "Łukasz", "mitsotakis", "video"]:
        assert titles(q) == ["Зеленський meets Łukasz Wałęsa"], q
    assert titles("putin") == []


def test_a_store_made_before_transliteration_finds_by_it_after_a_restart(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with _serving(url) as api:
        api.seed()
        position = register_all(api)
        api.record(title="Łukasz Wałęsa speaks")
    _as_before_transliteration(tmp_path / "old.db")

    with TestClient(create_app(Settings(db=url))) as client:
        reader = Api(client, "")  # reads are open
        assert found(reader, "lukasz", position) == ["lukasz-walesa"]
        response = reader.get("/timeline", q="lukasz", min_position=position)
        assert [item["title"] for item in response.json()["items"]] == ["Łukasz Wałęsa speaks"]


def _as_before_transliteration(path: Path) -> None:
    """Make the store look as one made before: search text without
    transliterations, and no record of the views' shapes."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE actor_directory SET folded = 'łukasz walesa'")
        db.execute("INSERT INTO timeline_search (timeline_search) VALUES ('delete-all')")
        db.execute(
            "INSERT INTO timeline_search (rowid, words) "
            "SELECT valid_from, 'łukasz wałesa speaks' FROM timeline_entries"
        )
        db.execute("DELETE FROM projection_shapes")


def test_the_longest_name_in_a_script_of_long_transliterations_is_registered(
    api: Api,
) -> None:
    # 300 characters of 29 letters each: uncut, no request could name the actor.
    response = api.post("/actors", {"name": "\ufdfa" * 300, "kind": "organization"})
    assert response.status_code == 201, response.text
    slug = response.json()["id"]
    assert len(slug) <= 200
    position = int(response.headers["Log-Position"])
    assert found(api, "\ufdfa", position) == [slug]


@pytest.mark.parametrize("q", ["zelensky", "xi jinping"])
def test_an_actor_search_for_a_transliteration_is_a_200_on_an_empty_store(
    api: Api, q: str
) -> None:
    assert api.get("/actors", q=q).json()["items"] == []
