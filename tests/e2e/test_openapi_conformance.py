"""The API against its own OpenAPI document: schemathesis, in process, every default check.

Hypothesis draws requests from the document (valid ones and, for negative
checks, invalid ones) and schemathesis checks each answer: no 5xx, only
documented statuses, content types and headers, bodies that match their
schema, schema-invalid input refused, schema-valid input accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.python import asgi

from api import Settings, create_app
from api.tokens import TokenStore
from domain import parse_store_url
from projections.database import open_database
from scripts.cli import main
from tests.e2e.conftest import TestClient

# A schema says what a slug, an EDTF date or a log position looks like; it
# cannot say which actors are registered, which dates exist or how far the
# log has grown. The API answers such input with 422 naming the field, so a
# schema-valid request may be refused with 422, and only with 422. Nor can a
# schema bound a whole body's bytes: 200 items of 20,000 characters each are
# schema-valid and far over the 1 MiB limit, which is answered 413.
ACCEPTED = ["2xx", "401", "403", "404", "409", "413", "422"]
REFUSED = ["400", "401", "403", "404", "406", "413", "422"]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    folder = tmp_path_factory.mktemp("conformance")
    url = f"sqlite:///{folder / 'timeline.db'}"
    # With a key, so the signed-checkpoint routes answer what they document for
    # a working log (without one they are 503 by design).
    assert main(["keys", "create", "--out", str(folder / "log.key")]) == 0
    assert main(["--db", url, "load-sample"]) == 0
    db = open_database(parse_store_url(url))
    token = TokenStore(db).create("schemathesis", ["read", "write", "audit"])
    db.close()
    config = schemathesis.Config.from_dict(
        {
            "auth": {"openapi": {"HTTPBearer": {"bearer": token}}},
            # Extra headers are added by every proxy on the way; no API can refuse them.
            # Ten random cases an operation beside the coverage phase's: 2.6 minutes
            # on a 2-core machine where 25 took 4.3. `make schemathesis` runs 20
            # over HTTP, every phase, stateful too (docs/schemathesis.md).
            "generation": {"max-examples": 10, "allow-extra-parameters": False},
            "checks": {
                "positive_data_acceptance": {"expected-statuses": ACCEPTED},
                # A body over 1 MiB is refused before it is read, whatever else is wrong.
                "negative_data_rejection": {"expected-statuses": REFUSED},
            },
        }
    )
    app = create_app(Settings(db=url, signing_key=str(folder / "log.key")))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    yield schema
    asgi.shutdown_lifespans()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_answer_conforms_to_the_openapi_document(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


@pytest.mark.parametrize("protect_reads", [False, True])
def test_the_document_says_which_routes_need_a_token(protect_reads: bool, tmp_path: Path) -> None:
    app = create_app(Settings(db=f"sqlite:///{tmp_path / 't.db'}", protect_reads=protect_reads))
    paths = app.openapi()["paths"]

    bearer: list[dict[str, list[str]]] = [{"HTTPBearer": []}]
    read = bearer if protect_reads else [*bearer, {}]
    assert paths["/api/v1/timeline"]["get"]["security"] == read
    assert paths["/api/v1/entries/{entry_id}"]["get"]["security"] == read
    assert paths["/api/v1/stream"]["get"]["security"] == read
    assert paths["/api/v1/entries"]["post"]["security"] == bearer
    assert "x-read" not in str(paths)


def test_no_page_loads_scripts_from_elsewhere(tmp_path: Path) -> None:
    app = create_app(Settings(db=f"sqlite:///{tmp_path / 't.db'}"))
    with TestClient(app) as client:
        assert client.get("/openapi.json").status_code == 200
        docs = client.get("/docs")
        assert docs.status_code == 200
        # FastAPI's own pages load Swagger UI and Redoc from a CDN: /docs is the
        # package's copy, and /redoc is off.
        assert "swagger-ui-bundle.js" in docs.text
        assert not re.findall(r'(?:src|href)="(?:https?:)?//', docs.text)
        assert client.get("/redoc").status_code == 404
