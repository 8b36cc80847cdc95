"""The issuer's keys over time: rotation keeps what the old key signed verifying; a key marked
compromised from a time stops verifying what it signed from then on, and leaves the
controller document's assertionMethod. (The same is checked with an independent verifier in
tests/integration/certificates/test_interop.py.)"""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from certificates import operations
from certificates.signing.keyring import KeyRing
from certificates.signing.keys import SigningKeyError
from certificates.signing.multikey import SigningKey
from certificates.signing.signer import DataIntegritySigner
from ops.cli import app

ISSUER = "https://intyg.malmo.se/issuer"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
DOCUMENT = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
    "type": ["VerifiableCredential"],
    "issuer": ISSUER,
    "credentialSubject": {"id": "urn:example:subject"},
}


def rotated_pair() -> tuple[KeyRing, DataIntegritySigner, DataIntegritySigner]:
    old, new = SigningKey.generate(), SigningKey.generate()
    ring = KeyRing.single(old).rotated(new, T0)
    old_signer = DataIntegritySigner(old, ISSUER)
    return ring, old_signer, DataIntegritySigner(new, ISSUER, ring)


def test_after_rotation_both_keys_verify_and_each_proof_names_its_key() -> None:
    ring, old_signer, signer = rotated_pair()
    by_old = old_signer.sign(DOCUMENT, T0 - timedelta(days=1))
    by_new = signer.sign(DOCUMENT, T0 + timedelta(days=1))
    assert by_old["proof"][0]["verificationMethod"] == f"{ISSUER}#key-1"
    assert by_new["proof"][0]["verificationMethod"] == f"{ISSUER}#key-2"
    assert signer.verify(by_old)
    assert signer.verify(by_new)
    document = signer.controller_document()
    assert [m["id"] for m in document["verificationMethod"]] == [
        f"{ISSUER}#key-1",
        f"{ISSUER}#key-2",
    ]
    assert document["assertionMethod"] == [f"{ISSUER}#key-1", f"{ISSUER}#key-2"]
    assert ring.key("key-1").retired_at == T0


def test_a_proof_naming_a_key_the_ring_lacks_does_not_verify() -> None:
    _, _, signer = rotated_pair()
    stranger = DataIntegritySigner(SigningKey.generate(), ISSUER)
    assert not signer.verify(stranger.sign(DOCUMENT, T0))  # names key-1, but another key


def test_a_compromised_key_stops_verifying_what_it_signed_from_then_on() -> None:
    ring, old_signer, _ = rotated_pair()
    before = old_signer.sign(DOCUMENT, T0 - timedelta(minutes=1))
    after = old_signer.sign(DOCUMENT, T0 + timedelta(minutes=1))
    current = SigningKey.generate()
    ring = ring.rotated(current, T0).compromised("key-1", T0)
    signer = DataIntegritySigner(current, ISSUER, ring)

    assert signer.verify(before)
    assert not signer.verify(after)
    document = signer.controller_document()
    assert f"{ISSUER}#key-1" not in document["assertionMethod"]
    [key_1] = [m for m in document["verificationMethod"] if m["id"].endswith("#key-1")]
    assert key_1["revoked"] == "2026-01-01T12:00:00Z"


def test_the_current_key_cannot_be_compromised_and_the_key_must_be_the_rings() -> None:
    ring, _, _ = rotated_pair()
    with pytest.raises(ValueError, match="compromised: rotate first"):
        ring.compromised("key-2", T0)
    with pytest.raises(SigningKeyError, match="not the key ring's current key"):
        DataIntegritySigner(SigningKey.generate(), ISSUER, ring)


def test_the_ring_survives_its_file(tmp_path: Path) -> None:
    ring, _, _ = rotated_pair()
    ring = ring.compromised("key-1", T0)
    path = ring.save(tmp_path / "ring.json")
    assert KeyRing.load(path) == ring
    assert "PRIVATE" not in path.read_text()  # public keys only


def test_rotation_and_compromise_are_operator_commands(tmp_path: Path) -> None:
    current_file = tmp_path / "key-1.pem"
    current = SigningKey.generate()
    current_file.write_text(current.private_pem())
    ring_file, new_file = tmp_path / "ring.json", tmp_path / "key-2.pem"
    runner = CliRunner()

    rotated = runner.invoke(
        app,
        [
            "certificates", "rotate-key", "--ring", str(ring_file),
            "--new-key-file", str(new_file), "--current-key-file", str(current_file),
        ],
    )  # fmt: skip
    assert rotated.exit_code == 0, rotated.output
    assert "key-2 (current)" in rotated.output
    assert stat.S_IMODE(new_file.stat().st_mode) == 0o600
    new_key = SigningKey.load(new_file.read_text())
    ring = KeyRing.load(ring_file)
    assert [(k.id, k.public) for k in ring.keys] == [
        ("key-1", current.public_multikey()),
        ("key-2", new_key.public_multikey()),
    ]
    DataIntegritySigner(new_key, ISSUER, ring)  # the new key is the ring's current one

    marked = runner.invoke(
        app,
        [
            "certificates", "compromise-key", "--ring", str(ring_file),
            "--key", "key-1", "--since", "2026-11-02T09:30:00+0100",
        ],
    )  # fmt: skip
    assert marked.exit_code == 0, marked.output
    stored = json.loads(ring_file.read_text())
    assert stored["keys"][0]["compromised_from"] == "2026-11-02T08:30:00Z"


def test_a_rotation_never_overwrites_a_key_file(tmp_path: Path) -> None:
    existing = tmp_path / "key.pem"
    existing.write_text("keep me")
    with pytest.raises(FileExistsError):
        operations.rotate_key(tmp_path / "ring.json", existing, current_key_file=existing)
    assert existing.read_text() == "keep me"
