"""The public routes, no login: verify a certificate (a page for people, JSON for machines),
verify a presented credential, the revocation status list and the issuer's key.

(No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.)
"""

import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import AfterValidator

from certificates.api.dependencies import ServiceContext, UnitOfWorkFactory
from certificates.api.examples import ISSUER_EXAMPLE, VERIFICATION_EXAMPLE
from certificates.api.forvaltning import VC_MEDIA_TYPE
from certificates.api.schemas import VerificationOut
from certificates.api.verification import verification_out, wants_json
from certificates.presentation.verification_page import PAGE_HEADERS, render_page
from certificates.service import verification
from runtime.access_log import Reader
from runtime.http.access_log import public_reader
from runtime.text import json_document

router = APIRouter(tags=["public"])

PublicReader = Annotated[Reader, Depends(public_reader)]
"""The verification page names the participant: the public's reads are logged too."""


@router.get(
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
                    "example": VERIFICATION_EXAMPLE,
                },
            },
        },
        404: {"description": "No certificate has this address (same two formats)."},
        422: {"description": "`format` is neither `html` nor `json`."},
    },
    summary="Verify a certificate (public)",
)
async def verify_page(
    request: Request,
    certificate_id: str,
    reader: PublicReader,
    unit_of_work: UnitOfWorkFactory,
    ctx: ServiceContext,
    format: Annotated[Literal["html", "json"] | None, Query()] = None,
) -> Response:
    found = None
    parsed = _uuid(certificate_id)
    if parsed is not None:
        async with unit_of_work() as uow:
            found = await verification.verify_certificate(uow, ctx, reader, parsed)
            await uow.commit()
    answer = verification_out(found, ctx) if found else VerificationOut.unknown(certificate_id)
    code = 200 if found else 404
    if wants_json(request, format):
        return JSONResponse(answer.model_dump(mode="json"), status_code=code)
    page = render_page(answer, ctx.issuer_name)
    return HTMLResponse(page, status_code=code, headers=PAGE_HEADERS)


@router.post(
    "/verify",
    response_model=VerificationOut,
    responses={
        422: {
            "description": "The body is not a JSON object, or holds NaN, Infinity or text "
            "that is not valid (control characters, lone surrogates, bidirectional overrides)."
        }
    },
    summary="Verify a credential someone presents (public)",
    description="Genuine only if this issuer's key signed exactly this document. The "
    "answer is the same as the verification page's.",
)
async def verify_credential(
    document: Annotated[
        dict[str, Any],
        AfterValidator(json_document),
        Body(description="An OpenBadgeCredential with its proof."),
    ],
    reader: PublicReader,
    unit_of_work: UnitOfWorkFactory,
    ctx: ServiceContext,
) -> VerificationOut:
    async with unit_of_work() as uow:
        found = await verification.verify_presented(uow, ctx, reader, document)
        await uow.commit()
    if found is None:
        return VerificationOut.unknown(str(document.get("id", "")))
    return verification_out(found, ctx)


@router.get(
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
)
async def status_list(
    list_id: Annotated[int, Path(ge=1, le=1_000_000)],
    unit_of_work: UnitOfWorkFactory,
    ctx: ServiceContext,
) -> Response:
    async with unit_of_work() as uow:
        credential = await verification.signed_status_list(uow, ctx, list_id)
    if credential is None:
        raise HTTPException(404, detail="no such status list")
    return Response(
        json.dumps(credential, ensure_ascii=False),
        media_type=VC_MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=60"},
    )


@router.get(
    "/issuer",
    summary="The issuer's public key (controller document with a Multikey)",
    responses={200: {"content": {"application/json": {"example": ISSUER_EXAMPLE}}}},
)
async def issuer(ctx: ServiceContext) -> dict[str, Any]:
    return verification.issuer_document(ctx)


@router.get(
    "/achievements/kompetensintyg",
    summary="The achievement every certificate awards (public)",
    description="The Open Badges 3.0 `Achievement` that each credential's achievement id "
    "names: criteria, image and the rubric, one result description per module with its "
    "levels and ESCO/CEFR alignments.",
    responses={200: {"content": {"application/json": {}}}},
)
async def achievement(
    ctx: ServiceContext,
    language: Annotated[Literal["sv", "en"] | None, Query()] = None,
) -> JSONResponse:
    return JSONResponse(
        verification.achievement_document(ctx, language),
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
