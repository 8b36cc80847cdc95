"""Independent verification: certificates issued by the running service verify with Digital
Bazaar's implementations (``tests/interop``: ``@digitalbazaar/vc``, the ``eddsa-jcs-2022``
cryptosuite, ``vc-bitstring-status-list``), which this project did not write.

The verifier gets the controller document and the status list exactly as the service served them
over HTTP, and JSON-LD contexts only from npm packages: nothing from the network. It checks the
proof, that the issuer's controller document lists the key under ``assertionMethod``, the
credential's JSON-LD (safe mode: every term defined) and the revocation bit.
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
    assert results[-1] == {
        "id": status_url,
        "verified": True,
        "statusVerified": None,
        "revoked": None,
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
