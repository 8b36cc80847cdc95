"""The certificate as a machine-readable credential: an Open Badges 3.0 ``OpenBadgeCredential``
on the W3C Verifiable Credentials Data Model 2.0, before it is signed.

The proof (``eddsa-jcs-2022``) and the key are not business rules; they live in
:mod:`certificates.signing`. What stays here is pure: the document, its timestamps and the
address of the key that signs it.

The credential reveals no more than the paper and less where it can: the participant appears
only as a salted hash of the city-wide pseudonym (``participant_ref``), never by name or
personnummer. Modules are results against rubric levels: one ``ResultDescription`` per module
of the catalogue, with the module-specific level descriptors, and one ``Result`` per module
that was assessed.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from certificates.domain.record import CompetenceRecord
from contracts.reference import Language, Module, ReferenceData

__all__ = [
    "CREDENTIAL_CONTEXT",
    "Issuer",
    "achievement",
    "build_credential",
    "identity_hash",
    "verification_method_id",
    "xml_datetime",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_CONTEXT: tuple[str, ...] = (VC_CONTEXT, OB_CONTEXT)
CEFR_URL = "https://www.coe.int/en/web/common-european-framework-reference-languages"
CEFR_FRAMEWORK = "Common European Framework of Reference for Languages (CEFR)"
_CEFR_ACTIVITIES = {
    "listening": "Listening",
    "reading": "Reading",
    "spoken-interaction": "Spoken interaction",
    "spoken-production": "Spoken production",
    "writing": "Writing",
}


def xml_datetime(value: datetime) -> str:
    """``2026-11-02T09:30:00Z``: an XML Schema dateTime in UTC, to the second."""
    if value.tzinfo is None:
        raise ValueError("a credential timestamp must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def verification_method_id(issuer_id: str, key_id: str) -> str:
    """``key_id`` as an absolute URL: a bare fragment (``key-1``/``#key-1``) joins ``issuer_id``."""
    if ":" in key_id:
        return key_id
    return f"{issuer_id}#{key_id.removeprefix('#')}"


@dataclass(frozen=True, slots=True)
class Issuer:
    """The issuing ``Profile``: the city, identified by a URL (or a DID), with its home page,
    contact address and emblem (``image``: a URL or a ``data:`` URI) where given."""

    id: str
    name: str
    url: str | None = None
    email: str | None = None
    image: str | None = None

    def profile(self) -> dict[str, Any]:
        profile: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.url:
            profile["url"] = self.url
        if self.email:
            profile["email"] = self.email
        if self.image:
            profile["image"] = {"id": self.image, "type": "Image", "caption": self.name}
        return profile


def identity_hash(value: str, salt: str) -> str:
    """Open Badges' salted identity hash: ``sha256$`` + hex(SHA-256(value + salt))."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def build_credential(
    record: CompetenceRecord,
    reference: ReferenceData,
    *,
    certificate_id: uuid.UUID,
    issuer: Issuer,
    organisation_name: str,
    valid_from: datetime,
    achievement_id: str,
    status_list_url: str,
    status_list_index: int,
    identity_salt: str | None = None,
    language: Language = "sv",
    awarded: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` for one certificate; sign it with the service's
    signer (:mod:`certificates.signing`).

    ``achievement_id`` is the URL of the one city-wide "Kompetensintyg" achievement (its
    rubric, one result description per module, is the same on every certificate).
    ``identity_salt`` defaults to a fresh random salt. ``awarded`` is when the certificate was
    first awarded (a re-issue keeps it); ``valid_from`` by default.
    """
    texts = _TEXTS[language]
    summary = texts["summary"].format(
        role=record.role,
        workplace=record.workplace,
        organisation=organisation_name,
        issuer=issuer.name,
        start=record.start_date.isoformat(),
        end=record.end_date.isoformat(),
        rate=record.employment_rate,
    )
    salt = identity_salt if identity_salt is not None else secrets.token_hex(16)
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": certificate_id.urn,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer.profile(),
        "validFrom": xml_datetime(valid_from),
        "awardedDate": xml_datetime(awarded or valid_from),
        "name": texts["name"],
        "description": summary,
        "credentialSubject": _subject(record, reference, achievement_id, salt, language, issuer),
        "credentialStatus": _status_entry(status_list_url, status_list_index),
    }


def _subject(
    record: CompetenceRecord,
    reference: ReferenceData,
    achievement_id: str,
    salt: str,
    language: Language,
    issuer: Issuer,
) -> dict[str, Any]:
    return {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(record.participant_ref, salt),
                "identityType": "identifier",
                "hashed": True,
                "salt": salt,
            }
        ],
        "activityStartDate": _date_time(record.start_date),
        "activityEndDate": _date_time(record.end_date),
        "role": record.role,
        "achievement": achievement(reference, achievement_id, language, issuer.image),
        "result": [
            {
                "type": ["Result"],
                "resultDescription": _result_description_id(achievement_id, m.module),
                "achievedLevel": _level_id(achievement_id, m.module, m.latest_level),
            }
            for m in record.modules
        ],
    }


def achievement(
    reference: ReferenceData, achievement_id: str, language: Language, image: str | None = None
) -> dict[str, Any]:
    """The city-wide "Kompetensintyg" achievement with its rubric: the same on every paper,
    and what its id answers with."""
    texts = _TEXTS[language]
    modules = ", ".join(m.name.localized(language).lower() for m in reference.modules)
    image_object = {"image": {"id": image, "type": "Image", "caption": texts["name"]}}
    return {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": texts["name"],
        "description": texts["achievement_description"].format(
            count=len(reference.modules), modules=modules
        ),
        "criteria": {"narrative": texts["criteria"]},
        "inLanguage": language,
        **(image_object if image else {}),
        "resultDescription": [
            _result_description(achievement_id, m.code, reference, language)
            for m in reference.modules
        ],
    }


def _status_entry(status_list_url: str, status_list_index: int) -> dict[str, Any]:
    return {
        "id": f"{status_list_url}#{status_list_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(status_list_index),
        "statusListCredential": status_list_url,
    }


def _result_description_id(achievement_id: str, module: str) -> str:
    return f"{achievement_id}#module-{module}"


def _level_id(achievement_id: str, module: str, level: str) -> str:
    return f"{achievement_id}#module-{module}-level-{level}"


def _result_description(
    achievement_id: str, code: str, reference: ReferenceData, language: Language
) -> dict[str, Any]:
    module = reference.module(code)
    scale = reference.scale_for(code)
    description: dict[str, Any] = {
        "id": _result_description_id(achievement_id, code),
        "type": ["ResultDescription"],
        "name": module.name.localized(language),
        "resultType": "RubricCriterionLevel",
        "rubricCriterionLevel": [
            {
                "id": _level_id(achievement_id, code, level.code),
                "type": ["RubricCriterionLevel"],
                "name": level.name.localized(language),
                "description": module.descriptor(level.code).localized(language),
                "level": level.code,
                **_cefr_level(scale.code, level.code, level.name.en),
            }
            for level in scale.levels
        ],
    }
    alignments = _alignments(module)
    if alignments:
        description["alignment"] = alignments
    return description


def _alignments(module: Module) -> list[dict[str, Any]]:
    """The module's criteria aligned with ESCO skills (and language with the CEFR's
    activities), each target once."""
    targets: dict[tuple[str, str], dict[str, Any]] = {}
    for uri in module.esco:
        targets[(uri, module.name.en)] = _alignment(module.name.en, uri, "ESCO")
    for criterion in module.criteria:
        for skill in criterion.esco:
            targets[(skill.uri, skill.name)] = _alignment(skill.name, skill.uri, "ESCO")
        if criterion.cefr:
            name = f"CEFR: {_CEFR_ACTIVITIES[criterion.cefr]}"
            targets[(CEFR_URL, name)] = _alignment(name, CEFR_URL, CEFR_FRAMEWORK)
    return list(targets.values())


def _alignment(name: str, url: str, framework: str) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": name,
        "targetUrl": url,
        "targetFramework": framework,
        "targetType": "ceasn:Competency",
    }


def _cefr_level(scale: str, code: str, name: str) -> dict[str, Any]:
    """A level of the CEFR scale is that CEFR level: say so, for machines."""
    if scale != "cefr":
        return {}
    alignment = _alignment(f"CEFR {code} ({name})", CEFR_URL, CEFR_FRAMEWORK)
    return {"alignment": [{**alignment, "targetCode": code}]}


def _date_time(value: date) -> str:
    return xml_datetime(datetime.combine(value, time(), tzinfo=UTC))


_TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "name": "Kompetensintyg",
        "summary": (
            "{role} på {workplace}, {organisation}, {issuer}, {start} – {end}, {rate} % av heltid."
        ),
        "achievement_description": (
            "Stadens enhetliga intyg över den kompetens en deltagare har visat under en "
            "arbetsmarknadsanställning, bedömd i {count} moduler: {modules}."
        ),
        "criteria": (
            "Utfärdas när en arbetsmarknadsanställning har avslutats. Handledaren bedömer "
            "deltagaren, en eller flera gånger, i stadens gemensamma moduler; intyget visar den "
            "senaste nivån för varje bedömd modul, med modulens nivåbeskrivning."
        ),
    },
    "en": {
        "name": "Certificate of competence",
        "summary": (
            "{role} at {workplace}, {organisation}, {issuer}, {start} – {end}, "
            "{rate}% of full time."
        ),
        "achievement_description": (
            "The city's uniform certificate of the competence a participant has shown during a "
            "labour-market employment, assessed in {count} modules: {modules}."
        ),
        "criteria": (
            "Issued when a labour-market employment has ended. The supervisor assesses the "
            "participant, once or more, in the city's common modules; the certificate shows the "
            "latest level of every module assessed, with the module's level descriptor."
        ),
    },
}
