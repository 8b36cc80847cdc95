"""The public verification answer, as JSON for machines and as an HTML page for people.

Both are made from one :class:`VerificationOut`, so they always say the same."""

from __future__ import annotations

from datetime import date
from functools import cache

import jinja2
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
    workplace = record.workplace_name + (
        f", {record.workplace_unit}" if record.workplace_unit else ""
    )
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
        workplace=workplace,
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


def render_page(answer: VerificationOut, ctx: Context) -> str:
    # Dates as the Swedish paper prints them (ISO 8601), so the two compare at a glance.
    return _template().render(answer=answer, issuer_name=ctx.issuer_name, day=_iso_date)


def _iso_date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("certificates.api", "templates"),
        autoescape=True,  # names and workplaces are printed, never interpreted
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("verify.html")
