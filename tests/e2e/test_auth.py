"""Bearer tokens through the real app: 401 without a valid token, 403 without the scope.

A throwaway router here takes each dependency alone, so these tests hold for
whatever routes use them, audit routes included before they exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api import Settings, create_app
from api.auth import AuditorDep, ReaderDep, WriterDep
from api.tokens import TokenStore

probe = APIRouter(prefix="/probe")


@probe.post("/write")
def write(principal: WriterDep) -> dict[str, str | None]:
    return {"principal": principal}


@probe.get("/read")
def read(principal: ReaderDep) -> dict[str, str | None]:
    return {"principal": principal}


@probe.get("/audit")
def audit(principal: AuditorDep) -> dict[str, str | None]:
    return {"principal": principal}


def _app(tmp_path: Path, *, protect_reads: bool = False) -> FastAPI:
    app = create_app(Settings(db=f"sqlite:///{tmp_path / 't.db'}", protect_reads=protect_reads))
    app.include_router(probe)
    return app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(_app(tmp_path)) as client:
        yield client


@pytest.fixture
def protected(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(_app(tmp_path, protect_reads=True)) as client:
        yield client


def _tokens(client: TestClient) -> TokenStore:
    app = client.app
    assert isinstance(app, FastAPI)
    tokens: TokenStore = app.state.tokens
    return tokens


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_unauthorized(response: httpx2.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 401
    assert problem["title"] == "Unauthorized"


def test_a_write_without_a_token_is_refused_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.post("/probe/write")
    _assert_unauthorized(response)
    assert "Authorization: Bearer TOKEN" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "ptl_0123456789abcdef_secret", "Token abc"],
)
def test_a_malformed_authorization_header_is_refused(client: TestClient, header: str) -> None:
    _assert_unauthorized(client.post("/probe/write", headers={"Authorization": header}))


def test_an_unknown_token_is_refused(client: TestClient) -> None:
    response = client.post("/probe/write", headers=_bearer("ptl_0123456789abcdef_" + "A" * 43))
    _assert_unauthorized(response)
    assert response.json()["detail"] == "the token is unknown or revoked"


def test_a_token_with_a_tampered_secret_is_refused(client: TestClient) -> None:
    token = _tokens(client).create("newsroom", ["write"])
    tampered = token[:-1] + ("B" if token[-1] != "B" else "C")
    _assert_unauthorized(client.post("/probe/write", headers=_bearer(tampered)))


def test_a_revoked_token_is_refused(client: TestClient) -> None:
    token = _tokens(client).create("newsroom", ["write"])
    assert client.post("/probe/write", headers=_bearer(token)).status_code == 200
    _tokens(client).revoke("newsroom")
    _assert_unauthorized(client.post("/probe/write", headers=_bearer(token)))


def test_a_write_with_a_write_token_names_the_token_as_principal(client: TestClient) -> None:
    token = _tokens(client).create("newsroom", ["write"])
    response = client.post("/probe/write", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {"principal": "newsroom"}


def test_a_token_without_the_write_scope_is_forbidden_naming_the_scope(
    client: TestClient,
) -> None:
    token = _tokens(client).create("reader", ["read", "audit"])
    response = client.post("/probe/write", headers=_bearer(token))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "www-authenticate" not in response.headers
    problem = response.json()
    assert problem["title"] == "Forbidden"
    assert "lacks the scope 'write'" in problem["detail"]


def test_the_audit_routes_need_the_audit_scope(client: TestClient) -> None:
    writer = _tokens(client).create("newsroom", ["read", "write"])
    auditor = _tokens(client).create("auditor", ["audit"])
    _assert_unauthorized(client.get("/probe/audit"))
    refused = client.get("/probe/audit", headers=_bearer(writer))
    assert refused.status_code == 403
    assert "lacks the scope 'audit'" in refused.json()["detail"]
    allowed = client.get("/probe/audit", headers=_bearer(auditor))
    assert allowed.status_code == 200
    assert allowed.json() == {"principal": "auditor"}


def test_reads_are_open_without_a_token_by_default(client: TestClient) -> None:
    response = client.get("/probe/read")
    assert response.status_code == 200
    assert response.json() == {"principal": None}


def test_open_reads_ignore_whatever_token_is_sent(client: TestClient) -> None:
    response = client.get("/probe/read", headers=_bearer("not-a-token"))
    assert response.status_code == 200
    assert response.json() == {"principal": None}


def test_protected_reads_need_a_token_with_the_read_scope(protected: TestClient) -> None:
    writer = _tokens(protected).create("newsroom", ["write"])
    reader = _tokens(protected).create("analyst", ["read"])
    _assert_unauthorized(protected.get("/probe/read"))
    refused = protected.get("/probe/read", headers=_bearer(writer))
    assert refused.status_code == 403
    assert "lacks the scope 'read'" in refused.json()["detail"]
    allowed = protected.get("/probe/read", headers=_bearer(reader))
    assert allowed.status_code == 200
    assert allowed.json() == {"principal": "analyst"}


def test_reads_are_protected_when_the_environment_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_PROTECT_READS", "true")
    app = create_app(Settings(db=f"sqlite:///{tmp_path / 't.db'}"))
    app.include_router(probe)
    with TestClient(app) as client:
        _assert_unauthorized(client.get("/probe/read"))


def test_the_openapi_document_declares_the_bearer_scheme_on_guarded_routes(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["type"] == "http"
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
    assert document["paths"]["/probe/write"]["post"]["security"] == [{"HTTPBearer": []}]
    assert document["paths"]["/probe/audit"]["get"]["security"] == [{"HTTPBearer": []}]
