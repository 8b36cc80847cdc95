"""Input hygiene: text that would break the database, an event or a reader, numbers that are not
numbers and dates that are not dates are refused with a 422 naming the field and the rule, and
nothing is stored or emitted. Identifiers are NFKC-normalised; the workplace filter is literal."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.integration.placements.conftest import Placements, registration

pytestmark = pytest.mark.integration


def fullwidth(text: str) -> str:
    """ASCII digits, letters and the hyphen as a Japanese or Chinese keyboard types them."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


async def post_raw(client: httpx.AsyncClient, url: str, body: Any) -> httpx.Response:
    """JSON written with escapes (``\\ud800``, ``NaN``) that a strict encoder would refuse."""
    content = json.dumps(body, ensure_ascii=True, allow_nan=True)
    return await client.post(url, content=content, headers={"Content-Type": "application/json"})


def the_error(response: httpx.Response) -> tuple[list[str | int], str]:
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    return error["loc"], error["type"]


async def stored(placements: Placements) -> tuple[int, int, int]:
    """Placements, history entries and outbox rows: what a refused request must not add to."""
    async with placements.pool.acquire() as conn:
        return (
            await conn.fetchval("SELECT count(*) FROM placements"),
            await conn.fetchval("SELECT count(*) FROM placement_events"),
            await conn.fetchval("SELECT count(*) FROM outbox"),
        )


def with_participant(**changes: Any) -> dict[str, Any]:
    participant = registration()["participant"] | changes
    return {"participant": participant}


REGISTRATION_RULES = [
    (
        with_participant(given_name="Amina\x00"),
        ["participant", "given_name"],
        "text.control_character",
    ),
    (
        with_participant(family_name="Has\ud800san"),
        ["participant", "family_name"],
        "text.surrogate",
    ),
    (
        with_participant(personnummer="19990315\x00"),
        ["participant", "personnummer"],
        "text.control_character",
    ),
    ({"role": "Bibliotek\u202eassistent"}, ["role"], "text.bidi_control"),
    ({"role": "\u2067Bibliotek\u2069"}, ["role"], "text.bidi_control"),
    ({"workplace": {"name": "\u200b\u200b"}}, ["workplace", "name"], "text.invisible"),
    (
        {"workplace": {"name": "Bibliotek", "unit": "\u3164"}},
        ["workplace", "unit"],
        "text.invisible",
    ),
    ({"supervisor": {"name": "\ufeff"}}, ["supervisor", "name"], "text.invisible"),
    (
        {"supervisor": {"name": "Karin", "phone": "070\x1b[31m"}},
        ["supervisor", "phone"],
        "text.control_character",
    ),
    ({"tasks": ["Låna ut böcker", "Städa\x00"]}, ["tasks", 1], "text.control_character"),
    ({"tasks": ["Rad ett\nrad två"]}, ["tasks", 0], "text.control_character"),  # a task is one line
    ({"placement_type": "extra\x00tjanst"}, ["placement_type"], "text.control_character"),
    (
        {
            "planned_value_added": [
                {"beneficiary": "workplace", "category": "x", "description": "a\x07"}
            ]
        },
        ["planned_value_added", 0, "description"],
        "text.control_character",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "rule"), REGISTRATION_RULES)
async def test_text_rules_name_the_field_and_store_nothing(
    placements: Placements, overrides: dict[str, Any], field: list[str | int], rule: str
) -> None:
    async with placements.client() as client:
        response = await post_raw(client, "/placements", registration(**overrides))

    assert the_error(response) == (["body", *field], rule)
    assert await stored(placements) == (0, 0, 0)


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"employment_rate": True}, "employment_rate", "int_type"),
        ({"employment_rate": "50"}, "employment_rate", "int_type"),
        ({"employment_rate": 50.0}, "employment_rate", "int_type"),
        ({"employment_rate": float("nan")}, "employment_rate", "int_type"),
        ({"employment_rate": float("inf")}, "employment_rate", "int_type"),
        ({"start_date": 1767225600}, "start_date", "date_format"),
        ({"start_date": "1767225600"}, "start_date", "date_format"),
        ({"planned_end_date": "2026-12-31T00:00:00"}, "planned_end_date", "date_format"),
        ({"planned_end_date": "2025-12-31"}, "planned_end_date", "dates_in_order"),
    ],
)
async def test_strict_numbers_and_dates(
    placements: Placements, overrides: dict[str, Any], field: str, rule: str
) -> None:
    async with placements.client() as client:
        response = await post_raw(client, "/placements", registration(**overrides))

    assert the_error(response) == (["body", field], rule)
    assert await stored(placements) == (0, 0, 0)


async def test_free_text_keeps_its_line_breaks(placements: Placements) -> None:
    value_added = {
        "beneficiary": "workplace",
        "category": "okad-service-till-invanare",
        "description": "Rad ett\nrad två\tmed tabb",
    }
    async with placements.client() as client:
        response = await client.post(
            "/placements", json=registration(planned_value_added=[value_added])
        )
    assert response.status_code == 201, response.text
    assert response.json()["value_added"][0]["description"] == "Rad ett\nrad två\tmed tabb"


async def test_a_fullwidth_personnummer_is_the_same_person(placements: Placements) -> None:
    typed = registration()["participant"]["personnummer"]
    wide = with_participant(personnummer=fullwidth(typed))
    async with placements.client() as client:
        first = (await client.post("/placements", json=registration())).json()
        twice = await client.post("/placements", json=registration(**wide))
        meant = await client.post("/placements", json=registration(**wide, overlap_intended=True))

    assert twice.status_code == 409  # the same person's second placement, not a new person
    assert twice.json()["detail"][0]["ctx"]["existing_placement_id"] == first["id"]
    assert meant.status_code == 201, meant.text
    assert meant.json()["participant"] == first["participant"]  # same number, same pseudonym


async def test_codes_are_normalised_before_they_are_checked(placements: Placements) -> None:
    async with placements.client() as client:
        placement = (await client.post("/placements", json=registration())).json()
        ended = await client.post(
            f"/placements/{placement['id']}/end",
            json={"end_date": "2026-06-30", "outcome": fullwidth("A")},
        )
    assert ended.status_code == 200, ended.text
    assert ended.json()["outcome"] == "A"


COMMAND_RULES = [
    (
        "planned-end",
        {"planned_end_date": "2026-12-01", "reason": "Förlängd\x00"},
        ["reason"],
        "text.control_character",
    ),
    (
        "assessments",
        {
            "module": "sprak",
            "level": "B1",
            "assessed_on": "2026-03-01",
            "assessor": "handledare",
            "comment": "\u202eok",
        },
        ["comment"],
        "text.bidi_control",
    ),
    (
        "assessments",
        {"module": "sprak", "level": "B1", "assessed_on": 1772323200, "assessor": "handledare"},
        ["assessed_on"],
        "date_format",
    ),
    (
        "assessment-rounds",
        {
            "assessed_on": "2026-03-01",
            "assessor": "handledare",
            "modules": [{"module": "sprak", "level": "B1"}, {"module": "sprak", "level": "B2"}],
        },
        ["modules"],
        "unique_modules",
    ),
    (
        "value-added",
        {"beneficiary": "workplace", "category": "\u200b"},
        ["category"],
        "text.invisible",
    ),
    ("end", {"end_date": "2026-06-30", "outcome": "A\ud800"}, ["outcome"], "text.surrogate"),
]


@pytest.mark.parametrize(("action", "body", "field", "rule"), COMMAND_RULES)
async def test_command_rules_name_the_field_and_emit_nothing(
    placements: Placements, action: str, body: dict[str, Any], field: list[str], rule: str
) -> None:
    async with placements.client() as client:
        placement = (await client.post("/placements", json=registration())).json()
        before = await stored(placements)
        response = await post_raw(client, f"/placements/{placement['id']}/{action}", body)
        after = (await client.get(f"/placements/{placement['id']}")).json()

    assert the_error(response) == (["body", *field], rule)
    assert await stored(placements) == before
    assert after["sequence"] == placement["sequence"]


async def test_the_workplace_filter_matches_wildcards_literally(placements: Placements) -> None:
    async with placements.client() as client:
        await client.post("/placements", json=registration())  # Stadsbiblioteket
        literal = await client.post(
            "/placements",
            json=registration(
                workplace={"name": "Café 100% ekologiskt_kök"}, overlap_intended=True
            ),
        )
        assert literal.status_code == 201, literal.text

        async def names(workplace: str) -> list[str]:
            response = await client.get("/placements", params={"workplace": workplace})
            assert response.status_code == 200, response.text
            return [p["workplace"]["name"] for p in response.json()["items"]]

        assert await names("%") == ["Café 100% ekologiskt_kök"]
        assert await names("_") == ["Café 100% ekologiskt_kök"]
        assert await names("s_adsbibliotek") == []
        assert await names("\\") == []
        assert await names("stadsbibliotek") == ["Stadsbiblioteket"]


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"workplace": "bibliotek\x00"}, "workplace", "text.control_character"),
        ({"workplace": "\u202ebibliotek"}, "workplace", "text.bidi_control"),
        ({"placement_type": "\x00"}, "placement_type", "text.control_character"),
        ({"active_from": "0"}, "active_from", "date_format"),
        ({"active_to": "1767225600"}, "active_to", "date_format"),
        ({"cursor": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}, "cursor", "cursor"),  # beyond a bigint
        ({"cursor": "\x00"}, "cursor", "text.control_character"),
    ],
)
async def test_list_filters_follow_the_same_rules(
    placements: Placements, params: dict[str, str], field: str, rule: str
) -> None:
    async with placements.client() as client:
        response = await client.get("/placements", params=params)
    assert the_error(response) == (["query", field], rule)


async def test_an_idempotency_key_is_one_line_of_text(placements: Placements) -> None:
    async with placements.client(**{"Idempotency-Key": "key\x00one"}) as client:
        response = await client.post("/placements", json=registration())
    assert the_error(response) == (["header", "Idempotency-Key"], "text.control_character")
    assert await stored(placements) == (0, 0, 0)


@pytest.mark.parametrize("intended", ["yes", 1, "true"])
async def test_an_intended_overlap_is_a_boolean(placements: Placements, intended: Any) -> None:
    async with placements.client() as client:
        response = await client.post("/placements", json=registration(overlap_intended=intended))
    assert the_error(response) == (["body", "overlap_intended"], "bool_type")
    assert await stored(placements) == (0, 0, 0)


async def test_a_search_is_refused_as_a_registration_is(placements: Placements) -> None:
    typed = registration()["participant"]["personnummer"]
    async with placements.client() as client:
        await client.post("/placements", json=registration())
        found = await client.post("/participants/search", json={"personnummer": fullwidth(typed)})
        refused = await client.post("/participants/search", json={"personnummer": typed + "\x00"})
        cursor = await client.post(
            "/participants/search", params={"cursor": "\x00"}, json={"personnummer": typed}
        )
    assert [p["participant"]["personnummer"] for p in found.json()["items"]] == [
        f"{typed[:8]}-{typed[-4:]}"
    ]
    assert the_error(refused) == (["body", "personnummer"], "text.control_character")
    assert the_error(cursor) == (["query", "cursor"], "text.control_character")
