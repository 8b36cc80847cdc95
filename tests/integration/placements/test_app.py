"""The supervisors' app at /app/ on the real database: sign in, forms with their CSRF token and
idempotency key, refusals tied to their fields, and every change by the API's own rules."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integration.placements.conftest import Placements, running_placements
from tools.samples import personnummer

pytestmark = pytest.mark.integration
HTML = {"Accept": "text/html"}


@pytest.fixture
async def placements(amqp_url: str, database_url: str) -> AsyncIterator[Placements]:
    """With the demo's sign-in, its session cookie over plain http (the test client's)."""
    async with running_placements(
        amqp_url, database_url, demo_sign_in=True, session_cookie_secure=False
    ) as service:
        yield service


@contextlib.asynccontextmanager
async def signed_in(
    placements: Placements, organisation: str = "sf"
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser signed in through the demo's sign-in as a supervisor of ``organisation``."""
    async with placements.client(None, **HTML) as browser:
        answer = await browser.post(
            "/sign-in",
            data={"name": "Karin", "organisation": organisation, "role": "supervisor"},
        )
        assert answer.status_code == 303, answer.text
        yield browser


async def form_tokens(browser: httpx.AsyncClient, page: str) -> dict[str, str]:
    html = (await browser.get(page)).text
    return {
        name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        for name in ("csrf_token", "idempotency_key")
    }


def registration_form(**overrides: str) -> dict[str, str]:
    form = {
        "participant.personnummer": personnummer("19990315", "412"),
        "participant.given_name": "Amina",
        "participant.family_name": "Hassan",
        "workplace.name": "Stadsbiblioteket",
        "supervisor.name": "Karin Nilsson",
        "placement_type": "extratjanst",
        "role": "Biblioteksassistent",
        "tasks": "Låna ut böcker\nHjälpa besökare",
        "employment_rate": "75",
        "start_date": "2026-01-12",
        "planned_end_date": "2026-12-31",
        "planned_value_added.workplace": "okad-service-till-invanare",
    }
    form.update(overrides)
    return form


async def register(browser: httpx.AsyncClient, **overrides: str) -> httpx.Response:
    tokens = await form_tokens(browser, "/app/placements/new")
    return await browser.post(
        "/app/placements/new", data={**tokens, **registration_form(**overrides)}
    )


async def test_a_page_without_sign_in_sends_the_browser_to_sign_in(placements: Placements) -> None:
    async with placements.client(None, **HTML) as browser:
        answer = await browser.get("/app/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fapp%2F"


async def test_a_supervisor_registers_and_the_api_sees_the_same_placement(
    placements: Placements,
) -> None:
    async with signed_in(placements) as browser:
        answer = await register(browser)
        assert answer.status_code == 303, answer.text
        placement_id = answer.headers["location"].split("/")[3].split("?")[0]
        page = await browser.get(f"/app/placements/{placement_id}")
    assert page.status_code == 200
    assert "Stadsbiblioteket" in page.text
    async with placements.client() as api:
        read = (await api.get(f"/placements/{placement_id}")).json()
    assert read["tasks"] == ["Låna ut böcker", "Hjälpa besökare"]
    assert [v["category"] for v in read["value_added"]] == ["okad-service-till-invanare"]


async def test_a_form_sent_twice_registers_once(placements: Placements) -> None:
    async with signed_in(placements) as browser:
        tokens = await form_tokens(browser, "/app/placements/new")
        for _ in range(2):
            answer = await browser.post(
                "/app/placements/new", data={**tokens, **registration_form()}
            )
            assert answer.status_code == 303
    async with placements.client() as api:
        assert len((await api.get("/placements")).json()["items"]) == 1


async def test_a_form_without_its_csrf_token_is_refused_and_stores_nothing(
    placements: Placements,
) -> None:
    async with signed_in(placements) as browser:
        await browser.get("/app/placements/new")
        answer = await browser.post(
            "/app/placements/new", data={"csrf_token": "forged", **registration_form()}
        )
    assert answer.status_code == 403
    async with placements.client() as api:
        assert (await api.get("/placements")).json()["items"] == []


async def test_a_refusal_is_tied_to_its_field(placements: Placements) -> None:
    async with signed_in(placements) as browser:
        answer = await register(browser, **{"participant.personnummer": "19990315-4120"})
    assert answer.status_code == 422
    field = re.search(r'<input type="text" id="f-participant-personnummer"[^>]*>', answer.text)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert "f-participant-personnummer-error" in field.group(0)
    assert 'id="f-participant-personnummer-error">Personnumret är inte giltigt' in answer.text
    async with placements.client() as api:
        assert (await api.get("/placements")).json()["items"] == []


async def test_assess_twice_end_and_see_progression(placements: Placements) -> None:
    async with signed_in(placements) as browser:
        placement_id = (await register(browser)).headers["location"].split("/")[3].split("?")[0]
        page = f"/app/placements/{placement_id}"
        for day, level in (("2026-02-01", "A2"), ("2026-06-01", "B1")):
            tokens = await form_tokens(browser, f"{page}/assessment")
            answer = await browser.post(
                f"{page}/assessment",
                data={
                    **tokens,
                    "assessed_on": day,
                    "assessor": "handledare",
                    "modules.sprak.level": level,
                    "modules.sprak.comment": "Bra framsteg",
                },
            )
            assert answer.status_code == 303, answer.text
        tokens = await form_tokens(browser, f"{page}/end")
        ended = await browser.post(
            f"{page}/end", data={**tokens, "end_date": "2026-06-30", "outcome": "A"}
        )
        assert ended.status_code == 303, ended.text
        shown = (await browser.get(page)).text
    assert re.search(r"A2 \(2026-02-01\)</td>\s*<td>B1 \(2026-06-01\)</td>\s*<td>\+1</td>", shown)
    assert "Avslutad" in shown


async def test_a_round_without_a_level_names_the_modules(placements: Placements) -> None:
    async with signed_in(placements) as browser:
        placement_id = (await register(browser)).headers["location"].split("/")[3].split("?")[0]
        page = f"/app/placements/{placement_id}/assessment"
        tokens = await form_tokens(browser, page)
        answer = await browser.post(
            page, data={**tokens, "assessed_on": "2026-02-01", "assessor": "handledare"}
        )
    assert answer.status_code == 422
    assert 'id="f-modules">Välj en nivå för minst en modul.' in answer.text


async def test_another_forvaltnings_placement_is_not_found(placements: Placements) -> None:
    async with signed_in(placements) as browser:
        placement_id = (await register(browser)).headers["location"].split("/")[3].split("?")[0]
    async with signed_in(placements, "kf") as other:
        answer = await other.get(f"/app/placements/{placement_id}")
        assert answer.status_code == 404
        form = await form_tokens(other, "/app/placements/new")
        sent = await other.post(
            f"/app/placements/{placement_id}/withdrawal", data={**form, "reason": "Fel"}
        )
    assert sent.status_code == 404
    async with placements.client() as api:
        assert (await api.get(f"/placements/{placement_id}")).json()["status"] == "active"


async def test_english_is_an_option(placements: Placements) -> None:
    async with signed_in(placements) as browser:
        await browser.get("/app/language/en?next=/app/")
        page = await browser.get("/app/")
    assert '<html lang="en">' in page.text
    assert "Placements" in page.text


async def test_withdrawal_from_the_app(placements: Placements) -> None:
    async with signed_in(placements) as browser:
        placement_id = (await register(browser)).headers["location"].split("/")[3].split("?")[0]
        page = f"/app/placements/{placement_id}/withdrawal"
        tokens = await form_tokens(browser, page)
        answer = await browser.post(page, data={**tokens, "reason": "Registrerad av misstag"})
        assert answer.status_code == 303
    async with placements.client() as api:
        read: dict[str, Any] = (await api.get(f"/placements/{placement_id}")).json()
    assert read["status"] == "withdrawn"
    assert read["withdrawn"]["reason"] == "Registrerad av misstag"
    assert read["withdrawn"]["withdrawn_by"] == "demo:Karin", "the person, not the förvaltning"


async def test_corrections_from_the_app_reach_the_api_with_their_reason(
    placements: Placements,
) -> None:
    async with signed_in(placements) as browser:
        placement_id = (await register(browser)).headers["location"].split("/")[3].split("?")[0]
        page = f"/app/placements/{placement_id}"
        shown = await browser.get(f"{page}/details-correction")
        assert 'value="Stadsbiblioteket"' in shown.text  # the form starts from the record
        tokens = await form_tokens(browser, f"{page}/details-correction")
        unchanged = await browser.post(
            f"{page}/details-correction",
            data={**tokens, **_recorded(shown.text), "reason": "Inget"},
        )
        assert unchanged.status_code == 422
        assert "Rättelsen ändrar ingenting." in unchanged.text
        fixed = {**_recorded(shown.text), "role": "Bibliotekarie", "reason": "Fel roll"}
        tokens = await form_tokens(browser, f"{page}/details-correction")
        answer = await browser.post(f"{page}/details-correction", data={**tokens, **fixed})
        assert answer.status_code == 303, answer.text
        async with placements.client() as api:
            [entry] = (await api.get(f"/placements/{placement_id}")).json()["value_added"]
        corrected = f"{page}/corrections/value-added/{entry['id']}"
        tokens = await form_tokens(browser, corrected)
        answer = await browser.post(
            corrected,
            data={
                **tokens,
                "stage": "planned",
                "beneficiary": "workplace",
                "category": "forstarkning-av-arbetslaget",
                "reason": "Fel kategori",
            },
        )
        assert answer.status_code == 303, answer.text
        tokens = await form_tokens(browser, f"{page}/planned-end")
        answer = await browser.post(
            f"{page}/planned-end", data={**tokens, "planned_end_date": "2026-11-30"}
        )
        assert answer.status_code == 303, answer.text
    async with placements.client() as api:
        read = (await api.get(f"/placements/{placement_id}")).json()
    assert read["role"] == "Bibliotekarie"
    assert read["value_added"][0]["category"] == "forstarkning-av-arbetslaget"
    assert read["planned_end_date"] == "2026-11-30"
    reasons = [e["payload"].get("reason") for e in read["events"]]
    assert {"Fel roll", "Fel kategori"} <= set(reasons)


def _recorded(html: str) -> dict[str, str]:
    """The correction form's fields as the page shows them."""
    fields = dict(
        re.findall(r'<input type="[a-z]+" id="[^"]+" name="([^"]+)" value="([^"]*)"', html)
    )
    fields.pop("csrf_token", None)
    fields.pop("idempotency_key", None)
    tasks = re.search(r'name="tasks"[^>]*>([^<]*)</textarea>', html)
    fields["tasks"] = tasks.group(1) if tasks else ""
    chosen = re.search(r'<option value="([^"]+)" selected>', html)
    fields["placement_type"] = chosen.group(1) if chosen else ""
    return fields


async def test_what_the_pages_show_of_a_person_is_logged_as_read_by_the_supervisor(
    placements: Placements,
) -> None:
    async with signed_in(placements) as browser:
        placement_id = (await register(browser)).headers["location"].split("/")[3].split("?")[0]
        assert (await browser.get("/app/")).status_code == 200
        assert (await browser.get(f"/app/placements/{placement_id}")).status_code == 200
    async with placements.client() as api:
        log: dict[str, Any] = (
            await api.get("/access-log", params={"placement_id": placement_id})
        ).json()
    by_supervisor = {e["action"] for e in log["items"] if e["who"] == "demo:Karin"}
    assert {"GET /app/", "GET /app/placements/{placement_id}"} <= by_supervisor
    assert all(e["role"] == "supervisor" for e in log["items"] if e["who"] == "demo:Karin")
