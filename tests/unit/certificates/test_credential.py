"""The signed credential: Open Badges 3.0 with an eddsa-jcs-2022 Data Integrity proof."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certificates.domain.credential import Issuer, achievement, build_credential, identity_hash
from certificates.domain.record import CompetenceRecord, Ready, build_record
from certificates.signing.multikey import (
    SigningKey,
    base58btc_decode,
    base58btc_encode,
    controller_document,
    public_key_from_multikey,
)
from certificates.signing.proof import sign_credential, verify_credential
from contracts.reference import load_reference_data
from tests.unit.certificates.factory import PARTICIPANT_REF, PERSONNUMMER, complete_placement

REFERENCE = load_reference_data()
ISSUER = Issuer(id="https://intyg.malmo.se", name="Malmö stad", url="https://malmo.se")
KEY = SigningKey.from_seed(bytes(range(32)))
METHOD = "https://intyg.malmo.se#key-1"
ACHIEVEMENT = "https://intyg.malmo.se/achievements/kompetensintyg"
LIST_URL = "https://intyg.malmo.se/status/1"
CREATED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CERTIFICATE_ID = uuid.UUID("5b0c1f7e-8a39-4f55-9d3e-2f1f0c6a7b11")


@pytest.fixture(scope="module")
def record() -> CompetenceRecord:
    p = complete_placement()
    state = build_record(p.events, REFERENCE, p.identities)
    assert isinstance(state, Ready)
    return state.record


def credential_for(record: CompetenceRecord, **changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "certificate_id": CERTIFICATE_ID,
        "issuer": ISSUER,
        "organisation_name": "Serviceförvaltningen",
        "valid_from": CREATED,
        "achievement_id": ACHIEVEMENT,
        "status_list_url": LIST_URL,
        "status_list_index": 94_567,
        "identity_salt": "c0ffee00c0ffee00",
    } | changes
    return build_credential(record, REFERENCE, **arguments)


@pytest.fixture(scope="module")
def signed(record: CompetenceRecord) -> dict[str, Any]:
    return sign_credential(credential_for(record), KEY, METHOD, CREATED)


def test_the_proof_verifies(signed: dict[str, Any]) -> None:
    assert verify_credential(signed, KEY.public_multikey())
    [proof] = signed["proof"]  # an array, as Open Badges 3.0's schema requires
    assert proof["@context"] == signed["@context"]  # the proof configuration's, as signed
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == METHOD
    assert proof["created"] == "2026-11-02T09:30:00Z"
    assert proof["proofValue"].startswith("z")
    # it survives the trip through JSON text, whatever the key order or spacing
    again = json.loads(json.dumps(signed, indent=2, sort_keys=True, ensure_ascii=True))
    assert verify_credential(again, KEY.public_multikey())


def test_it_is_an_open_badges_3_credential_on_vc_2(signed: dict[str, Any]) -> None:
    assert signed["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert signed["id"] == f"urn:uuid:{CERTIFICATE_ID}"
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["issuer"] == {
        "id": "https://intyg.malmo.se",
        "type": ["Profile"],
        "name": "Malmö stad",
        "url": "https://malmo.se",
    }
    assert signed["validFrom"] == "2026-11-02T09:30:00Z"
    assert signed["awardedDate"] == "2026-11-02T09:30:00Z"
    assert signed["name"] == "Kompetensintyg"
    subject = signed["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["id"] == ACHIEVEMENT
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["achievement"]["name"] == "Kompetensintyg"
    assert subject["achievement"]["criteria"]["narrative"]
    assert signed["credentialStatus"] == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }


def test_modules_are_results_against_rubric_levels(
    signed: dict[str, Any], record: CompetenceRecord
) -> None:
    achievement = signed["credentialSubject"]["achievement"]
    descriptions = {d["id"]: d for d in achievement["resultDescription"]}
    assert [d["name"] for d in achievement["resultDescription"]] == [
        m.name.sv for m in REFERENCE.modules
    ]
    levels: dict[str, dict[str, Any]] = {}
    for module, description in zip(
        REFERENCE.modules, achievement["resultDescription"], strict=True
    ):
        assert description["type"] == ["ResultDescription"]
        assert description["resultType"] == "RubricCriterionLevel"
        scale = REFERENCE.scale_for(module.code)
        assert [lv["level"] for lv in description["rubricCriterionLevel"]] == list(
            scale.level_codes
        )
        for level in description["rubricCriterionLevel"]:
            assert level["type"] == ["RubricCriterionLevel"]
            assert level["name"] == scale.level(level["level"]).name.sv
            assert level["description"] == module.descriptor(level["level"]).sv
            levels[level["id"]] = level | {"module": module.code}

    results = signed["credentialSubject"]["result"]
    assert len(results) == len(record.modules) == 3
    for result, assessed in zip(results, record.modules, strict=True):
        assert result["type"] == ["Result"]
        description = descriptions[result["resultDescription"]]
        assert description["name"] == REFERENCE.module(assessed.module).name.sv
        achieved = levels[result["achievedLevel"]]
        assert (achieved["module"], achieved["level"]) == (assessed.module, assessed.latest_level)


EMBLEM = "data:image/svg+xml;base64,PHN2Zy8+"


def test_the_issuer_profile_carries_contact_and_emblem_and_the_achievement_its_image(
    record: CompetenceRecord,
) -> None:
    issuer = Issuer(
        id=ISSUER.id,
        name="Malmö stad",
        url="https://malmo.se",
        email="intyg@malmo.se",
        image=EMBLEM,
    )
    credential = credential_for(record, issuer=issuer)
    assert credential["issuer"] == {
        "id": ISSUER.id,
        "type": ["Profile"],
        "name": "Malmö stad",
        "url": "https://malmo.se",
        "email": "intyg@malmo.se",
        "image": {"id": EMBLEM, "type": "Image", "caption": "Malmö stad"},
    }
    image = credential["credentialSubject"]["achievement"]["image"]
    assert image == {"id": EMBLEM, "type": "Image", "caption": "Kompetensintyg"}
    assert credential["credentialSubject"]["achievement"] == achievement(
        REFERENCE, ACHIEVEMENT, "sv", EMBLEM
    )


def test_awarded_date_is_when_first_awarded_valid_from_by_default(
    record: CompetenceRecord,
) -> None:
    assert credential_for(record)["awardedDate"] == "2026-11-02T09:30:00Z"
    first = datetime(2026, 10, 31, 8, 0, tzinfo=UTC)
    reissued = credential_for(record, awarded=first)
    assert reissued["awardedDate"] == "2026-10-31T08:00:00Z"
    assert reissued["validFrom"] == "2026-11-02T09:30:00Z"


def test_every_module_aligns_each_criterion_with_esco_and_language_with_cefr(
    signed: dict[str, Any],
) -> None:
    achievement_ = signed["credentialSubject"]["achievement"]
    for module, description in zip(
        REFERENCE.modules, achievement_["resultDescription"], strict=True
    ):
        urls = {a["targetUrl"] for a in description["alignment"]}
        for criterion in module.criteria:
            assert {skill.uri for skill in criterion.esco} <= urls, criterion.code
        esco = [a for a in description["alignment"] if a["targetFramework"] == "ESCO"]
        assert len(esco) == len({a["targetUrl"] for a in esco})  # each skill once
        for alignment in description["alignment"]:
            assert alignment["type"] == ["Alignment"]
            assert alignment["targetType"] == "ceasn:Competency"
    language = achievement_["resultDescription"][0]
    assert [a["targetName"] for a in language["alignment"]][:2] == [
        "understand spoken Swedish",
        "CEFR: Listening",
    ]
    b1 = next(lv for lv in language["rubricCriterionLevel"] if lv["level"] == "B1")
    assert b1["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "CEFR B1 (Threshold)",
            "targetUrl": "https://www.coe.int/en/web/common-european-framework-reference-languages",
            "targetFramework": "Common European Framework of Reference for Languages (CEFR)",
            "targetType": "ceasn:Competency",
            "targetCode": "B1",
        }
    ]
    social = achievement_["resultDescription"][1]
    assert "alignment" not in social["rubricCriterionLevel"][0]  # progression: no framework


def test_the_credential_names_nobody(signed: dict[str, Any], record: CompetenceRecord) -> None:
    text = json.dumps(signed, ensure_ascii=False)
    for secret in (
        PERSONNUMMER,
        PERSONNUMMER.replace("-", ""),
        PERSONNUMMER[2:],
        PERSONNUMMER[-4:],
        record.given_name,
        record.family_name,
        "1990-05-17",
        "19900517",
        PARTICIPANT_REF,  # the pseudonym only appears salted and hashed
        "Karin Ek",  # nor the supervisor
    ):
        assert secret not in text
    (identifier,) = signed["credentialSubject"]["identifier"]
    assert identifier == {
        "type": "IdentityObject",
        "identityHash": identity_hash(PARTICIPANT_REF, "c0ffee00c0ffee00"),
        "identityType": "identifier",
        "hashed": True,
        "salt": "c0ffee00c0ffee00",
    }
    expected = hashlib.sha256((PARTICIPANT_REF + "c0ffee00c0ffee00").encode()).hexdigest()
    assert identifier["identityHash"] == f"sha256${expected}"


def test_a_fresh_salt_by_default(record: CompetenceRecord) -> None:
    one = credential_for(record, identity_salt=None)["credentialSubject"]["identifier"][0]
    two = credential_for(record, identity_salt=None)["credentialSubject"]["identifier"][0]
    assert one["salt"] != two["salt"]
    assert one["identityHash"] != two["identityHash"]


def test_english_credential(record: CompetenceRecord) -> None:
    credential = credential_for(record, language="en")
    assert credential["name"] == "Certificate of competence"
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "en"
    assert achievement["resultDescription"][0]["name"] == "Language"


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    else:
        yield path, node


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _one_character_changed(value: str) -> str:
    index = len(value) // 2
    replacement = "2" if value[index] != "2" else "3"
    return value[:index] + replacement + value[index + 1 :]


def test_changing_any_single_character_breaks_the_proof(signed: dict[str, Any]) -> None:
    public = KEY.public_multikey()
    checked = 0
    for path, value in _leaves(signed):
        tampered = copy.deepcopy(signed)
        if isinstance(value, str):
            _set(tampered, path, _one_character_changed(value))
        elif isinstance(value, bool):
            _set(tampered, path, not value)
        else:  # pragma: no cover - the credential has only strings and booleans
            _set(tampered, path, value + 1)
        assert not verify_credential(tampered, public), path
        checked += 1
    assert checked > 100  # every leaf of the document and of the proof


def test_changing_a_result_level_or_the_date_breaks_the_proof(signed: dict[str, Any]) -> None:
    public = KEY.public_multikey()
    higher = copy.deepcopy(signed)
    result = higher["credentialSubject"]["result"][0]
    result["achievedLevel"] = result["achievedLevel"].replace("level-B1", "level-C2")
    assert result["achievedLevel"].endswith("level-C2")
    assert not verify_credential(higher, public)

    earlier = copy.deepcopy(signed)
    earlier["validFrom"] = "2026-11-01T09:30:00Z"
    assert not verify_credential(earlier, public)

    added = copy.deepcopy(signed)
    added["credentialSubject"]["name"] = "Someone Else"
    assert not verify_credential(added, public)


def test_a_single_changed_byte_in_the_json_breaks_the_proof(signed: dict[str, Any]) -> None:
    text = json.dumps(signed, ensure_ascii=False).encode("utf-8")
    position = text.index(b'"validFrom": "2026-11-02') + len(b'"validFrom": "2026-11-0')
    tampered = text[:position] + b"3" + text[position + 1 :]  # 2 November -> 3 November
    assert len(tampered) == len(text)
    assert json.loads(tampered)["validFrom"] == "2026-11-03T09:30:00Z"
    assert not verify_credential(json.loads(tampered), KEY.public_multikey())


def test_another_key_does_not_verify(signed: dict[str, Any]) -> None:
    assert not verify_credential(signed, SigningKey.generate().public_multikey())


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("proof"),
        lambda d: d["proof"][0].pop("proofValue"),
        lambda d: d["proof"][0].update(proofValue="z" + "1" * 10),
        lambda d: d["proof"][0].update(proofValue="not multibase"),
        lambda d: d["proof"][0].update(cryptosuite="eddsa-rdfc-2022"),
        lambda d: d["proof"][0].update(proofPurpose="authentication"),
        lambda d: d["proof"][0].update(created="yesterday"),
        lambda d: d.update(proof="a string"),
        lambda d: d["proof"][0].update({"@context": ["https://example.org/other"]}),
        lambda d: d.pop("@context"),
    ],
)
def test_a_malformed_proof_is_false_not_an_exception(signed: dict[str, Any], damage: Any) -> None:
    document = copy.deepcopy(signed)
    damage(document)
    assert verify_credential(document, KEY.public_multikey()) is False


def test_garbage_keys_and_documents_are_false() -> None:
    assert verify_credential({}, KEY.public_multikey()) is False
    assert verify_credential({"proof": {}}, "z123") is False
    assert verify_credential([], KEY.public_multikey()) is False  # type: ignore[arg-type]


def test_a_proof_without_context_as_signed_before_still_verifies(signed: dict[str, Any]) -> None:
    """Certificates issued before the proof carried its @context (a single object) still
    verify here: the configuration was hashed with the document's @context all the same."""
    document = copy.deepcopy(signed)
    [proof] = document["proof"]
    del proof["@context"]
    document["proof"] = proof
    assert verify_credential(document, KEY.public_multikey())


def test_signing_refuses_a_document_that_already_has_a_proof(signed: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="already has a proof"):
        sign_credential(signed, KEY, METHOD, CREATED)


# --------------------------------------------------------------------------- interoperability

# The eddsa-jcs-2022 test vector of the W3C specification (vc-di-eddsa, TestVectors/).
W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_SIGNED: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": (
            "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        ),
        "proofPurpose": "assertionMethod",
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "proofValue": (
            "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"
        ),
    },
}


def test_the_w3c_test_vector_verifies_and_is_reproduced() -> None:
    assert verify_credential(W3C_SIGNED, W3C_PUBLIC)
    private = base58btc_decode(W3C_PRIVATE[1:])
    assert private[:2] == b"\x80\x26"  # multicodec ed25519-priv
    key = SigningKey.from_seed(private[2:])
    assert key.public_multikey() == W3C_PUBLIC
    unsigned = {k: v for k, v in W3C_SIGNED.items() if k != "proof"}
    proof = W3C_SIGNED["proof"]
    created = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
    ours = sign_credential(unsigned, key, proof["verificationMethod"], created)
    assert ours["proof"] == [proof]  # the same proof, @context included


# --------------------------------------------------------------------------- keys


def test_a_key_loads_from_pem_and_from_a_base64_seed() -> None:
    key = SigningKey.generate()
    from_pem = SigningKey.load(key.private_pem())
    from_seed = SigningKey.load(key.seed_base64())
    urlsafe = SigningKey.load(key.seed_base64().replace("+", "-").replace("/", "_").rstrip("="))
    assert from_pem.public_multikey() == key.public_multikey()
    assert from_seed.public_multikey() == key.public_multikey()
    assert urlsafe.public_multikey() == key.public_multikey()
    assert key.public_multikey().startswith("z6Mk")
    assert key.seed_base64() not in repr(key)
    assert public_key_from_multikey(key.public_multikey()).public_bytes_raw() == (
        key.public_key_bytes()
    )


def test_a_key_that_is_not_ed25519_is_refused() -> None:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ValueError, match="expected an Ed25519 key"):
        SigningKey.load(pem)
    with pytest.raises(ValueError, match="32 bytes"):
        SigningKey.load("c2hvcnQ=")
    with pytest.raises(ValueError, match="neither PEM nor a base64 seed"):
        SigningKey.load("not base64 at all!")


def test_the_controller_document_publishes_the_multikey() -> None:
    document = KEY.controller_document("https://intyg.malmo.se", "key-1")
    assert document == controller_document(
        "https://intyg.malmo.se", "#key-1", KEY.public_multikey()
    )
    assert document == {
        "@context": ["https://w3id.org/security/v2", "https://w3id.org/security/multikey/v1"],
        "id": "https://intyg.malmo.se",
        "verificationMethod": [
            {
                "id": METHOD,
                "type": "Multikey",
                "controller": "https://intyg.malmo.se",
                "publicKeyMultibase": KEY.public_multikey(),
            }
        ],
        "assertionMethod": [METHOD],
    }


@pytest.mark.parametrize(
    "data", [b"", b"\0", b"\0\0\x01", b"hello world", bytes(range(256)), b"\xff" * 40]
)
def test_base58btc_round_trip(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data


def test_base58btc_known_values() -> None:
    assert base58btc_encode(b"hello world") == "StV1DL6CwTryKyV"
    assert base58btc_encode(bytes.fromhex("516b6fcd0f")) == "ABnLTmg"
    assert base58btc_encode(bytes(10)) == "1111111111"
    leading_zero = bytes.fromhex("00eb15231dfceb60925886b67d065299925915aeb172c06647")
    assert base58btc_encode(leading_zero) == "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"
    with pytest.raises(ValueError, match="base58btc"):
        base58btc_decode("0OIl")
