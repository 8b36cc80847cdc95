"""The register extract (registerutdrag, GDPR art. 15): everything this service holds about a
person. The placements service, the front door, composes it with its own part."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from certificates.service.ports import StoredCertificate, UnitOfWork
from contracts.events import ParticipantIdentified
from runtime.access_log import LoggedAccess, Reader


@dataclass(frozen=True)
class HeldPlacement:
    """One placement of the person as this service holds it."""

    placement_id: uuid.UUID
    organisation: str
    identities: list[ParticipantIdentified]
    """The identities received (a corrected name arrives as another)."""
    certificates: list[StoredCertificate]
    """Oldest first, revoked ones too: the record each shows and the signed credential."""


@dataclass(frozen=True)
class Held:
    placements: list[HeldPlacement]
    reads: list[LoggedAccess]
    """Who read the name here before (a PDF, the verification page, an extract)."""


async def register_extract(
    uow: UnitOfWork, reader: Reader, personnummer: str, organisation: str | None
) -> Held:
    """The person's placements here (``organisation``'s only, or all with None), each with
    its identities and certificates. The read is logged; the caller commits before answering."""
    by_placement: dict[uuid.UUID, list[ParticipantIdentified]] = defaultdict(list)
    for identity in await uow.repository.identities_of(personnummer, organisation):
        by_placement[identity.placement_id].append(identity)
    held = [await _held(uow, p, identities) for p, identities in by_placement.items()]
    reads = await uow.access_log.reads_of(list(by_placement))
    await uow.access_log.record(reader.read((h.placement_id, h.organisation) for h in held))
    return Held(held, reads)


async def _held(
    uow: UnitOfWork, placement_id: uuid.UUID, identities: list[ParticipantIdentified]
) -> HeldPlacement:
    certificates = []
    for certificate in await uow.repository.certificates_of(placement_id):
        stored = await uow.repository.certificate(certificate.id)
        assert stored is not None  # listed in this transaction
        certificates.append(stored)
    return HeldPlacement(placement_id, identities[0].producer, identities, certificates)
