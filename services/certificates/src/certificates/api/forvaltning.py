"""The förvaltningar's routes, each with its own bearer token: a placement's certificates, the
downloads, revocation and re-issue; and the certificates still waiting, for operators too.

(No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.)
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from certificates.api.dependencies import CorrelationId, ServiceContext, UnitOfWorkFactory
from certificates.api.errors import (
    COMMAND_RESPONSES,
    INVALID,
    NOT_FOUND,
    PAPER_NOT_READY,
    UNAUTHORIZED,
)
from certificates.api.examples import CREDENTIAL_EXAMPLE
from certificates.api.schemas import (
    CertificateOut,
    PlacementCertificatesOut,
    ReissueIn,
    RevokeIn,
    WaitingOut,
)
from certificates.metrics import observe_committed
from certificates.service import handlers, queries
from contracts.reference import Language
from runtime.access_log import Reader
from runtime.http.access_log import reader_of
from runtime.http.auth import FORVALTNING, OPERATOR, Caller, Organisation, bearer

VC_MEDIA_TYPE = "application/vc"  # W3C Verifiable Credentials 2.0, with an embedded proof

router = APIRouter(tags=["förvaltning"])

_forvaltning = bearer(FORVALTNING, detail="a valid bearer token for a förvaltning is required")


def identity_reader(
    request: Request,
    caller: Annotated[Caller, Depends(_forvaltning)],
    correlation: CorrelationId,
) -> Reader:
    return reader_of(caller, request, correlation)


IdentityReader = Annotated[Reader, Depends(identity_reader)]
"""The calling förvaltning, as the access log names it (401 without its token)."""


@router.get(
    "/placements/{placement_id}/certificates",
    response_model=PlacementCertificatesOut,
    responses={401: UNAUTHORIZED, 404: {"description": "No such placement here."}},
    summary="A placement's certificates, and why there is none yet",
)
async def placement_certificates(
    placement_id: uuid.UUID,
    org: Organisation,
    unit_of_work: UnitOfWorkFactory,
    ctx: ServiceContext,
) -> PlacementCertificatesOut:
    async with unit_of_work() as uow:
        placement, certificates = await queries.placement_certificates(uow, org, placement_id)
    return PlacementCertificatesOut.of(
        placement, [CertificateOut.of(c, ctx.urls) for c in certificates]
    )


@router.get(
    "/certificates/{certificate_id}",
    response_model=CertificateOut,
    responses={401: UNAUTHORIZED, 404: NOT_FOUND},
    summary="A certificate's state and links",
)
async def read_certificate(
    certificate_id: uuid.UUID,
    org: Organisation,
    unit_of_work: UnitOfWorkFactory,
    ctx: ServiceContext,
) -> CertificateOut:
    async with unit_of_work() as uow:
        certificate = await queries.certificate(uow, org, certificate_id)
    return CertificateOut.of(certificate, ctx.urls)


@router.get(
    "/certificates/{certificate_id}/pdf",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {}},
            "description": "The kompetensintyg, tagged PDF/A-2a. Rendered after the "
            "credential is issued; one not rendered yet is rendered for this request.",
        },
        401: UNAUTHORIZED,
        404: NOT_FOUND,
        422: INVALID,
        503: PAPER_NOT_READY,
    },
    summary="Download the PDF",
)
async def download_pdf(
    certificate_id: uuid.UUID,
    reader: IdentityReader,
    unit_of_work: UnitOfWorkFactory,
    ctx: ServiceContext,
    language: Annotated[
        Language | None,
        Query(description="`en` for an English rendering of the same certificate."),
    ] = None,
) -> Response:
    async with unit_of_work() as uow:
        pdf = await queries.certificate_pdf(uow, ctx, reader, certificate_id, language)
        await uow.commit()  # the read's log entry, and a PDF rendered now (before the worker)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="kompetensintyg-{certificate_id}.pdf"'},
    )


@router.get(
    "/certificates/{certificate_id}/credential",
    response_class=Response,
    responses={
        200: {
            "content": {VC_MEDIA_TYPE: {"example": CREDENTIAL_EXAMPLE}},
            "description": "The signed OpenBadgeCredential (eddsa-jcs-2022), as issued.",
        },
        401: UNAUTHORIZED,
        404: NOT_FOUND,
    },
    summary="Download the signed credential (Open Badges 3.0)",
)
async def download_credential(
    certificate_id: uuid.UUID, org: Organisation, unit_of_work: UnitOfWorkFactory
) -> Response:
    async with unit_of_work() as uow:
        signed = await queries.credential(uow, org, certificate_id)
    return Response(signed.encode(), media_type=VC_MEDIA_TYPE)


@router.post(
    "/certificates/{certificate_id}/revoke",
    response_model=CertificateOut,
    responses=COMMAND_RESPONSES,
    summary="Revoke a certificate",
    description="Publishes `CertificateRevoked`; the status list and the verification page "
    "show it at once.",
)
async def revoke(
    certificate_id: uuid.UUID,
    command: RevokeIn,
    org: Organisation,
    correlation: CorrelationId,
    unit_of_work: UnitOfWorkFactory,
    ctx: ServiceContext,
) -> CertificateOut:
    async with unit_of_work() as uow:
        revoked = await handlers.revoke(uow, ctx, org, certificate_id, command.reason, correlation)
        await uow.commit()
    observe_committed(uow.committed)
    return CertificateOut.of(revoked, ctx.urls)


@router.post(
    "/certificates/{certificate_id}/reissue",
    status_code=201,
    response_model=CertificateOut,
    responses=COMMAND_RESPONSES,
    summary="Re-issue from the current record",
    description="Issues a new certificate from the placement's current record, e.g. in the "
    "other language or after a revocation. It supersedes this one, which is revoked with the "
    "reason. Publishes `CertificateRevoked` and `CertificateIssued`. Corrections need no "
    "re-issue: a certificate follows them by itself.",
)
async def reissue(
    certificate_id: uuid.UUID,
    command: ReissueIn,
    org: Organisation,
    correlation: CorrelationId,
    unit_of_work: UnitOfWorkFactory,
    ctx: ServiceContext,
    response: Response,
) -> CertificateOut:
    async with unit_of_work() as uow:
        new = await handlers.reissue(
            uow, ctx, org, certificate_id, command.reason, correlation, command.language
        )
        await uow.commit()
    observe_committed(uow.committed)
    response.headers["Location"] = f"/certificates/{new.id}"
    return CertificateOut.of(new, ctx.urls)


# operators -----------------------------------------------------------------------------

operations = APIRouter(tags=["operations"])

WaitingCaller = Annotated[
    Caller,
    Depends(
        bearer(FORVALTNING, OPERATOR, detail="a valid bearer token for a förvaltning is required")
    ),
]


@operations.get(
    "/waiting",
    response_model=WaitingOut,
    responses={401: UNAUTHORIZED, 422: INVALID},
    summary="Ended placements still waiting for their certificate, and for how long",
    description="A förvaltning sees its own; an operator token sees all.",
)
async def waiting(
    caller: WaitingCaller,
    unit_of_work: UnitOfWorkFactory,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> WaitingOut:
    scope = caller.subject if caller.role == FORVALTNING else None
    async with unit_of_work() as uow:
        summary, items = await queries.waiting(uow, scope, limit)
    return WaitingOut.of(summary, items)
