"""The certificates HTTP API: the förvaltningar's downloads, revocation and re-issue (bearer
tokens), and the public verification page, status list and issuer key (no login).

(No ``from __future__ import annotations`` here: FastAPI resolves the dependency annotations
of the endpoints defined inside ``create_app`` at runtime.)
"""

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from certificates.adapters.unit_of_work import CertificatesUnitOfWork
from certificates.api.schemas import (
    CertificateOut,
    PlacementCertificatesOut,
    ReissueIn,
    RevokeIn,
    VerificationOut,
    WaitingOut,
)
from certificates.api.verification import render_page, verification_out, wants_json
from certificates.domain.certificate import (
    AlreadyRevoked,
    AlreadySuperseded,
    CannotIssue,
    Certificate,
    CertificateNotFound,
    Language,
)
from certificates.metrics import observe_committed
from certificates.service import handlers, verification
from certificates.service.context import Context
from runtime.http.auth import Clients
from runtime.http.correlation import correlation_id, install_correlation_id
from runtime.http.operations import Check, operations_router

VC_MEDIA_TYPE = "application/vc"  # W3C Verifiable Credentials 2.0, with an embedded proof
OPERATORS = "operators"


@dataclass(frozen=True)
class Dependencies:
    unit_of_work: Callable[[], CertificatesUnitOfWork]
    context: Context
    clients: Clients
    """Förvaltningar: organisation code by token hash."""
    operators: Clients
    """Operators: see every waiting placement."""
    readiness: Mapping[str, Check] = field(default_factory=dict)


def create_app(deps: Dependencies) -> FastAPI:
    ctx = deps.context
    app = FastAPI(
        title="Certificates API",
        version="1.0.0",
        description=(
            "Kompetensintyg: the uniform, verifiable certificate a participant gets when a "
            "labour-market placement ends. The förvaltning that ran the placement downloads "
            "it (PDF/A and an Open Badges 3.0 credential), revokes it, or re-issues it after a "
            "correction, with its own bearer token. Anyone can verify a certificate at the "
            "address printed on it, read the revocation status list and the issuer's key."
        ),
    )
    install_correlation_id(app)
    bearer = HTTPBearer(auto_error=False)
    Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

    async def organisation(credentials: Credentials) -> str:
        return deps.clients.authenticate(credentials.credentials if credentials else None)

    async def waiting_scope(credentials: Credentials) -> str | None:
        """An operator sees every förvaltning's placements (None); a förvaltning its own."""
        token = credentials.credentials if credentials else None
        try:
            return deps.clients.authenticate(token)
        except HTTPException:
            deps.operators.authenticate(token)
            return None

    Organisation = Annotated[str, Depends(organisation)]
    CorrelationId = Annotated[str, Depends(correlation_id)]

    @app.exception_handler(CertificateNotFound)
    async def not_found(_: Request, error: CertificateNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": "certificate not found"})

    @app.exception_handler(AlreadyRevoked)
    async def already_revoked(_: Request, error: AlreadyRevoked) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    @app.exception_handler(AlreadySuperseded)
    async def already_superseded(_: Request, error: AlreadySuperseded) -> JSONResponse:
        return JSONResponse(
            status_code=409, content={"detail": str(error), "superseded_by": str(error.by)}
        )

    @app.exception_handler(CannotIssue)
    async def cannot_issue(_: Request, error: CannotIssue) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    errors: dict[int | str, dict[str, Any]] = {
        401: {"description": "No or unknown bearer token."},
        404: {"description": "No such certificate for this förvaltning."},
        409: {"description": "Not allowed in the certificate's state; `detail` says why."},
        422: {"description": "A field or parameter breaks a rule; `detail` names it."},
    }

    async def described(uow: CertificatesUnitOfWork, certificate: Certificate) -> CertificateOut:
        latest = await uow.repository.latest_sequence(certificate.placement_id)
        return CertificateOut.of(certificate, ctx.urls, latest)

    # förvaltning ----------------------------------------------------------------------

    @app.get(
        "/placements/{placement_id}/certificates",
        response_model=PlacementCertificatesOut,
        responses={401: errors[401], 404: {"description": "No such placement here."}},
        summary="A placement's certificates, and why there is none yet",
        tags=["förvaltning"],
    )
    async def placement_certificates(
        placement_id: uuid.UUID, org: Organisation
    ) -> PlacementCertificatesOut:
        async with deps.unit_of_work() as uow:
            placement = await uow.repository.placement(placement_id)
            if placement is None or placement.organisation != org:
                raise HTTPException(404, detail="no events of this placement have arrived here")
            certificates = await uow.repository.certificates_of(placement_id)
            out = [await described(uow, c) for c in certificates]
        return PlacementCertificatesOut.of(placement, out)

    @app.get(
        "/certificates/{certificate_id}",
        response_model=CertificateOut,
        responses={401: errors[401], 404: errors[404]},
        summary="A certificate's state and links",
        tags=["förvaltning"],
    )
    async def read_certificate(certificate_id: uuid.UUID, org: Organisation) -> CertificateOut:
        async with deps.unit_of_work() as uow:
            return await described(uow, await handlers.owned(uow, org, certificate_id))

    @app.get(
        "/certificates/{certificate_id}/pdf",
        response_class=Response,
        responses={
            200: {
                "content": {"application/pdf": {}},
                "description": "The kompetensintyg, tagged PDF/A-2a.",
            },
            401: errors[401],
            404: errors[404],
            422: errors[422],
        },
        summary="Download the PDF",
        tags=["förvaltning"],
    )
    async def download_pdf(
        certificate_id: uuid.UUID,
        org: Organisation,
        language: Annotated[
            Language | None,
            Query(description="`en` for an English rendering of the same certificate."),
        ] = None,
    ) -> Response:
        async with deps.unit_of_work() as uow:
            pdf = await handlers.certificate_pdf(uow, ctx, org, certificate_id, language)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="kompetensintyg-{certificate_id}.pdf"'
            },
        )

    @app.get(
        "/certificates/{certificate_id}/credential",
        response_class=Response,
        responses={
            200: {
                "content": {VC_MEDIA_TYPE: {"example": _CREDENTIAL_EXAMPLE}},
                "description": "The signed OpenBadgeCredential (eddsa-jcs-2022), as issued.",
            },
            401: errors[401],
            404: errors[404],
        },
        summary="Download the signed credential (Open Badges 3.0)",
        tags=["förvaltning"],
    )
    async def download_credential(certificate_id: uuid.UUID, org: Organisation) -> Response:
        async with deps.unit_of_work() as uow:
            signed = await handlers.credential(uow, org, certificate_id)
        return Response(signed.encode(), media_type=VC_MEDIA_TYPE)

    @app.post(
        "/certificates/{certificate_id}/revoke",
        response_model=CertificateOut,
        responses=errors,
        summary="Revoke a certificate",
        description="Publishes `CertificateRevoked`; the status list and the verification page "
        "show it at once.",
        tags=["förvaltning"],
    )
    async def revoke(
        certificate_id: uuid.UUID,
        command: RevokeIn,
        org: Organisation,
        correlation: CorrelationId,
    ) -> CertificateOut:
        async with deps.unit_of_work() as uow:
            revoked = await handlers.revoke(
                uow, ctx, org, certificate_id, command.reason, correlation
            )
            out = await described(uow, revoked)
            await uow.commit()
        observe_committed(uow.committed)
        return out

    @app.post(
        "/certificates/{certificate_id}/reissue",
        status_code=201,
        response_model=CertificateOut,
        responses=errors,
        summary="Re-issue after a correction",
        description="Issues a new certificate from the placement's current record. It "
        "supersedes this one, which is revoked with the reason. Publishes `CertificateRevoked` "
        "and `CertificateIssued`.",
        tags=["förvaltning"],
    )
    async def reissue(
        certificate_id: uuid.UUID,
        command: ReissueIn,
        org: Organisation,
        correlation: CorrelationId,
        response: Response,
    ) -> CertificateOut:
        async with deps.unit_of_work() as uow:
            new = await handlers.reissue(
                uow, ctx, org, certificate_id, command.reason, correlation, command.language
            )
            out = await described(uow, new)
            await uow.commit()
        observe_committed(uow.committed)
        response.headers["Location"] = f"/certificates/{new.id}"
        return out

    # operators -------------------------------------------------------------------------

    @app.get(
        "/waiting",
        response_model=WaitingOut,
        responses={401: errors[401], 422: errors[422]},
        summary="Ended placements still waiting for their certificate, and for how long",
        description="A förvaltning sees its own; an operator token sees all.",
        tags=["operations"],
    )
    async def waiting(
        scope: Annotated[str | None, Depends(waiting_scope)],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> WaitingOut:
        async with deps.unit_of_work() as uow:
            summary, items = await uow.waiting(scope, limit)
        return WaitingOut.of(summary, items)

    app.include_router(operations_router(deps.readiness))

    # public ----------------------------------------------------------------------------

    @app.get(
        "/verify/{certificate_id}",
        response_class=HTMLResponse,
        responses={
            200: {
                "description": "Genuine or not, revoked or not: an HTML page for people, or "
                "JSON for machines (`Accept: application/json` or `?format=json`).",
                "content": {
                    "text/html": {"example": "<!doctype html>…Intyget är äkta och giltigt…"},
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/VerificationOut"},
                        "example": _VERIFICATION_EXAMPLE,
                    },
                },
            },
            404: {"description": "No certificate has this address (same two formats)."},
            422: {"description": "`format` is neither `html` nor `json`."},
        },
        summary="Verify a certificate (public)",
        tags=["public"],
    )
    async def verify_page(
        request: Request,
        certificate_id: str,
        format: Annotated[Literal["html", "json"] | None, Query()] = None,
    ) -> Response:
        found = None
        parsed = _uuid(certificate_id)
        if parsed is not None:
            async with deps.unit_of_work() as uow:
                found = await verification.verify_certificate(uow, ctx, parsed)
        answer = verification_out(found, ctx) if found else VerificationOut.unknown(certificate_id)
        code = 200 if found else 404
        if wants_json(request, format):
            return JSONResponse(answer.model_dump(mode="json"), status_code=code)
        return HTMLResponse(render_page(answer, ctx), status_code=code, headers=_PAGE_HEADERS)

    @app.post(
        "/verify",
        response_model=VerificationOut,
        responses={422: {"description": "The body is not JSON."}},
        summary="Verify a credential someone presents (public)",
        description="Genuine only if this issuer's key signed exactly this document. The "
        "answer is the same as the verification page's.",
        tags=["public"],
    )
    async def verify_credential(
        document: Annotated[
            dict[str, Any], Body(description="An OpenBadgeCredential with its proof.")
        ],
    ) -> VerificationOut:
        async with deps.unit_of_work() as uow:
            found = await verification.verify_presented(uow, ctx, document)
        if found is None:
            return VerificationOut.unknown(str(document.get("id", "")))
        return verification_out(found, ctx)

    @app.get(
        "/status/{list_id}",
        responses={
            200: {
                "content": {VC_MEDIA_TYPE: {}},
                "description": "A signed BitstringStatusListCredential (revocation).",
            },
            404: {"description": "No such status list."},
        },
        response_class=Response,
        summary="Revocation status list (public)",
        tags=["public"],
    )
    async def status_list(list_id: Annotated[int, Path(ge=1, le=1_000_000)]) -> Response:
        async with deps.unit_of_work() as uow:
            credential = await verification.signed_status_list(uow, ctx, list_id)
        if credential is None:
            raise HTTPException(404, detail="no such status list")
        return Response(
            json.dumps(credential, ensure_ascii=False),
            media_type=VC_MEDIA_TYPE,
            headers={"Cache-Control": "public, max-age=60"},
        )

    @app.get(
        "/issuer",
        summary="The issuer's public key (controller document with a Multikey)",
        tags=["public"],
        responses={200: {"content": {"application/json": {"example": _ISSUER_EXAMPLE}}}},
    )
    async def issuer() -> dict[str, Any]:
        return verification.issuer_document(ctx)

    return app


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


# The page names a person: keep it out of search engines and other sites' referrer logs.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}

_VERIFICATION_EXAMPLE = {
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

_ISSUER_EXAMPLE = {
    "@context": ["https://www.w3.org/ns/cid/v1"],
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

_CREDENTIAL_EXAMPLE = {
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
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2026-11-02T09:30:00Z",
        "verificationMethod": "https://intyg.malmo.se/issuer#key-1",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3FXQjecWufY46…",
    },
}
