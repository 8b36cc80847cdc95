"""``POST /participants/register-extract``: what this service holds about a person, for the
placements service's register extract (or a förvaltning directly, its own placements only).

(No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.)
"""

import dataclasses
import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from certificates.api.dependencies import CorrelationId, ServiceContext, UnitOfWorkFactory
from certificates.api.errors import INVALID, UNAUTHORIZED
from certificates.api.schemas import CertificateOut
from certificates.service.context import Urls
from certificates.service.extract import HeldPlacement, register_extract
from runtime.http.access_log import DisclosureOut, reader_of
from runtime.http.auth import ADMIN, FORVALTNING, Caller, bearer
from runtime.text import IDENTIFIER, PersonnummerText

router = APIRouter(prefix="/participants", tags=["participants"])

ExtractCaller = Annotated[
    Caller,
    Depends(bearer(FORVALTNING, ADMIN, detail="a förvaltning's or an admin's token is required")),
]


class ExtractIn(BaseModel):
    personnummer: PersonnummerText
    organisation: Annotated[str, IDENTIFIER] | None = Field(
        default=None,
        description="An admin's caller (the placements service) limits the extract to one "
        "förvaltning's placements; a förvaltning always gets its own only.",
    )


class IdentityOut(BaseModel):
    personnummer: str
    given_name: str
    family_name: str
    supervisor_name: str | None
    sequence: int = Field(description="The placement event it came with.")
    occurred_at: datetime


class HeldCertificateOut(BaseModel):
    certificate: CertificateOut
    record: dict[str, Any] = Field(description="What the certificate says (no personnummer).")
    credential: dict[str, Any] = Field(description="The signed credential as issued.")


class HeldPlacementOut(BaseModel):
    placement_id: uuid.UUID
    organisation: str
    identities: list[IdentityOut]
    certificates: list[HeldCertificateOut]

    @classmethod
    def of(cls, held: HeldPlacement, urls: Urls) -> "HeldPlacementOut":
        return cls(
            placement_id=held.placement_id,
            organisation=held.organisation,
            identities=[
                IdentityOut(
                    **i.payload.model_dump(), sequence=i.sequence, occurred_at=i.occurred_at
                )
                for i in held.identities
            ],
            certificates=[
                HeldCertificateOut(
                    certificate=CertificateOut.of(c.certificate, urls),
                    record=json.loads(json.dumps(dataclasses.asdict(c.record), default=str)),
                    credential=json.loads(c.credential),
                )
                for c in held.certificates
            ],
        )


class ExtractOut(BaseModel):
    placements: list[HeldPlacementOut] = Field(
        description="Every placement of the person this service holds identity data of."
    )
    reads: list[DisclosureOut] = Field(
        description="Who read the person's name here before (a PDF, the verification page)."
    )


@router.post(
    "/register-extract",
    response_model=ExtractOut,
    responses={401: UNAUTHORIZED, 422: INVALID},
    summary="What this service holds about a person (for the register extract)",
    description="The personnummer goes in the body, never in the URL. The read is logged.",
)
async def extract(
    request: Request,
    body: ExtractIn,
    caller: ExtractCaller,
    correlation: CorrelationId,
    unit_of_work: UnitOfWorkFactory,
    ctx: ServiceContext,
) -> ExtractOut:
    scope = body.organisation if caller.role == ADMIN else caller.subject
    async with unit_of_work() as uow:
        held = await register_extract(
            uow, reader_of(caller, request, correlation), body.personnummer, scope
        )
        await uow.commit()
    return ExtractOut(
        placements=[HeldPlacementOut.of(h, ctx.urls) for h in held.placements],
        reads=[DisclosureOut.of(r) for r in held.reads],
    )
