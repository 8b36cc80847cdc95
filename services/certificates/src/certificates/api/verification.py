"""The public verification answer for machines; the HTML page for people is made from the same
:class:`VerificationOut` (:mod:`certificates.presentation.verification_page`), so they always
say the same."""

from __future__ import annotations

from typing import Literal

from fastapi import Request

from certificates.api.schemas import IssuerOut, ModuleOut, PeriodOut, VerificationOut
from certificates.domain.record import CompetenceRecord
from certificates.service.context import Context
from certificates.service.verification import Verification

Status = Literal["valid", "revoked", "superseded"]


def verification_out(verification: Verification, ctx: Context) -> VerificationOut:
    """The answer: the certificate's own facts always, the paper's content only while the
    service layer discloses it (``record`` is None once revoked or superseded)."""
    certificate, record = verification.certificate, verification.record
    status: Status = "valid"
    if certificate.superseded_by is not None:
        status = "superseded"
    elif certificate.revoked:
        status = "revoked"
    answer = VerificationOut(
        certificate_id=str(certificate.id),
        genuine=verification.genuine,
        status=status,
        revoked=certificate.revoked,
        revoked_on=ctx.local_date(certificate.revoked_at) if certificate.revoked_at else None,
        issuer=IssuerOut(id=ctx.urls.issuer_id, name=ctx.issuer_name),
        certificate_number=certificate.number,
        issued_on=ctx.local_date(certificate.issued_at),
        verification_url=ctx.urls.verify(certificate.id),
    )
    if record is None:
        return answer
    return answer.model_copy(
        update={"organisation": verification.organisation_name} | _content(record, ctx)
    )


def _content(record: CompetenceRecord, ctx: Context) -> dict[str, object]:
    """What the paper says that a verifier compares: name, role, workplace, period, extent
    and the modules' levels (in Swedish, as the paper is issued)."""
    return {
        "name": None if record.identity_erased else record.participant_name,
        "role": record.role,
        "workplace": record.workplace,
        "period": PeriodOut(start=record.start_date, end=record.end_date),
        "employment_rate": record.employment_rate,
        "modules": [
            ModuleOut(
                module=result.module,
                name=ctx.reference.module(result.module).name.sv,
                level=result.latest_level,
                level_name=ctx.reference.scale_for(result.module)
                .level(result.latest_level)
                .name.sv,
            )
            for result in record.modules
        ],
    }


def wants_json(request: Request, format: str | None) -> bool:
    """``?format=`` decides; otherwise whichever of JSON and HTML the Accept header lists
    first (a browser's lists HTML, ``*/*`` gets HTML)."""
    if format is not None:
        return format == "json"
    accept = request.headers.get("accept", "").lower()
    json_at, html_at = accept.find("application/json"), accept.find("text/html")
    return json_at >= 0 and (html_at < 0 or json_at < html_at)
