"""The token store on each backend: what it keeps, whom it lets in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.tokens import SCOPES, TokenError, TokenStore
from domain import StoreConfig, parse_store_url
from projections import Database
from projections.database import open_database


@pytest.fixture
def tokens(store_config: StoreConfig) -> Iterator[TokenStore]:
    db = open_database(store_config)
    try:
        yield TokenStore(db)
    finally:
        db.close()


def test_a_new_token_authenticates_as_its_name_with_its_scopes(tokens: TokenStore) -> None:
    token = tokens.create("newsroom", ["write", "read"])
    info = tokens.authenticate(token)
    assert info is not None
    assert info.name == "newsroom"
    assert info.scopes == ("read", "write")
    assert info.revoked_at is None


def test_a_token_has_a_public_id_and_a_long_secret(tokens: TokenStore) -> None:
    token = tokens.create("newsroom", ["read"])
    prefix, token_id, secret = token.split("_", 2)
    assert prefix == "ptl"
    assert len(token_id) == 16
    assert len(secret) >= 43


def test_scopes_are_deduplicated_and_kept_in_a_fixed_order(tokens: TokenStore) -> None:
    tokens.create("auditor", ["audit", "read", "audit", " write "])
    assert tokens.list()[0].scopes == SCOPES


@pytest.mark.parametrize("scopes", [["admin"], ["read", "delete"], [], [""]])
def test_an_unknown_or_empty_scope_list_is_refused_naming_the_accepted_scopes(
    tokens: TokenStore, scopes: list[str]
) -> None:
    with pytest.raises(TokenError, match="accepted: read, write, audit"):
        tokens.create("newsroom", scopes)
    assert tokens.list() == []


@pytest.mark.parametrize("name", ["", "two words", "-dash", "x" * 65])
def test_a_malformed_name_is_refused(tokens: TokenStore, name: str) -> None:
    with pytest.raises(TokenError, match="invalid token name"):
        tokens.create(name, ["read"])


def test_a_name_held_by_an_active_token_cannot_be_taken_again(tokens: TokenStore) -> None:
    first = tokens.create("newsroom", ["read"])
    with pytest.raises(TokenError, match="'newsroom' is held by an active token"):
        tokens.create("newsroom", ["write"])
    assert [info.name for info in tokens.list()] == ["newsroom"]
    assert tokens.authenticate(first) is not None


def test_a_revoked_token_is_refused_but_still_listed(tokens: TokenStore) -> None:
    token = tokens.create("newsroom", ["write"])
    assert tokens.revoke("newsroom") is True
    assert tokens.authenticate(token) is None
    (info,) = tokens.list()
    assert info.name == "newsroom"
    assert info.revoked_at is not None


def test_revoking_a_name_with_no_active_token_reports_false(tokens: TokenStore) -> None:
    assert tokens.revoke("nobody") is False
    tokens.create("newsroom", ["read"])
    assert tokens.revoke("newsroom") is True
    assert tokens.revoke("newsroom") is False


def test_a_name_can_be_reused_after_its_token_is_revoked(tokens: TokenStore) -> None:
    old = tokens.create("newsroom", ["read"])
    tokens.revoke("newsroom")
    new = tokens.create("newsroom", ["read", "write"])
    assert tokens.authenticate(old) is None
    info = tokens.authenticate(new)
    assert info is not None
    assert info.scopes == ("read", "write")
    listed = tokens.list()
    assert [(i.name, i.revoked_at is None) for i in listed] == [
        ("newsroom", False),
        ("newsroom", True),
    ]


def test_only_a_hash_of_the_token_is_stored(tokens: TokenStore) -> None:
    token = tokens.create("newsroom", ["read", "write"])
    _, _, secret = token.split("_", 2)
    with tokens.db.read() as c:
        c.execute("SELECT * FROM api_tokens")
        rows = c.fetchall()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert token not in stored
    assert secret not in stored


@pytest.mark.parametrize(
    "wrong",
    [
        "",
        "ptl",
        "not-a-token",
        "ptl_0123456789abcdef_" + "A" * 43,
        "Bearer ptl_0123456789abcdef_secret",
    ],
)
def test_a_malformed_or_unknown_token_is_refused(tokens: TokenStore, wrong: str) -> None:
    tokens.create("newsroom", ["read"])
    assert tokens.authenticate(wrong) is None


def test_a_token_with_a_tampered_secret_is_refused(tokens: TokenStore) -> None:
    token = tokens.create("newsroom", ["read"])
    last = "B" if token[-1] != "B" else "C"
    assert tokens.authenticate(token[:-1] + last) is None
    assert tokens.authenticate(token[:-1]) is None
    assert tokens.authenticate(token + "x") is None


def test_a_token_is_refused_under_another_tokens_id(tokens: TokenStore) -> None:
    first = tokens.create("newsroom", ["read"])
    second = tokens.create("auditor", ["audit"])
    _, first_id, _ = first.split("_", 2)
    _, _, second_secret = second.split("_", 2)
    assert tokens.authenticate(f"ptl_{first_id}_{second_secret}") is None


def test_a_second_token_store_on_the_same_database_finds_the_tokens(
    tokens: TokenStore, store_config: StoreConfig
) -> None:
    token = tokens.create("newsroom", ["read"])
    db = open_database(store_config)
    try:
        again = TokenStore(db)  # the table exists: created once, not twice
        info = again.authenticate(token)
    finally:
        db.close()
    assert info is not None
    assert info.name == "newsroom"


def test_token_stores_starting_at_once_create_the_table_once(store_config: StoreConfig) -> None:
    databases = [open_database(store_config) for _ in range(4)]
    barrier = threading.Barrier(len(databases))

    def start(db: Database) -> TokenStore:
        barrier.wait()
        return TokenStore(db)

    try:
        with ThreadPoolExecutor(len(databases)) as pool:
            stores = list(pool.map(start, databases))
        token = stores[0].create("newsroom", ["read"])
        assert all(s.authenticate(token) is not None for s in stores)
    finally:
        for db in databases:
            db.close()


def test_a_store_made_before_the_hash_index_gets_it_when_its_tokens_are_opened(
    store_config: StoreConfig,
) -> None:
    db = open_database(store_config)
    try:
        with db.write() as c:
            c.execute(
                "CREATE TABLE api_tokens (token_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
                "scopes TEXT NOT NULL, hash TEXT NOT NULL, created_at TEXT NOT NULL, "
                "revoked_at TEXT)"
            )
        assert not db.table_exists("api_tokens_hash")
        TokenStore(db)
        assert db.table_exists("api_tokens_hash")
    finally:
        db.close()


def test_a_session_finds_its_token_by_hash_through_the_index(tmp_path: Path) -> None:
    db = open_database(parse_store_url(f"sqlite:///{tmp_path / 'timeline.db'}"))
    try:
        TokenStore(db)
        with db.read() as c:
            c.execute(
                "EXPLAIN QUERY PLAN SELECT name, scopes FROM api_tokens "
                "WHERE hash = ? AND revoked_at IS NULL",
                ("0" * 64,),
            )
            plan = " ".join(str(row[-1]) for row in c.fetchall())
    finally:
        db.close()
    assert "USING INDEX api_tokens_hash" in plan
