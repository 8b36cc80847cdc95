"""Public answers: is a certificate genuine and still valid; the status list; the issuer's key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from certificates.domain.certificate import Certificate
from certificates.domain.credential import CREDENTIAL_CONTEXT, achievement
from certificates.domain.record import CompetenceRecord
from certificates.domain.status_list import status_list_credential
from certificates.service.context import Context
from certificates.service.ports import UnitOfWork
from contracts.reference import Language
from runtime.access_log import Reader


@dataclass(frozen=True)
class Verification:
    certificate: Certificate
    record: CompetenceRecord | None
    """What the paper says; None once the certificate no longer shows it (revoked or
    superseded: see :attr:`Certificate.shows_content`)."""
    genuine: bool
    """The stored credential still carries a valid proof by the issuer's key."""
    organisation_name: str | None
    """The förvaltning, shown with the content only."""


async def verify_certificate(
    uow: UnitOfWork,
    ctx: Context,
    reader: Reader,
    certificate_id: uuid.UUID,
    presented: Mapping[str, Any] | None = None,
) -> Verification | None:
    """What the verification page shows; None if no certificate has this id, or if
    ``presented`` is not exactly the credential issued under it (a proof by a key compromised
    later could carry any time, so a presented copy must be the one we issued)."""
    stored = await uow.repository.certificate(certificate_id)
    if stored is None:
        return None
    issued = json.loads(stored.credential)
    if presented is not None and dict(presented) != issued:
        return None
    genuine = ctx.signer.verify(issued)
    certificate = stored.certificate
    shown = certificate.shows_content
    if shown:  # the answer names the participant: logged, committed by the caller
        await uow.access_log.record(
            reader.read([(certificate.placement_id, certificate.organisation)])
        )
    return Verification(
        certificate=certificate,
        record=stored.record if shown else None,
        genuine=genuine,
        organisation_name=ctx.organisation_name(certificate.organisation) if shown else None,
    )


async def verify_presented(
    uow: UnitOfWork, ctx: Context, reader: Reader, document: Any
) -> Verification | None:
    """A credential someone holds: genuine only if our key signed exactly this document and
    it is the one we issued. None otherwise (nothing about why, beyond "not genuine")."""
    if not isinstance(document, Mapping):
        return None
    if not ctx.signer.verify(document):
        return None
    certificate_id = _urn_uuid(document.get("id"))
    if certificate_id is None:
        return None
    return await verify_certificate(uow, ctx, reader, certificate_id, presented=document)


def _urn_uuid(value: object) -> uuid.UUID | None:
    if not isinstance(value, str) or not value.startswith("urn:uuid:"):
        return None
    try:
        return uuid.UUID(value.removeprefix("urn:uuid:"))
    except ValueError:
        return None


async def signed_status_list(uow: UnitOfWork, ctx: Context, list_id: int) -> dict[str, Any] | None:
    """The signed ``BitstringStatusListCredential`` of list ``list_id``; None if never used."""
    revoked = await uow.repository.revoked_indices(list_id)
    if revoked is None:
        return None
    now = ctx.clock()
    url = ctx.urls.status_list(list_id)
    credential = status_list_credential(url, ctx.urls.issuer_id, revoked, valid_from=now)
    return ctx.signer.sign(credential, now)


def issuer_document(ctx: Context) -> dict[str, Any]:
    """The issuer's controller document: its Multikey, allowed to sign credentials."""
    return ctx.signer.controller_document()


def achievement_document(ctx: Context, language: Language | None = None) -> dict[str, Any]:
    """What the achievement id in every credential answers: the "Kompetensintyg" Achievement
    with its rubric, the same object the credentials embed."""
    document = achievement(
        ctx.reference, ctx.urls.achievement, language or ctx.language, ctx.emblem
    )
    return {"@context": list(CREDENTIAL_CONTEXT), **document}
