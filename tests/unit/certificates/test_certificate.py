"""The certificate's own rules, its events, the signing key's configuration, and the small
decisions the service makes about dates and formats."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.requests import Request

from certificates.api.verification import wants_json
from certificates.bootstrap import build_context
from certificates.domain.certificate import (
    AlreadyRevoked,
    AlreadySuperseded,
    Certificate,
    StatusEntry,
    certificate_number,
)
from certificates.settings import CertificatesSettings
from certificates.signing.keys import SigningKeyError, ensure_key_file, load_signing_key
from certificates.signing.multikey import SigningKey

ISSUED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def certificate(**changes: object) -> Certificate:
    fields: dict[str, object] = {
        "id": uuid.uuid4(),
        "number": certificate_number(2026, 517),
        "placement_id": uuid.uuid4(),
        "organisation": "sf",
        "language": "sv",
        "issued_at": ISSUED,
        "status_entry": StatusEntry(1, 94_567),
        "record_sequence": 9,
    } | changes
    return Certificate(**fields)  # type: ignore[arg-type]


def test_the_number_is_short_and_sortable_by_year() -> None:
    assert certificate_number(2026, 517) == "KI-2026-000517"


def test_revoking_records_when_and_why_and_only_once() -> None:
    revoked = certificate().revoke("Fel person", datetime(2026, 11, 3, tzinfo=UTC))
    assert revoked.revoked
    assert revoked.revocation_reason == "Fel person"
    with pytest.raises(AlreadyRevoked):
        revoked.revoke("igen", datetime(2026, 11, 4, tzinfo=UTC))


def test_a_superseded_certificate_cannot_be_superseded_again() -> None:
    newer = uuid.uuid4()
    with pytest.raises(AlreadySuperseded) as caught:
        certificate(superseded_by=newer).check_can_be_superseded()
    assert caught.value.by == newer
    certificate().check_can_be_superseded()  # the latest one can


def test_issued_and_revoked_events_carry_the_organisation_sequence_and_correlation() -> None:
    old = uuid.uuid4()
    c = certificate(supersedes=old)
    issued = c.issued_event(sequence=3, correlation_id="case-7")
    assert issued.routing_key == "sf.CertificateIssued"
    assert (issued.sequence, issued.correlation_id, issued.placement_id) == (
        3,
        "case-7",
        c.placement_id,
    )
    assert issued.payload.certificate_id == c.id
    assert issued.payload.supersedes == old
    assert issued.payload.issued_at == ISSUED

    with pytest.raises(ValueError, match="not revoked"):
        c.revoked_event(4, "case-8")
    replacement = uuid.uuid4()
    revoked = c.revoke("Rättad", ISSUED).revoked_event(4, "case-8", superseded_by=replacement)
    assert revoked.routing_key == "sf.CertificateRevoked"
    assert revoked.payload.reason == "Rättad"
    assert revoked.payload.superseded_by == replacement


def test_the_paper_shows_the_citys_calendar_day() -> None:
    context = build_context(CertificatesSettings(), SigningKey.generate())
    late_evening_utc = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    assert context.local_date(late_evening_utc).isoformat() == "2026-11-03"


def test_public_addresses_hang_off_the_base_url() -> None:
    context = build_context(
        CertificatesSettings(public_base_url="https://intyg.malmo.se/"), SigningKey.generate()
    )
    some_id = uuid.UUID(int=7)
    assert context.urls.verify(some_id) == f"https://intyg.malmo.se/verify/{some_id}"
    assert context.urls.status_list(2) == "https://intyg.malmo.se/status/2"
    assert context.urls.verification_method == "https://intyg.malmo.se/issuer#key-1"
    assert context.organisation_name("sf") == "Serviceförvaltningen"
    assert context.organisation_name("okand") == "okand"


# --------------------------------------------------------------------------- signing key


def settings(**values: object) -> CertificatesSettings:
    return CertificatesSettings.model_validate(
        {"signing_key": None, "signing_key_file": None} | values
    )


def test_the_key_comes_from_the_environment_as_pem_or_seed() -> None:
    key = SigningKey.generate()
    for text in (key.private_pem(), key.seed_base64()):
        loaded = load_signing_key(settings(signing_key=SecretStr(text)))
        assert loaded.public_multikey() == key.public_multikey()


def test_the_key_comes_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "issuer.pem"
    key = ensure_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure_key_file(path).public_multikey() == key.public_multikey()  # kept, not replaced
    loaded = load_signing_key(settings(signing_key_file=path))
    assert loaded.public_multikey() == key.public_multikey()


def test_without_a_usable_key_the_service_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="no signing key"):
        build_context(settings())
    secret = "not a key at all, do not echo me"
    with pytest.raises(SigningKeyError) as caught:
        load_signing_key(settings(signing_key=SecretStr(secret)))
    assert secret not in str(caught.value)
    with pytest.raises(SigningKeyError, match="cannot read"):
        load_signing_key(settings(signing_key_file=tmp_path / "missing.pem"))
    with pytest.raises(SigningKeyError, match="not both"):
        load_signing_key(
            settings(signing_key=SecretStr("x"), signing_key_file=tmp_path / "issuer.pem")
        )


# --------------------------------------------------------------------------- negotiation


def request(accept: str | None) -> Request:
    headers = [(b"accept", accept.encode())] if accept is not None else []
    return Request({"type": "http", "headers": headers})


@pytest.mark.parametrize(
    ("accept", "format", "json"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None, False),
        ("application/json", None, True),
        ("application/json, text/plain, */*", None, True),
        ("*/*", None, False),
        (None, None, False),
        ("text/html", "json", True),
        ("application/json", "html", False),
    ],
)
def test_people_get_html_and_machines_json(
    accept: str | None, format: str | None, json: bool
) -> None:
    assert wants_json(request(accept), format) is json
