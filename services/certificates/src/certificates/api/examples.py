"""Examples for the OpenAPI document: what a verifier and a förvaltning get back."""

from __future__ import annotations

from typing import Any

VERIFICATION_EXAMPLE: dict[str, Any] = {
    "certificate_id": "3f1c2a9e-6b7d-4c1e-9a55-0c3d8e2f4b61",
    "genuine": True,
    "status": "valid",
    "revoked": False,
    "revoked_on": None,
    "superseded_by": None,
    "issuer": {"id": "https://intyg.malmo.se/issuer", "name": "Malmö stad"},
    "organisation": "Serviceförvaltningen",
    "certificate_number": "KI-2026-000517",
    "issued_on": "2026-11-02",
    "name": "Amira Haddad Lindqvist",
    "role": "Biblioteksassistent",
    "workplace": "Stadsbiblioteket, Barnavdelningen",
    "period": {"start": "2026-01-12", "end": "2026-10-30"},
    "employment_rate": 75,
    "modules": [
        {"module": "sprak", "name": "Språk", "level": "B1", "level_name": "Mellannivå"},
    ],
    "verification_url": "https://intyg.malmo.se/verify/3f1c2a9e-6b7d-4c1e-9a55-0c3d8e2f4b61",
}

ISSUER_EXAMPLE: dict[str, Any] = {
    "@context": ["https://w3id.org/security/v2", "https://w3id.org/security/multikey/v1"],
    "id": "https://intyg.malmo.se/issuer",
    "verificationMethod": [
        {
            "id": "https://intyg.malmo.se/issuer#key-1",
            "type": "Multikey",
            "controller": "https://intyg.malmo.se/issuer",
            "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        }
    ],
    "assertionMethod": ["https://intyg.malmo.se/issuer#key-1"],
}

CREDENTIAL_EXAMPLE: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:3f1c2a9e-6b7d-4c1e-9a55-0c3d8e2f4b61",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://intyg.malmo.se/issuer", "type": ["Profile"], "name": "Malmö stad"},
    "validFrom": "2026-11-02T09:30:00Z",
    "name": "Kompetensintyg",
    "credentialSubject": {"type": ["AchievementSubject"], "result": ["…"]},
    "credentialStatus": {
        "id": "https://intyg.malmo.se/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://intyg.malmo.se/status/1",
    },
    "proof": [
        {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "created": "2026-11-02T09:30:00Z",
            "verificationMethod": "https://intyg.malmo.se/issuer#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z3FXQjecWufY46…",
        }
    ],
}
