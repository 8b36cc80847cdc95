"""Input hygiene of the certificates API: a revocation or re-issue reason is published and
shown to verifiers, so it must be visible, valid text; a presented credential must be JSON
with finite numbers and valid text. A refusal is a 422 naming the field and the rule, and
nothing is revoked, issued or published."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.integration.certificates.conftest import Service, placement

pytestmark = pytest.mark.integration


async def post_raw(client: httpx.AsyncClient, url: str, body: Any) -> httpx.Response:
    content = json.dumps(body, ensure_ascii=True, allow_nan=True)
    return await client.post(url, content=content, headers={"Content-Type": "application/json"})


def the_error(response: httpx.Response) -> tuple[list[str | int], str]:
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    return error["loc"], error["type"]


async def issued(service: Service) -> uuid.UUID:
    p = placement()
    await service.publish_placement(p)
    return await service.issued(p.placement_id)


@pytest.mark.parametrize("action", ["revoke", "reissue"])
@pytest.mark.parametrize(
    ("reason", "rule"),
    [
        ("Fel\x00namn", "text.control_character"),
        ("Fel namn\nrad två", "text.control_character"),  # one line, as the page shows it
        ("\u202eFel namn", "text.bidi_control"),
        ("\u200b\u2060", "text.invisible"),
        ("Fel\ud800", "text.surrogate"),
    ],
)
async def test_a_reason_must_be_visible_text(
    service: Service, action: str, reason: str, rule: str
) -> None:
    certificate_id = await issued(service)
    published = len(await service.published())

    async with service.client("sf") as client:
        response = await post_raw(
            client, f"/certificates/{certificate_id}/{action}", {"reason": reason}
        )
        after = (await client.get(f"/certificates/{certificate_id}")).json()

    assert the_error(response) == (["body", "reason"], rule)
    assert after["status"] == "valid"
    assert await service.count("SELECT count(*) FROM certificates") == 1
    assert len(await service.published()) == published


async def presented(service: Service) -> dict[str, Any]:
    certificate_id = await issued(service)
    async with service.client("sf") as client:
        document: dict[str, Any] = (
            await client.get(f"/certificates/{certificate_id}/credential")
        ).json()
    return document


@pytest.mark.parametrize(
    ("change", "rule", "path"),
    [
        ({"score": float("nan")}, "finite_number", "score"),
        ({"score": float("-inf")}, "finite_number", "score"),
        ({"note": "a\x00b"}, "text.control_character", "note"),
        ({"note": ["ok", "\u2066x"]}, "text.bidi_control", "note[1]"),
        ({"note": {"inner": "a\ud800"}}, "text.surrogate", "note.inner"),
    ],
)
async def test_a_presented_credential_must_be_valid_json_text(
    service: Service, change: dict[str, Any], rule: str, path: str
) -> None:
    document = await presented(service) | change
    async with service.client(None) as public:
        response = await post_raw(public, "/verify", document)

    assert the_error(response) == (["body"], rule)
    assert response.json()["detail"][0]["msg"].startswith(f"{path}:")


async def test_a_presented_credential_with_line_breaks_is_still_checked(service: Service) -> None:
    document = await presented(service)
    async with service.client(None) as public:
        genuine = await public.post("/verify", json=document)
        altered = await public.post("/verify", json=document | {"note": "rad ett\nrad två"})

    assert genuine.status_code == altered.status_code == 200
    assert genuine.json()["genuine"] is True
    assert altered.json()["genuine"] is False  # valid text, but not what was signed
