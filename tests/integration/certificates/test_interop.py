"""Independent verification: certificates issued by the running service verify with Digital
Bazaar's implementations (``tests/interop``: ``@digitalbazaar/vc``, the ``eddsa-jcs-2022``
cryptosuite, ``vc-bitstring-status-list``), which this project did not write.

The verifier gets the controller document and the status list exactly as the service served them
over HTTP, and JSON-LD contexts only from npm packages: nothing from the network. It checks the
proof, that the issuer's controller document lists the key under ``assertionMethod``, the
revocation bit; and it lists any property or type that no published context defines (JSON-LD
would drop it, yet a JCS proof verifies over it).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from certificates.signing.keyring import KeyRing, RingKey
from certificates.signing.multikey import SigningKey
from certificates.signing.signer import DataIntegritySigner
from tests.integration.certificates.conftest import BASE_URL, Service, placement

pytestmark = pytest.mark.integration

INTEROP = Path(__file__).resolve().parents[2] / "interop"
NODE = shutil.which("node")


def _require_verifier() -> None:
    if NODE is None:
        pytest.skip("node is not installed: the independent verifier (tests/interop) needs it")
    if not (INTEROP / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.fail("run `npm ci --prefix tests/interop` (scripts/ensure-test-tools.sh does)")


def independent_verify(
    documents: dict[str, Any], credentials: list[dict[str, Any]], tmp_path: Path
) -> list[dict[str, Any]]:
    """The Node verifier's answer, one result per credential."""
    _require_verifier()
    assert NODE is not None
    given = tmp_path / f"input-{uuid.uuid4().hex}.json"
    given.write_text(json.dumps({"documents": documents, "credentials": credentials}), "utf-8")
    done = subprocess.run(
        [NODE, str(INTEROP / "verify.mjs"), str(given)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


async def issue(service: Service) -> uuid.UUID:
    p = placement()
    await service.publish_placement(p)
    return await service.issued(p.placement_id)


async def credential_of(service: Service, certificate_id: uuid.UUID) -> dict[str, Any]:
    async with service.client("sf") as client:
        response = await client.get(f"/certificates/{certificate_id}/credential")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.content)
    return document


async def served(service: Service, *urls: str) -> dict[str, Any]:
    """The documents at ``urls`` as the service serves them (over ASGI HTTP)."""
    documents: dict[str, Any] = {}
    async with service.client(None) as public:
        for url in urls:
            response = await public.get(url.removeprefix(BASE_URL))
            assert response.status_code == 200, url
            documents[url] = json.loads(response.content)
    return documents


async def test_every_credential_and_the_status_list_verify_independently(
    service: Service, tmp_path: Path
) -> None:
    _require_verifier()
    ids = [await issue(service) for _ in range(2)]
    credentials = [await credential_of(service, i) for i in ids]
    issuer = credentials[0]["issuer"]["id"]
    status_url = credentials[0]["credentialStatus"]["statusListCredential"]
    documents = await served(service, issuer, status_url)

    results = independent_verify(documents, [*credentials, documents[status_url]], tmp_path)

    for credential, result in zip(credentials, results, strict=False):
        assert result["id"] == credential["id"]
        assert result["errors"] == []
        assert result["verified"] is True
        assert result["statusVerified"] is True
        assert result["revoked"] is False
        assert result["undefinedTerms"] == []
    assert results[-1] == {
        "id": status_url,
        "verified": True,
        "statusVerified": None,
        "revoked": None,
        "undefinedTerms": [],
        "errors": [],
    }


async def test_a_revoked_certificate_is_revoked_for_the_independent_verifier(
    service: Service, tmp_path: Path
) -> None:
    _require_verifier()
    certificate_id = await issue(service)
    async with service.client("sf") as client:
        response = await client.post(
            f"/certificates/{certificate_id}/revoke", json={"reason": "Utfärdat i fel namn"}
        )
    assert response.status_code == 200
    credential = await credential_of(service, certificate_id)
    status_url = credential["credentialStatus"]["statusListCredential"]
    documents = await served(service, credential["issuer"]["id"], status_url)

    [result] = independent_verify(documents, [credential], tmp_path)
    assert result["statusVerified"] is True
    assert result["revoked"] is True


def _tampered(credential: dict[str, Any]) -> list[dict[str, Any]]:
    role = copy.deepcopy(credential)
    role["credentialSubject"]["role"] += " (chef)"
    level = copy.deepcopy(credential)
    result = level["credentialSubject"]["result"][0]
    result["achievedLevel"] = result["achievedLevel"][:-1] + "9"
    date = copy.deepcopy(credential)
    date["validFrom"] = date["validFrom"].replace("20", "19", 1)
    signature = copy.deepcopy(credential)
    value = signature["proof"][0]["proofValue"]
    signature["proof"][0]["proofValue"] = value[:-2] + ("22" if value[-2:] != "22" else "33")
    return [role, level, date, signature]


async def test_a_tampered_copy_fails_independently(service: Service, tmp_path: Path) -> None:
    _require_verifier()
    credential = await credential_of(service, await issue(service))
    status_url = credential["credentialStatus"]["statusListCredential"]
    documents = await served(service, credential["issuer"]["id"], status_url)

    results = independent_verify(documents, _tampered(credential), tmp_path)
    assert [r["verified"] for r in results] == [False, False, False, False]


async def test_a_key_the_issuer_does_not_list_for_assertion_fails_independently(
    service: Service, tmp_path: Path
) -> None:
    """The verifier checks that the issuer controls the key: a controller document that no
    longer lists the key under ``assertionMethod`` makes the same credential fail."""
    _require_verifier()
    credential = await credential_of(service, await issue(service))
    issuer = credential["issuer"]["id"]
    status_url = credential["credentialStatus"]["statusListCredential"]
    documents = await served(service, issuer, status_url)
    [good] = independent_verify(documents, [credential], tmp_path)
    assert good["verified"] is True

    documents[issuer]["assertionMethod"] = []
    [result] = independent_verify(documents, [credential], tmp_path)
    assert result["verified"] is False
    assert any("not authorized by controller" in e for e in result["errors"]), result


async def test_a_term_no_context_defines_is_reported(service: Service, tmp_path: Path) -> None:
    """A property the Open Badges context does not define still verifies (the proof is over
    JSON, not JSON-LD), so the verifier reports it: our credentials have none."""
    _require_verifier()
    credential = await credential_of(service, await issue(service))
    status_url = credential["credentialStatus"]["statusListCredential"]
    documents = await served(service, credential["issuer"]["id"], status_url)
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    subject = unsigned["credentialSubject"]
    types = [*subject["type"], "Hobby"]
    unsigned["credentialSubject"] = {**subject, "favouriteColour": "blue", "type": types}
    resigned = service.context.signer.sign(unsigned, service.context.clock())

    [result] = independent_verify(documents, [resigned], tmp_path)
    assert result["verified"] is True
    assert result["undefinedTerms"] == ["Hobby", "favouriteColour"]


# --------------------------------------------------------------------------- Open Badges content


async def test_the_achievement_id_answers_with_the_achievement_the_credential_names(
    service: Service,
) -> None:
    credential = await credential_of(service, await issue(service))
    embedded = credential["credentialSubject"]["achievement"]
    async with service.client(None) as public:
        response = await public.get(embedded["id"].removeprefix(BASE_URL))
        english = (await public.get(embedded["id"].removeprefix(BASE_URL) + "?language=en")).json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    served_achievement = response.json()
    assert served_achievement.pop("@context") == credential["@context"]
    assert served_achievement == embedded
    assert english["id"] == embedded["id"]
    assert english["name"] == "Certificate of competence"
    assert english["inLanguage"] == "en"


async def test_the_credential_carries_issuer_contact_emblem_and_awarded_date(
    service: Service,
) -> None:
    credential = await credential_of(service, await issue(service))
    issuer = credential["issuer"]
    assert issuer["url"] == "https://malmo.se"
    assert issuer["email"] == "kompetensintyg@malmo.se"
    assert issuer["image"]["type"] == "Image"
    assert issuer["image"]["id"].startswith("data:image/svg+xml;base64,")
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["image"]["id"] == issuer["image"]["id"]
    assert credential["awardedDate"] == credential["validFrom"]


async def test_a_reissue_keeps_the_awarded_date_and_verifies_independently(
    service: Service, tmp_path: Path
) -> None:
    _require_verifier()
    old_id = await issue(service)
    old = await credential_of(service, old_id)
    async with service.client("sf") as client:
        response = await client.post(
            f"/certificates/{old_id}/reissue", json={"reason": "Rättad roll"}
        )
    assert response.status_code in (200, 201), response.text
    new = await credential_of(service, uuid.UUID(response.json()["id"]))
    assert new["id"] != old["id"]
    assert new["awardedDate"] == old["awardedDate"]
    status_url = new["credentialStatus"]["statusListCredential"]
    documents = await served(service, new["issuer"]["id"], status_url)
    [result] = independent_verify(documents, [new], tmp_path)
    assert result["verified"] is True
    assert result["revoked"] is False


async def test_modules_are_results_on_rubric_levels_aligned_with_esco_and_cefr(
    service: Service,
) -> None:
    credential = await credential_of(service, await issue(service))
    subject = credential["credentialSubject"]
    descriptions = {d["id"]: d for d in subject["achievement"]["resultDescription"]}
    levels = {
        level["id"]: level
        for description in descriptions.values()
        for level in description["rubricCriterionLevel"]
    }
    assert subject["result"]
    for result in subject["result"]:
        assert result["resultDescription"] in descriptions
        assert result["achievedLevel"] in levels
    for description in descriptions.values():
        esco = [a for a in description["alignment"] if a["targetFramework"] == "ESCO"]
        assert esco, description["name"]
        assert all(a["targetUrl"].startswith("http://data.europa.eu/esco/skill/") for a in esco)
    language = descriptions[subject["achievement"]["id"] + "#module-sprak"]
    cefr = [a["targetName"] for a in language["alignment"] if a["targetFramework"] != "ESCO"]
    assert cefr == [
        "CEFR: Listening",
        "CEFR: Reading",
        "CEFR: Spoken interaction",
        "CEFR: Spoken production",
        "CEFR: Writing",
    ]
    b1 = levels[subject["achievement"]["id"] + "#module-sprak-level-B1"]
    assert b1["alignment"][0]["targetCode"] == "B1"


# --------------------------------------------------------------------------- the issuer's keys


def _unsigned(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


async def test_after_rotation_old_and_new_credentials_verify_and_a_compromised_key_fails(
    service: Service, tmp_path: Path
) -> None:
    """The service signed with key-1; an operator rotates to key-2. Both verify independently
    (each proof names its key). Then key-1 is marked compromised: it leaves assertionMethod,
    so an independent verifier refuses what it signed, while key-2's credentials still verify."""
    _require_verifier()
    old = await credential_of(service, await issue(service))
    issuer_id = old["issuer"]["id"]
    status_url = old["credentialStatus"]["statusListCredential"]
    served_now = await served(service, issuer_id, status_url)
    [key_1] = served_now[issuer_id]["verificationMethod"]
    now = service.context.clock()
    new_key = SigningKey.generate()
    ring = KeyRing((RingKey("key-1", key_1["publicKeyMultibase"]),), "key-1").rotated(new_key, now)
    signer = DataIntegritySigner(new_key, issuer_id, ring)
    new = signer.sign({**_unsigned(old), "id": uuid.uuid4().urn}, now)
    assert new["proof"][0]["verificationMethod"] == f"{issuer_id}#key-2"
    # what the rotated service serves: both keys, and the status list signed with key-2
    documents = {
        issuer_id: signer.controller_document(),
        status_url: signer.sign(_unsigned(served_now[status_url]), now),
    }
    results = independent_verify(documents, [old, new], tmp_path)
    assert [(r["verified"], r["statusVerified"]) for r in results] == [(True, True)] * 2

    compromised = DataIntegritySigner(new_key, issuer_id, ring.compromised("key-1", now))
    documents[issuer_id] = compromised.controller_document()
    by_key_1, by_key_2 = independent_verify(documents, [old, new], tmp_path)
    assert by_key_1["verified"] is False
    assert any("not authorized by controller" in e for e in by_key_1["errors"]), by_key_1
    assert by_key_2["verified"] is True
    # this service still believes what key-1 signed before it was compromised
    assert compromised.verify(old)
