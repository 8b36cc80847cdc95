"""Every endpoint's happy path, and each validation rule's error."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.placements.conftest import Placements, participant, registration
from tools.samples import personnummer

pytestmark = pytest.mark.integration


async def register(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/placements", json=registration(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def error_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    return dict(error)


async def test_register_a_placement(placements: Placements) -> None:
    async with placements.client() as client:
        response = await client.post("/placements", json=registration())
    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"] == f"/placements/{body['id']}"
    assert body["organisation"] == "sf"
    assert body["status"] == "active"
    assert (
        body["participant"]["personnummer"]
        == "19990315-4121"[:9] + body["participant"]["personnummer"][9:]
    )
    assert body["participant"]["given_name"] == "Amina"
    assert len(body["participant"]["participant_ref"]) == 64
    assert body["employment_rate"] == 75
    [entry] = body["value_added"]
    assert uuid.UUID(entry.pop("id"))  # what a correction names it by
    assert entry == {
        "stage": "planned",
        "beneficiary": "workplace",
        "category": "okad-service-till-invanare",
        "description": "Längre öppettider i barnavdelningen",
    }
    assert body["sequence"] == 1


async def test_the_whole_life_of_a_placement(placements: Placements) -> None:
    async with placements.client() as client:
        placement = await register(client)
        url = f"/placements/{placement['id']}"

        extended = await client.post(
            f"{url}/planned-end", json={"planned_end_date": "2027-03-31", "reason": "Förlängd"}
        )
        assert extended.status_code == 200, extended.text
        assert extended.json()["planned_end_date"] == "2027-03-31"

        for level, day in (("A2", "2026-02-01"), ("B1", "2026-09-01")):
            assessed = await client.post(
                f"{url}/assessments",
                json={
                    "module": "sprak",
                    "level": level,
                    "criteria_met": ["sprak.muntlig-interaktion"],
                    "assessed_on": day,
                    "assessor": "handledare",
                    "comment": "Tar egna initiativ till samtal med besökare.",
                },
            )
            assert assessed.status_code == 200, assessed.text
        valued = await client.post(
            f"{url}/value-added",
            json={
                "beneficiary": "individual",
                "category": "sprakutveckling",
                "description": "Från A2 till B1",
            },
        )
        assert valued.status_code == 200, valued.text
        ended = await client.post(f"{url}/end", json={"end_date": "2027-03-31", "outcome": "A"})
        assert ended.status_code == 200, ended.text

        read = (await client.get(url)).json()

    assert read["status"] == "ended"
    assert read["outcome"] == "A"
    assert [a["level"] for a in read["assessments"]] == ["A2", "B1"]
    assert read["value_added"][-1]["stage"] == "realised"
    assert [(e["sequence"], e["event_type"]) for e in read["events"]] == [
        (1, "PlacementStarted"),
        (2, "PlacementUpdated"),
        (3, "ModuleAssessed"),
        (4, "ModuleAssessed"),
        (5, "ValueAddedRecorded"),
        (6, "PlacementEnded"),
    ]
    assert read["events"][-1]["payload"] == {"end_date": "2027-03-31", "outcome": "A"}


async def test_list_filters_and_pages(placements: Placements) -> None:
    async with placements.client() as client:
        for i in range(5):
            await register(
                client,
                participant=participant(i),
                role=f"Roll {i}",
                workplace={"name": f"Park {i % 2}"},
            )
        first = await register(
            client,
            participant=participant(5),
            placement_type="lonebidrag",
            start_date="2025-01-01",
            planned_end_date="2025-06-30",
        )
        ended = await register(client)
        await client.post(
            f"/placements/{ended['id']}/end", json={"end_date": "2026-05-01", "outcome": "B"}
        )

        page = (await client.get("/placements", params={"limit": 3})).json()
        assert len(page["items"]) == 3
        rest = (await client.get("/placements", params={"cursor": page["next_cursor"]})).json()
        assert rest["next_cursor"] is None
        assert len(page["items"]) + len(rest["items"]) == 7
        assert {p["id"] for p in page["items"]}.isdisjoint({p["id"] for p in rest["items"]})

        by_type = (await client.get("/placements", params={"placement_type": "lonebidrag"})).json()
        assert [p["id"] for p in by_type["items"]] == [first["id"]]
        by_status = (await client.get("/placements", params={"status": "ended"})).json()
        assert [p["id"] for p in by_status["items"]] == [ended["id"]]
        by_workplace = (await client.get("/placements", params={"workplace": "park 1"})).json()
        assert len(by_workplace["items"]) == 2
        in_2025 = (
            await client.get(
                "/placements", params={"active_from": "2025-03-01", "active_to": "2025-12-31"}
            )
        ).json()
        assert [p["id"] for p in in_2025["items"]] == [first["id"]]
        supervised = await register(
            client,
            participant=participant(6),
            supervisor={"name": "Sara Ek", "email": "sara.ek@stad.example"},
        )
        by_supervisor = (
            await client.get("/placements", params={"supervisor": "Sara.Ek@stad.example"})
        ).json()
        assert [p["id"] for p in by_supervisor["items"]] == [supervised["id"]]

        bad_cursor = await client.get("/placements", params={"cursor": "!!"})
        assert bad_cursor.status_code == 422


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("9003151234", "personnummer.format"),
        ("19990231-1234", "personnummer.date"),
        ("19990315-4120", "personnummer.check_digit"),
    ],
)
async def test_personnummer_is_checked(placements: Placements, value: str, rule: str) -> None:
    body = registration()
    body["participant"]["personnummer"] = value
    async with placements.client() as client:
        error = error_of(await client.post("/placements", json=body))
    assert error["loc"] == ["body", "participant", "personnummer"]
    assert error["type"] == rule
    assert "personnummer" in error["msg"]


async def test_samordningsnummer_is_accepted(placements: Placements) -> None:
    body = registration()
    body["participant"]["personnummer"] = personnummer("19990375", "412")  # day 15 + 60
    async with placements.client() as client:
        await register(client, participant=body["participant"])


@pytest.mark.parametrize(
    ("overrides", "loc", "rule"),
    [
        ({"planned_end_date": "2025-12-31"}, ["body", "planned_end_date"], "dates_in_order"),
        ({"employment_rate": 0}, ["body", "employment_rate"], "greater_than_equal"),
        ({"employment_rate": 101}, ["body", "employment_rate"], "less_than_equal"),
        ({"placement_type": "sommarjobb"}, ["body", "placement_type"], "reference_data"),
        (
            {
                "planned_value_added": [
                    {"beneficiary": "individual", "category": "okad-service-till-invanare"}
                ]
            },
            ["body", "planned_value_added", "0", "category"],
            "reference_data",
        ),
    ],
)
async def test_registration_rules(
    placements: Placements, overrides: dict[str, Any], loc: list[str], rule: str
) -> None:
    async with placements.client() as client:
        error = error_of(await client.post("/placements", json=registration(**overrides)))
    assert error["loc"] == loc
    assert error["type"] == rule
    assert error["msg"]


@pytest.mark.parametrize(
    ("path", "body", "field", "rule"),
    [
        ("planned-end", {"planned_end_date": "2025-01-01"}, "planned_end_date", "dates_in_order"),
        ("end", {"end_date": "2025-01-01", "outcome": "A"}, "end_date", "dates_in_order"),
        ("end", {"end_date": "2026-06-01", "outcome": "F"}, "outcome", "reference_data"),
        (
            "assessments",
            {
                "module": "simning",
                "level": "1",
                "assessed_on": "2026-02-01",
                "assessor": "handledare",
            },
            "module",
            "reference_data",
        ),
        (
            "assessments",
            {
                "module": "sprak",
                "level": "3",
                "assessed_on": "2026-02-01",
                "assessor": "handledare",
            },
            "level",
            "reference_data",
        ),
        (
            "assessments",
            {
                "module": "sprak",
                "level": "B1",
                "criteria_met": ["sprak.simma"],
                "assessed_on": "2026-02-01",
                "assessor": "handledare",
            },
            "criteria_met",
            "reference_data",
        ),
        (
            "assessments",
            {
                "module": "sprak",
                "level": "B1",
                "assessed_on": "2025-02-01",
                "assessor": "handledare",
            },
            "assessed_on",
            "dates_in_order",
        ),
        (
            "value-added",
            {"beneficiary": "workplace", "category": "sprakutveckling"},
            "category",
            "reference_data",
        ),
    ],
)
async def test_command_rules(
    placements: Placements, path: str, body: dict[str, Any], field: str, rule: str
) -> None:
    async with placements.client() as client:
        placement = await register(client)
        error = error_of(await client.post(f"/placements/{placement['id']}/{path}", json=body))
    assert error["loc"] == ["body", field]
    assert error["type"] == rule


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "assessments",
            {
                "module": "sprak",
                "level": "B1",
                "assessed_on": "2026-05-01",
                "assessor": "handledare",
            },
        ),
        ("value-added", {"beneficiary": "individual", "category": "sprakutveckling"}),
        ("planned-end", {"planned_end_date": "2026-12-01"}),
        ("end", {"end_date": "2026-06-01", "outcome": "A"}),
    ],
)
async def test_nothing_changes_on_an_ended_placement(
    placements: Placements, path: str, body: dict[str, Any]
) -> None:
    async with placements.client() as client:
        placement = await register(client)
        url = f"/placements/{placement['id']}"
        assert (
            await client.post(f"{url}/end", json={"end_date": "2026-05-31", "outcome": "D"})
        ).status_code == 200
        error = error_of(await client.post(f"{url}/{path}", json=body))
        assert error["type"] == "placement_ended"
        assert "2026-05-31" in error["msg"]
        assert (await client.get(url)).json()["sequence"] == 2


async def test_unknown_fields_are_refused(placements: Placements) -> None:
    async with placements.client() as client:
        response = await client.post("/placements", json=registration(salary=25000))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "salary"]


async def test_correlation_id_is_echoed_and_generated(placements: Placements) -> None:
    async with placements.client(**{"X-Correlation-ID": "case-42"}) as client:
        given = await client.post("/placements", json=registration())
    async with placements.client() as client:
        generated = await client.post("/placements", json=registration())
    assert given.headers["X-Correlation-ID"] == "case-42"
    assert len(generated.headers["X-Correlation-ID"]) == 36


async def test_openapi_document_describes_every_endpoint(placements: Placements) -> None:
    async with placements.client(None) as client:
        document = (await client.get("/openapi.json")).json()
    assert set(document["paths"]) >= {
        "/placements",
        "/placements/{placement_id}",
        "/placements/{placement_id}/planned-end",
        "/placements/{placement_id}/value-added",
        "/placements/{placement_id}/assessments",
        "/placements/{placement_id}/end",
    }
    register_op = document["paths"]["/placements"]["post"]
    assert {"401", "409", "422"} <= set(register_op["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in register_op["parameters"])


async def test_an_assessment_round_records_every_module_or_none(placements: Placements) -> None:
    round_ = {
        "assessed_on": "2026-04-01",
        "assessor": "handledare",
        "modules": [
            {"module": "sprak", "level": "B1", "criteria_met": ["sprak.lasforstaelse"]},
            {"module": "sociala-fardigheter", "level": "3", "comment": "Samarbetar väl."},
        ],
    }
    async with placements.client() as client:
        placement = await register(client)
        url = f"/placements/{placement['id']}/assessment-rounds"
        recorded = await client.post(url, json=round_)
        assert recorded.status_code == 200, recorded.text
        assert [(a["module"], a["level"]) for a in recorded.json()["assessments"]] == [
            ("sprak", "B1"),
            ("sociala-fardigheter", "3"),
        ]
        assert recorded.json()["sequence"] == 3

        wrong = {**round_, "modules": [round_["modules"][0], {"module": "sprak2", "level": "1"}]}
        error = error_of(await client.post(url, json=wrong))
        assert error["loc"] == ["body", "modules", "1", "module"]
        assert (await client.get(f"/placements/{placement['id']}")).json()["sequence"] == 3

        twice = {**round_, "modules": [round_["modules"][0]] * 2}
        assert error_of(await client.post(url, json=twice))["type"] == "unique_modules"
