"""Personal data across the two services that hold it, both in-process on one vhost (the
placements relay feeds the certificates consumers through the real broker), each on its own
database: the register extract is complete, and after the retention period the identity is
gone from both while the certificate still verifies."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest

from certificates.bootstrap import retention_job as certificates_retention
from certificates.signing.proof import verify_credential
from placements.adapters.certificates import HttpCertificatesRegister
from placements.bootstrap import retention_job as placements_retention
from runtime.http.auth import token_hash
from tests.integration.certificates.conftest import Service as Certificates
from tests.integration.certificates.conftest import running_service
from tests.integration.certificates.test_interop import (
    credential_of,
    independent_verify,
    served,
)
from tests.integration.certificates.test_issuing import public_key
from tests.integration.placements.conftest import (
    TODAY,
    Placements,
    participant,
    registration,
    running_placements,
)
from tests.support import eventually, temporary_database

pytestmark = pytest.mark.integration

ADMIN_TOKEN = secrets.token_urlsafe(32)
AMINA = registration()["participant"]["personnummer"]
DIGITS = AMINA.replace("-", "")
REASON = "Fel slutdatum registrerades"


@dataclass
class City:
    placements: Placements
    certificates: Certificates

    def admin(self) -> httpx.AsyncClient:
        return self.placements.client(None, Authorization=f"Bearer {ADMIN_TOKEN}")

    def reach_certificates(self, transport: httpx.AsyncBaseTransport) -> None:
        """Where the placements service finds the certificates service's part."""
        register = HttpCertificatesRegister(
            "http://certificates", self.certificates.admin_token, transport
        )
        context = self.placements.app.state.context
        self.placements.app.state.context = dataclasses.replace(context, certificates=register)


@pytest.fixture
async def city(amqp_url: str, database_url: str) -> AsyncIterator[City]:
    async with contextlib.AsyncExitStack() as stack:
        certificates_db = await stack.enter_async_context(temporary_database())
        certificates = await stack.enter_async_context(running_service(amqp_url, certificates_db))
        placements = await stack.enter_async_context(
            running_placements(amqp_url, database_url, admins=[token_hash(ADMIN_TOKEN)])
        )
        city = City(placements, certificates)
        city.reach_certificates(httpx.ASGITransport(app=certificates.app))
        yield city


async def lived(client: httpx.AsyncClient, end: str | None = "2026-06-30", **body: Any) -> str:
    """A placement registered, assessed and (unless ``end`` is None) ended: its id."""
    created = await client.post("/placements", json=registration(**body))
    assert created.status_code == 201, created.text
    url = f"/placements/{created.json()['id']}"
    assessed = await client.post(
        f"{url}/assessments",
        json={
            "module": "sprak",
            "level": "B1",
            "assessed_on": created.json()["start_date"],
            "assessor": "handledare",
        },
    )
    assert assessed.status_code == 200, assessed.text
    if end is not None:
        ended = await client.post(f"{url}/end", json={"end_date": end, "outcome": "A"})
        assert ended.status_code == 200, ended.text
    return str(created.json()["id"])


async def held_identities(city: City, placement_id: str) -> int:
    return await city.certificates.count(
        "SELECT count(*) FROM identities WHERE placement_id = $1", uuid.UUID(placement_id)
    )


async def identities_arrived(city: City, *placement_ids: str) -> None:
    async def arrived() -> bool:
        return all([await held_identities(city, p) for p in placement_ids])

    await eventually(arrived)


async def extract(client: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await client.post(
        "/participants/register-extract", json={"personnummer": AMINA}, params=params
    )


# --- the register extract ---------------------------------------------------------------


async def test_the_register_extract_is_complete_across_both_services(city: City) -> None:
    async with city.placements.client("sf") as sf, city.placements.client("kf") as kf:
        ended = await lived(sf)
        running = await lived(
            sf, end=None, start_date="2027-01-11", planned_end_date="2027-06-30", role="Värd"
        )
        theirs = await lived(kf)
        await lived(sf, participant=participant(1))  # someone else
        certificate_id = await city.certificates.issued(uuid.UUID(ended))
        await identities_arrived(city, ended, running, theirs)

        answer = await extract(sf, format="json")
        assert answer.status_code == 200, answer.text
        body = answer.json()
    assert body["personnummer"] == AMINA
    assert [p["id"] for p in body["placements"]] == [ended, running], "sf's own, both"
    assert all(p["participant"]["given_name"] == "Amina" for p in body["placements"])
    assert all(p["events"] for p in body["placements"]), "with the event history"
    held = {p["placement_id"]: p for p in body["certificates"]["placements"]}
    assert set(held) == {ended, running}, "the certificates service's part, sf's own"
    assert [i["personnummer"] for i in held[ended]["identities"]] == [DIGITS]
    [certificate] = held[ended]["certificates"]
    assert certificate["certificate"]["id"] == str(certificate_id)
    assert certificate["record"]["given_name"] == "Amina"
    assert certificate["credential"]["id"] == f"urn:uuid:{certificate_id}"
    assert held[running]["certificates"] == []
    assert body["reads"], "whom the data were disclosed to: the reads before, from the log"
    assert "POST /placements" in {r["action"] for r in body["reads"]}
    assert "who" not in body["reads"][0], "the role and förvaltning, not the employee"
    assert body["certificates"]["reads"] == []

    async with city.admin() as admin:
        citywide = (await extract(admin)).json()
    assert {p["id"] for p in citywide["placements"]} == {ended, running, theirs}
    assert {p["placement_id"] for p in citywide["certificates"]["placements"]} == {
        ended,
        running,
        theirs,
    }


async def test_the_extract_is_logged_in_both_services(city: City) -> None:
    async with city.placements.client("sf", **{"X-Correlation-ID": "extract-1"}) as sf:
        ended = await lived(sf)
        await identities_arrived(city, ended)
        assert (await extract(sf)).status_code == 200
    [here] = await city.placements.pool.fetch(
        "SELECT * FROM access_log WHERE action = 'POST /participants/register-extract'"
    )
    assert (here["who"], here["placement_ids"]) == ("sf", [uuid.UUID(ended)])
    [there] = await city.certificates.pool.fetch(
        "SELECT * FROM access_log WHERE action = 'POST /participants/register-extract'"
    )
    assert there["correlation_id"] == "extract-1", "one user action, traced across both"
    assert (there["role"], there["placement_ids"]) == ("admin", [uuid.UUID(ended)])


async def test_the_extract_as_a_pdf_for_the_person(city: City) -> None:
    async with city.placements.client("sf", Accept="application/pdf") as sf:
        ended = await lived(sf)
        await city.certificates.issued(uuid.UUID(ended))
        answer = await extract(sf)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(answer.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Registerutdrag" in text
    assert "Vem har läst uppgifterna" in text
    assert "POST /placements" in text
    assert "Amina Hassan" in text
    assert AMINA in text
    assert "/StructTreeRoot" in reader.root_object, "tagged, for screen readers"


async def test_without_the_certificates_service_there_is_no_partial_extract(
    city: City,
) -> None:
    city.reach_certificates(httpx.AsyncHTTPTransport(retries=0))  # nothing listens there
    async with city.placements.client("sf") as sf:
        await lived(sf)
        answer = await extract(sf)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    assert (
        await city.placements.pool.fetchval(
            "SELECT count(*) FROM access_log WHERE action LIKE '%register-extract'"
        )
        == 0
    ), "nothing left, nothing logged"


async def test_the_extract_asks_for_a_valid_personnummer_in_the_body(city: City) -> None:
    async with city.placements.client("sf") as sf, city.placements.client(None) as anyone:
        wrong = await sf.post("/participants/register-extract", json={"personnummer": "1"})
        assert (await anyone.post("/participants/register-extract", json={})).status_code == 401
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "personnummer"]


# --- retention ----------------------------------------------------------------------------


async def test_past_the_period_the_identity_is_gone_from_both_and_the_certificate_verifies(
    city: City, tmp_path: Path
) -> None:
    async with city.placements.client("sf") as sf:
        expired = await lived(sf)  # ended 2026-06-30: a year before TODAY
        recent = await lived(sf, participant=participant(2), end="2026-12-20")
        async with city.placements.client("sf", **{"Idempotency-Key": "once"}) as keyed:
            stored_answer = await keyed.post(
                f"/placements/{expired}/corrections/end", json={"outcome": "B", "reason": REASON}
            )
            assert stored_answer.status_code == 200, stored_answer.text
        certificate_id = await city.certificates.issued(uuid.UUID(expired))
        await city.certificates.issued(uuid.UUID(recent))
        async with city.certificates.client("sf") as sf_certificates:
            credential = (
                await sf_certificates.get(f"/certificates/{certificate_id}/credential")
            ).json()
            status_before = await revocation_bits(city)

        runs = await erase_both(city, retention_days=300)  # ended on or before 2026-09-02
        assert runs == (
            {"placements": 1, "stored_responses": 1},
            {"placements": 1, "identities": 1, "certificates": 1},
        )
        placement = (await sf.get(f"/placements/{expired}")).json()
        kept = (await sf.get(f"/placements/{recent}")).json()
        changed = await sf.post(
            f"/placements/{expired}/corrections/end", json={"outcome": "C", "reason": REASON}
        )
    assert placement["participant"] | {"participant_ref": ""} == {
        "personnummer": None,
        "given_name": None,
        "family_name": None,
        "participant_ref": "",
        "identity_erased_on": TODAY.isoformat(),
    }
    assert placement["participant"]["participant_ref"], "the pseudonym stays for statistics"
    assert placement["supervisor"] is None
    assert kept["participant"]["given_name"] == "Deltagare", "not yet past the period"
    assert changed.status_code == 409
    assert changed.json()["detail"][0]["type"] == "identity_erased"
    stored = await city.placements.pool.fetchval(
        "SELECT string_agg(data::text, '') FROM placements WHERE id = $1", uuid.UUID(expired)
    )
    assert "Amina" not in stored
    assert DIGITS not in stored
    assert "Karin" not in stored

    assert await held_identities(city, expired) == 0
    assert await held_identities(city, recent) == 1
    await the_certificate_still_verifies(city, certificate_id, credential)
    await the_independent_verifier_agrees(city, certificate_id, credential, tmp_path)
    assert await revocation_bits(city) == status_before
    async with city.certificates.client("sf") as sf_certificates:
        pdf = await sf_certificates.get(f"/certificates/{certificate_id}/pdf")
    assert pdf.status_code == 410, "the PDF printed the name: it is gone"


async def the_certificate_still_verifies(
    city: City, certificate_id: uuid.UUID, credential: dict[str, Any]
) -> None:
    async with city.certificates.client(None) as anyone:
        page = (await anyone.get(f"/verify/{certificate_id}", params={"format": "json"})).json()
        html = (await anyone.get(f"/verify/{certificate_id}")).text
        presented = (await anyone.post("/verify", json=credential)).json()
    assert (page["genuine"], page["status"], page["name"]) == (True, "valid", None)
    assert page["role"] == "Biblioteksassistent"
    assert "Amina" not in html
    assert "Hassan" not in html
    assert (presented["genuine"], presented["status"]) == (True, "valid")
    assert verify_credential(credential, await public_key(city.certificates)), "independently"
    stored = await city.certificates.pool.fetchval(
        "SELECT record::text || coalesce(length(pdf), 0) FROM certificates WHERE id = $1",
        certificate_id,
    )
    assert "Amina" not in stored, "no name in the record"
    assert stored.endswith("}0"), "no PDF"


async def revocation_bits(city: City) -> str:
    """The status list's bits (the list is signed afresh at each request)."""
    async with city.certificates.client(None) as anyone:
        listed = json.loads((await anyone.get("/status/1")).content)
    bits: str = listed["credentialSubject"]["encodedList"]
    return bits


async def the_independent_verifier_agrees(
    city: City, certificate_id: uuid.UUID, held: dict[str, Any], tmp_path: Path
) -> None:
    """Digital Bazaar's verifier, on the issuer's documents as served after the erasure: the
    holder's copy and the copy the service still serves both verify, not revoked."""
    served_now = await credential_of(city.certificates, certificate_id)
    assert served_now == held, "the signed credential never held the name: it stays as issued"
    status_url = held["credentialStatus"]["statusListCredential"]
    documents = await served(city.certificates, held["issuer"]["id"], status_url)
    [result] = independent_verify(documents, [held], tmp_path)
    assert (result["verified"], result["statusVerified"], result["revoked"]) == (True, True, False)


async def test_a_corrected_end_date_moves_the_deadline(city: City) -> None:
    async with city.placements.client("sf") as sf:
        placement_id = await lived(sf)
        corrected = await sf.post(
            f"/placements/{placement_id}/corrections/end",
            json={"end_date": "2026-12-20", "reason": REASON},
        )
        assert corrected.status_code == 200, corrected.text

        async def corrected_there() -> bool:
            return bool(
                await city.certificates.count(
                    "SELECT count(*) FROM placement_events WHERE placement_id = $1"
                    " AND event_type = 'PlacementEndCorrected'",
                    uuid.UUID(placement_id),
                )
            )

        await eventually(corrected_there)
        assert await erase_both(city, retention_days=300) == (
            {"placements": 0, "stored_responses": 0},
            {"placements": 0, "identities": 0, "certificates": 0},
        )
        assert (await sf.get(f"/placements/{placement_id}")).json()["participant"]["given_name"]


async def test_each_run_is_recorded_and_only_one_runs_at_a_time(city: City) -> None:
    job = placements_retention(city.placements.settings, city.placements.pool, lambda: TODAY)
    async with city.placements.pool.acquire() as holder:
        await holder.execute("SELECT pg_advisory_lock(7340212)")
        assert await job.run_once() is None, "another runner holds it: skipped"
        await holder.execute("SELECT pg_advisory_unlock(7340212)")
    run = await job.run_once()
    assert run is not None
    assert run.ended_on_or_before.isoformat() < TODAY.isoformat()
    [row] = await city.placements.pool.fetch("SELECT * FROM retention_runs")
    assert json.loads(row["erased"]) == {"placements": 0, "stored_responses": 0}
    assert row["trigger"] == "command"


async def erase_both(city: City, retention_days: int) -> tuple[dict[str, int], dict[str, int]]:
    placements = placements_retention(
        city.placements.settings.model_copy(update={"retention_days": retention_days}),
        city.placements.pool,
        lambda: TODAY,
    )
    assert city.certificates.settings is not None
    certificates = certificates_retention(
        city.certificates.settings.model_copy(update={"retention_days": retention_days}),
        city.certificates.pool,
        lambda: TODAY,
    )
    here, there = await placements.run_once(), await certificates.run_once()
    assert here is not None
    assert there is not None
    return here.erased, there.erased


async def test_a_name_the_fonts_lack_still_gets_its_pdf(city: City) -> None:
    async with city.placements.client("sf", Accept="application/pdf") as sf:
        body = registration()
        body["participant"]["family_name"] = "李"
        created = await sf.post("/placements", json=body)
        assert created.status_code == 201, created.text
        answer = await extract(sf)
    assert answer.status_code == 200, answer.text
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(answer.content)).pages)
    assert "Amina ?" in text
