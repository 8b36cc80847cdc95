"""The HTTP plumbing every service builds its app with: callers by role, the error table, the
correlation id and the operations endpoints."""

from __future__ import annotations

import json
from typing import Annotated

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Depends

from runtime.http.app import service_app
from runtime.http.auth import (
    FORVALTNING,
    OPERATOR,
    Caller,
    Clients,
    Organisation,
    bearer,
    token_hash,
)
from runtime.http.errors import field_error

router = APIRouter()


class Missing(Exception):
    pass


class Broken(Exception):
    pass


@router.get("/mine")
async def mine(org: Organisation) -> dict[str, str]:
    return {"organisation": org}


@router.get("/either")
async def either(
    caller: Annotated[Caller, Depends(bearer(FORVALTNING, OPERATOR, detail="who are you?"))],
) -> dict[str, str]:
    return {"role": caller.role, "subject": caller.subject}


@router.post("/echo")
async def echo(body: dict[str, int]) -> dict[str, int]:
    return body


@router.get("/missing")
async def missing() -> None:
    raise Missing("no such thing")


@router.get("/broken")
async def broken() -> None:
    raise Broken


async def failing_check() -> None:
    raise ConnectionError("gone")


async def passing_check() -> None:
    return None


def client(*, ready: bool = True) -> httpx.AsyncClient:
    app = service_app(
        title="t",
        description="d",
        routers=[router],
        clients={
            FORVALTNING: Clients({"sef": [token_hash("sef-token")]}),
            OPERATOR: Clients.role(OPERATOR, [token_hash("op-token")]),
        },
        readiness={"database": passing_check if ready else failing_check},
        errors={Missing: 404, Broken: lambda _: field_error(["body", "x"], "bad", "rule")},
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_forvaltning_token_names_its_organisation() -> None:
    async with client() as http:
        ok = await http.get("/mine", headers={"Authorization": "Bearer sef-token"})
        wrong = await http.get("/mine", headers={"Authorization": "Bearer op-token"})
        none = await http.get("/mine")
    assert ok.json() == {"organisation": "sef"}
    assert wrong.status_code == none.status_code == 401
    assert none.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("sef-token", {"role": FORVALTNING, "subject": "sef"}),
        ("op-token", {"role": OPERATOR, "subject": OPERATOR}),
    ],
)
async def test_a_route_may_take_several_roles(token: str, expected: dict[str, str]) -> None:
    async with client() as http:
        response = await http.get("/either", headers={"Authorization": f"Bearer {token}"})
        refused = await http.get("/either", headers={"Authorization": "Bearer nobody"})
    assert response.json() == expected
    assert refused.json() == {"detail": "who are you?"}


async def test_domain_errors_answer_from_the_table() -> None:
    async with client() as http:
        missing = await http.get("/missing")
        broken = await http.get("/broken")
    assert (missing.status_code, missing.json()) == (404, {"detail": "no such thing"})
    assert broken.status_code == 422
    assert broken.json() == {"detail": [{"loc": ["body", "x"], "msg": "bad", "type": "rule"}]}


async def test_correlation_id_is_echoed_or_made() -> None:
    async with client() as http:
        given = await http.get("/health", headers={"X-Correlation-ID": "abc"})
        made = await http.get("/health")
    assert given.headers["X-Correlation-ID"] == "abc"
    assert len(made.headers["X-Correlation-ID"]) == 36


async def test_ready_answers_503_with_the_failing_check() -> None:
    async with client(ready=False) as http:
        response = await http.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ConnectionError: gone"}
    async with client() as http:
        assert (await http.get("/ready")).status_code == 200
        assert (await http.get("/metrics")).text.startswith("# HELP")


async def test_a_correlation_id_with_control_characters_or_spaces_is_replaced() -> None:
    async with client() as http:
        for bad in ("abc\x00", "a b", "x" * 129):
            response = await http.get("/health", headers={"X-Correlation-ID": bad})
            assert len(response.headers["X-Correlation-ID"]) == 36


@pytest.mark.parametrize(
    ("content", "echoed"),
    [
        (json.dumps({"n": float("nan")}), "nan"),
        (json.dumps({"n": float("-inf")}), "-inf"),
        (json.dumps({"n": "\ud800"}), "\\ud800"),
    ],
)
async def test_a_422_echoes_what_json_cannot_hold_without_failing(
    content: str, echoed: str
) -> None:
    async with client() as http:
        response = await http.post(
            "/echo", content=content, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["input"]) == (["body", "n"], echoed)


async def test_a_body_that_is_not_utf8_is_invalid_json_not_a_bad_request() -> None:
    async with client() as http:
        response = await http.post(
            "/echo", content=b'{"n": "\xff"}', headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@router.get("/database-gone")
async def database_gone(error: str) -> None:
    raise {
        "refused": ConnectionRefusedError(111, "Connect call failed"),
        "lost": asyncpg.ConnectionDoesNotExistError("connection was closed"),
        "restarting": asyncpg.CannotConnectNowError("the database system is starting up"),
        "closed": asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
        "misuse": asyncpg.InterfaceError("another operation is in progress"),
    }[error]


@pytest.mark.parametrize("error", ["refused", "lost", "restarting", "closed"])
async def test_an_unreachable_database_is_a_503_to_retry_not_a_500(error: str) -> None:
    async with client() as http:
        response = await http.get("/database-gone", params={"error": error})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "try again" in response.json()["detail"]


async def test_misusing_a_connection_is_still_our_bug() -> None:
    async with client() as http:
        response = await http.get("/database-gone", params={"error": "misuse"})
    assert response.status_code == 500


async def test_every_route_documents_the_503() -> None:
    async with client() as http:
        paths = (await http.get("/openapi.json")).json()["paths"]
    for path in ("/mine", "/echo", "/database-gone"):
        [operation] = paths[path].values()
        assert "Retry-After" in operation["responses"]["503"]["headers"], path
