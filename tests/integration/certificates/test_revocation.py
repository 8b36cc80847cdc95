"""Revocation and re-issue: what the förvaltning does, what verifiers then see, what is
published; and that only the issuing förvaltning can do it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from certificates.domain import status_list
from certificates.signing.proof import verify_credential
from contracts.events import CertificateIssued, CertificateRevoked
from tests.integration.certificates.conftest import BASE_URL, Service, placement
from tests.support import eventually
from tests.unit.certificates.test_pdf import text_of

pytestmark = pytest.mark.integration


async def issued(service: Service) -> tuple[Any, uuid.UUID]:
    p = placement()
    await service.publish_placement(p)
    return p, await service.issued(p.placement_id)


async def verification(service: Service, certificate_id: uuid.UUID) -> dict[str, Any]:
    async with service.client(None) as public:
        response = await public.get(f"/verify/{certificate_id}?format=json")
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


async def status_bit(service: Service, certificate_id: uuid.UUID) -> bool:
    """Read the certificate's revocation bit as a verifier would: from its credential's
    ``credentialStatus``, in the signed status list it points at."""
    async with service.client("sf") as client:
        credential = (await client.get(f"/certificates/{certificate_id}/credential")).json()
    entry = credential["credentialStatus"]
    assert entry["statusListCredential"].startswith(f"{BASE_URL}/status/")
    async with service.client(None) as public:
        issuer = (await public.get("/issuer")).json()
        listed = await public.get(entry["statusListCredential"].removeprefix(BASE_URL))
    assert listed.status_code == 200
    document = json.loads(listed.content)
    key = issuer["verificationMethod"][0]["publicKeyMultibase"]
    assert verify_credential(document, key)
    assert "BitstringStatusListCredential" in document["type"]
    return status_list.is_set(
        document["credentialSubject"]["encodedList"], int(entry["statusListIndex"])
    )


async def test_a_revoked_certificate_shows_revoked_on_the_page_and_in_the_status_list(
    service: Service,
) -> None:
    p, certificate_id = await issued(service)
    _, other_id = await issued(service)
    assert await status_bit(service, certificate_id) is False

    async with service.client("sf", **{"X-Correlation-ID": "case-42"}) as client:
        response = await client.post(
            f"/certificates/{certificate_id}/revoke", json={"reason": "Utfärdat i fel namn"}
        )
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert response.json()["revocation_reason"] == "Utfärdat i fel namn"

    answer = await verification(service, certificate_id)
    assert answer["genuine"] is True
    assert answer["revoked"] is True
    assert answer["status"] == "revoked"
    assert answer["revoked_on"] == service.context.local_date(datetime.now(UTC)).isoformat()
    async with service.client(None, Accept="application/json") as public:
        by_accept = (await public.get(f"/verify/{certificate_id}")).json()
    assert by_accept["status"] == "revoked"
    async with service.client(None) as public:
        page = (await public.get(f"/verify/{certificate_id}")).text
    assert "Intyget är återkallat" in page
    assert "äkta och giltigt" not in page
    for hidden in ("Amira", "Haddad", "Biblioteksassistent", "Stadsbiblioteket", "Språk"):
        assert hidden not in page
        assert hidden not in json.dumps(answer, ensure_ascii=False)
    assert answer["certificate_number"] in page
    assert answer["issuer"]["name"] == "Malmö stad"
    assert (answer["name"], answer["workplace"], answer["modules"]) == (None, None, [])

    assert await status_bit(service, certificate_id) is True
    assert await status_bit(service, other_id) is False

    revoked = [m for m in await service.published() if m["event_type"] == "CertificateRevoked"]
    [event] = [CertificateRevoked.model_validate(m) for m in revoked]
    assert revoked[0]["_routing_key"] == "sf.CertificateRevoked"
    assert event.placement_id == p.placement_id
    assert event.sequence == 2  # after its CertificateIssued
    assert event.correlation_id == "case-42"
    assert event.payload.certificate_id == certificate_id
    assert event.payload.reason == "Utfärdat i fel namn"
    assert event.payload.superseded_by is None


async def test_revoking_twice_is_a_conflict_and_publishes_once(service: Service) -> None:
    _, certificate_id = await issued(service)
    async with service.client("sf") as client:
        first = await client.post(f"/certificates/{certificate_id}/revoke", json={"reason": "a"})
        second = await client.post(f"/certificates/{certificate_id}/revoke", json={"reason": "b"})
    assert first.status_code == 200
    assert second.status_code == 409
    assert "already revoked" in second.json()["detail"]
    published = await service.published()
    assert [m["event_type"] for m in published] == ["CertificateIssued", "CertificateRevoked"]


async def consumed(service: Service) -> None:
    """Wait until what was published so far has been consumed: one consumer takes the queue in
    order, so once a placement published after it has its certificate, the earlier messages
    were applied (or found to be duplicates)."""
    marker = placement()
    await service.publish_placement(marker)
    await service.issued(marker.placement_id)
    await service.outbox_empty()


async def events_of(service: Service, placement_id: uuid.UUID) -> list[dict[str, Any]]:
    return [m for m in await service.published() if m["placement_id"] == str(placement_id)]


async def test_a_correction_after_the_issue_supersedes_it_once_even_when_delivered_twice(
    service: Service,
) -> None:
    p, old_id = await issued(service)
    correction = p.correct_details(role="Kulturassistent", reason="Fel roll registrerad")
    await service.publish([correction, correction])

    async def superseded() -> bool:
        return len(await service.certificate_ids(p.placement_id)) == 2

    await eventually(superseded)
    await service.publish([correction])  # once more, after the new certificate
    await consumed(service)

    [_, new_id] = await service.certificate_ids(p.placement_id)
    async with service.client("sf") as client:
        old = (await client.get(f"/certificates/{old_id}")).json()
        new = (await client.get(f"/certificates/{new_id}")).json()
        pdf = (await client.get(f"/certificates/{new_id}/pdf")).content
        listing = (await client.get(f"/placements/{p.placement_id}/certificates")).json()

    assert "outdated" not in new
    assert (new["status"], new["supersedes"], new["language"]) == ("valid", str(old_id), "sv")
    assert new["includes_sequence"] == correction.sequence
    assert old["status"] == "revoked"
    assert old["superseded_by"] == str(new_id)
    assert old["revocation_reason"] == "Rättelse: Fel roll registrerad"
    assert listing["status"] == "issued"
    assert [c["id"] for c in listing["certificates"]] == [str(old_id), str(new_id)]
    text = text_of(pdf)
    assert "Kulturassistent" in text
    assert f"ersätter intyg {old['number']}" in text

    answer = await verification(service, old_id)
    assert (answer["status"], answer["revoked"]) == ("superseded", True)
    assert (answer["name"], answer["role"], answer["modules"]) == (None, None, [])
    assert (await verification(service, new_id))["role"] == "Kulturassistent"
    assert await status_bit(service, old_id) is True
    assert await status_bit(service, new_id) is False

    events = await events_of(service, p.placement_id)
    assert [(m["event_type"], m["sequence"]) for m in events] == [
        ("CertificateIssued", 1),
        ("CertificateRevoked", 2),
        ("CertificateIssued", 3),
    ]
    revoked = CertificateRevoked.model_validate(events[1])
    reissued = CertificateIssued.model_validate(events[2])
    assert revoked.payload.superseded_by == reissued.payload.certificate_id == new_id
    assert reissued.payload.supersedes == old_id
    assert revoked.correlation_id == reissued.correlation_id == correction.correlation_id
    assert await service.dead_letters() == []


async def test_corrections_out_of_order_wait_for_the_gap_then_supersede_once(
    service: Service,
) -> None:
    p, old_id = await issued(service)
    earlier = p.correct_end(date(2026, 10, 23), "B", reason="Fel slutdatum")
    assessment = next(e for e in p.events if e.event_type == "ModuleAssessed")
    later = p.correct_assessment(assessment, level="B1", reason="Fel nivå")
    await service.publish([later, later])

    async def waiting() -> bool:
        async with service.client("sf") as client:
            view = (await client.get(f"/placements/{p.placement_id}/certificates")).json()
        return bool(view["status"] == "waiting")

    await eventually(waiting)
    async with service.client("sf") as client:
        view = (await client.get(f"/placements/{p.placement_id}/certificates")).json()
    assert view["waiting_reason"] == f"missing sequence {earlier.sequence}"
    assert [c["status"] for c in view["certificates"]] == ["valid"]  # valid meanwhile
    async with service.client("sf") as client:
        [item] = (await client.get("/waiting")).json()["items"]
    # its wait began with the correction, not at the end (or the alert would fire at once)
    waiting_since = datetime.fromisoformat(item["waiting_since"])
    assert waiting_since > datetime.fromisoformat(view["certificates"][0]["issued_at"])

    await service.publish([earlier, later, earlier])
    await consumed(service)

    [first_id, new_id] = await service.certificate_ids(p.placement_id)
    assert first_id == old_id
    async with service.client("sf") as client:
        new = (await client.get(f"/certificates/{new_id}")).json()
        view = (await client.get(f"/placements/{p.placement_id}/certificates")).json()
    assert new["includes_sequence"] == later.sequence
    assert view["status"] == "issued"
    assert [c["status"] for c in view["certificates"]] == ["revoked", "valid"]
    assert view["certificates"][0]["revocation_reason"] == "Rättelse: Fel slutdatum; Fel nivå"
    assert [m["event_type"] for m in await events_of(service, p.placement_id)] == [
        "CertificateIssued",
        "CertificateRevoked",
        "CertificateIssued",
    ]


async def test_a_correction_that_arrives_first_is_in_the_first_certificate(
    service: Service,
) -> None:
    p = placement()
    correction = p.correct_details(role="Kulturassistent", reason="Fel roll registrerad")
    everything = [*p.events, *p.identities]
    await service.publish([*everything[::-1], correction])

    certificate_id = await service.issued(p.placement_id)
    await consumed(service)

    assert await service.certificate_ids(p.placement_id) == [certificate_id]
    assert (await verification(service, certificate_id))["role"] == "Kulturassistent"
    async with service.client("sf") as client:
        view = (await client.get(f"/certificates/{certificate_id}")).json()
    assert (view["includes_sequence"], view["supersedes"]) == (correction.sequence, None)
    assert [m["event_type"] for m in await events_of(service, p.placement_id)] == [
        "CertificateIssued"
    ]


async def test_a_correction_that_changes_nothing_printed_reissues_nothing(
    service: Service,
) -> None:
    p, old_id = await issued(service)
    await service.publish(
        [
            p.correct_end(date(2026, 10, 30), "B", reason="Fel utfallskod"),
            p.correct_details(age_band="up_to_24", reason="Åldersgrupp för statistik"),
        ]
    )
    await consumed(service)

    assert await service.certificate_ids(p.placement_id) == [old_id]
    async with service.client("sf") as client:
        view = (await client.get(f"/placements/{p.placement_id}/certificates")).json()
    assert view["status"] == "issued"
    assert [c["status"] for c in view["certificates"]] == ["valid"]
    assert [m["event_type"] for m in await events_of(service, p.placement_id)] == [
        "CertificateIssued"
    ]


async def test_withdrawal_revokes_the_certificate_and_a_redelivered_end_issues_nothing(
    service: Service,
) -> None:
    p, certificate_id = await issued(service)
    withdrawal = p.withdraw("Registrerad av misstag")
    await service.publish([withdrawal])

    async def revoked() -> bool:
        return bool((await verification(service, certificate_id))["revoked"])

    await eventually(revoked)
    end = next(e for e in p.events if e.event_type == "PlacementEnded")
    await service.publish([end, withdrawal, p.correct_end(date(2026, 10, 23), "B")])
    await consumed(service)

    assert await service.certificate_ids(p.placement_id) == [certificate_id]
    answer = await verification(service, certificate_id)
    assert (answer["status"], answer["revoked"], answer["name"]) == ("revoked", True, None)
    async with service.client(None) as public:
        page = (await public.get(f"/verify/{certificate_id}")).text
    assert "Intyget är återkallat" in page
    assert "Amira" not in page
    assert await status_bit(service, certificate_id) is True
    async with service.client("sf") as client:
        view = (await client.get(f"/placements/{p.placement_id}/certificates")).json()
    assert view["status"] == "withdrawn"
    assert view["certificates"][0]["revocation_reason"] == "Registrerad av misstag"

    events = await events_of(service, p.placement_id)
    assert [(m["event_type"], m["sequence"]) for m in events] == [
        ("CertificateIssued", 1),
        ("CertificateRevoked", 2),
    ]
    event = CertificateRevoked.model_validate(events[1])
    assert event.payload.reason == "Registrerad av misstag"
    assert event.payload.superseded_by is None
    assert event.correlation_id == withdrawal.correlation_id
    assert await service.dead_letters() == []


async def test_a_placement_withdrawn_before_its_end_never_gets_a_certificate(
    service: Service,
) -> None:
    p = placement()
    withdrawal = p.withdraw("Dubbelregistrerad")
    await service.publish([withdrawal])
    await service.publish_placement(p)
    await consumed(service)

    assert await service.certificate_ids(p.placement_id) == []
    async with service.client("sf") as client:
        view = (await client.get(f"/placements/{p.placement_id}/certificates")).json()
    async with service.client("operator") as operator:
        waiting = (await operator.get("/waiting")).json()
    assert (view["status"], view["certificates"]) == ("withdrawn", [])
    assert waiting["count"] == 0
    assert await events_of(service, p.placement_id) == []


async def test_another_forvaltning_cannot_see_or_change_a_certificate(service: Service) -> None:
    p, certificate_id = await issued(service)
    base = f"/certificates/{certificate_id}"
    async with service.client("kf") as other:
        responses = [
            await other.get(base),
            await other.get(f"{base}/pdf"),
            await other.get(f"{base}/credential"),
            await other.post(f"{base}/revoke", json={"reason": "inte vår"}),
            await other.post(f"{base}/reissue", json={"reason": "inte vår"}),
            await other.get(f"/placements/{p.placement_id}/certificates"),
        ]
    assert [r.status_code for r in responses] == [404] * 6
    async with service.client(None) as anonymous:
        assert (await anonymous.get(f"{base}/pdf")).status_code == 401
        assert (await anonymous.post(f"{base}/revoke", json={"reason": "x"})).status_code == 401
    async with service.client("sf") as owner:
        assert (await owner.get(base)).json()["status"] == "valid"
    assert [m["event_type"] for m in await service.published()] == ["CertificateIssued"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "mentions"),
    [
        ("post", "/certificates/{id}/revoke", {"reason": ""}, 422, "reason"),
        ("post", "/certificates/{id}/revoke", {}, 422, "reason"),
        ("post", "/certificates/{id}/revoke", {"reason": "x" * 201}, 422, "reason"),
        ("post", "/certificates/{id}/revoke", {"reason": "x", "extra": 1}, 422, "extra"),
        ("post", "/certificates/{id}/reissue", {"reason": "x", "language": "de"}, 422, "language"),
        ("get", "/certificates/{id}/pdf?language=fi", None, 422, "language"),
        ("get", "/certificates/not-a-uuid", None, 422, "certificate_id"),
        ("get", f"/certificates/{uuid.uuid4()}", None, 404, "not found"),
        ("get", "/status/0", None, 422, "list_id"),
        ("get", "/status/7", None, 404, "no such status list"),
        ("get", "/verify/{id}?format=xml", None, 422, "format"),
        ("get", "/waiting?limit=0", None, 422, "limit"),
    ],
)
async def test_bad_input_gets_a_clear_4xx(
    service: Service, method: str, path: str, body: Any, status: int, mentions: str
) -> None:
    _, certificate_id = await issued(service)
    async with service.client("sf") as client:
        response = await client.request(
            method, path.format(id=certificate_id), json=body if body is not None else None
        )
    assert response.status_code == status
    assert mentions in response.text


async def test_an_unknown_or_malformed_verification_address_says_unknown(
    service: Service,
) -> None:
    async with service.client(None) as public:
        for address in (f"/verify/{uuid.uuid4()}", "/verify/KI-2026-000001"):
            page = await public.get(address)
            answer = await public.get(address, headers={"Accept": "application/json"})
            assert page.status_code == answer.status_code == 404
            assert "Okänt intyg" in page.text
            assert answer.json()["genuine"] is False
            assert answer.json()["status"] == "unknown"
