"""The public verification answer for machines; the HTML page for people is made from the same
:class:`VerificationOut` (:mod:`certificates.presentation.verification_page`), so they always
say the same."""

from __future__ import annotations

from fastapi import Request

from certificates.api.schemas import (
    IssuerOut,
    ModuleOut,
    PeriodOut,
    ReplacementOut,
    VerificationOut,
)
from certificates.service.context import Context
from certificates.service.verification import Verification


def verification_out(verification: Verification, ctx: Context) -> VerificationOut:
    certificate, record = verification.certificate, verification.record
    replacement = None
    if certificate.superseded_by is not None:
        replacement = ReplacementOut(
            certificate_id=certificate.superseded_by,
            verification_url=ctx.urls.verify(certificate.superseded_by),
        )
    return VerificationOut(
        certificate_id=str(certificate.id),
        genuine=verification.genuine,
        status="revoked" if certificate.revoked else "valid",
        revoked=certificate.revoked,
        revoked_on=ctx.local_date(certificate.revoked_at) if certificate.revoked_at else None,
        superseded_by=replacement,
        issuer=IssuerOut(id=ctx.urls.issuer_id, name=ctx.issuer_name),
        organisation=verification.organisation_name,
        certificate_number=certificate.number,
        issued_on=ctx.local_date(certificate.issued_at),
        name=record.participant_name,
        role=record.role,
        workplace=record.workplace,
        period=PeriodOut(start=record.start_date, end=record.end_date),
        employment_rate=record.employment_rate,
        modules=[
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
        verification_url=ctx.urls.verify(certificate.id),
    )


def wants_json(request: Request, format: str | None) -> bool:
    """``?format=`` decides; otherwise whichever of JSON and HTML the Accept header lists
    first (a browser's lists HTML, ``*/*`` gets HTML)."""
    if format is not None:
        return format == "json"
    accept = request.headers.get("accept", "").lower()
    json_at, html_at = accept.find("application/json"), accept.find("text/html")
    return json_at >= 0 and (html_at < 0 or json_at < html_at)
