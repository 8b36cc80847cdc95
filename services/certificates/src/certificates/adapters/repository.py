"""The certificates service's storage in PostgreSQL (see ``migrations/001_certificates.sql``)."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import date
from typing import Any

import asyncpg
from pydantic import TypeAdapter

from certificates.adapters.waiting import waiting_placements, waiting_summary
from certificates.domain.certificate import Certificate, StatusEntry
from certificates.domain.placement import PlacementState, WaitingPlacement, WaitingSummary
from certificates.domain.record import CompetenceRecord
from certificates.domain.status_list import MIN_SIZE
from certificates.service.ports import PdfBacklog, StoredCertificate, StoredRecord
from contracts.events import Envelope, ParticipantIdentified, parse_event

_RECORD = TypeAdapter(CompetenceRecord)

# A list is filled to half its bits, so a random pick finds a free bit in two tries on average.
STATUS_LIST_CAPACITY = MIN_SIZE // 2

PLACEMENT_COLUMNS = """placement_id, organisation, status, ended_at, waiting_reason,
    missing_sequences, certificate_events, waiting_since"""
_CERTIFICATE_COLUMNS = """
    c.id, c.number, c.placement_id, c.organisation, c.language, c.issued_at, c.revoked_at,
    c.revocation_reason, c.supersedes, c.status_list, c.status_index, c.record_sequence,
    (SELECT s.id FROM certificates s WHERE s.supersedes = c.id) AS superseded_by"""


class PostgresRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    # placements ------------------------------------------------------------------------

    async def lock_placement(self, placement_id: uuid.UUID, organisation: str) -> PlacementState:
        """Create the placement's row if needed, and lock it until the transaction ends."""
        row = await self._conn.fetchrow(
            f"""INSERT INTO placements (placement_id, organisation) VALUES ($1, $2)
               ON CONFLICT (placement_id) DO UPDATE SET updated_at = now()
               RETURNING {PLACEMENT_COLUMNS}""",
            placement_id,
            organisation,
        )
        assert row is not None
        return placement_state(row)

    async def placement(self, placement_id: uuid.UUID) -> PlacementState | None:
        """Read without a lock, for answering requests."""
        row = await self._conn.fetchrow(
            f"SELECT {PLACEMENT_COLUMNS} FROM placements WHERE placement_id = $1", placement_id
        )
        return placement_state(row) if row is not None else None

    async def save_placement(self, placement: PlacementState) -> None:
        await self._conn.execute(
            """UPDATE placements SET status = $2, ended_at = $3, waiting_reason = $4,
                      missing_sequences = $5, certificate_events = $6, waiting_since = $7,
                      updated_at = now()
                WHERE placement_id = $1""",
            placement.placement_id,
            placement.status,
            placement.ended_at,
            placement.waiting_reason,
            list(placement.missing_sequences),
            placement.certificate_events,
            placement.waiting_since,
        )

    async def add_event(self, event: Envelope) -> uuid.UUID | None:
        inserted = await self._conn.fetchval(
            """INSERT INTO placement_events (placement_id, sequence, event_id, event_type, body)
               VALUES ($1, $2, $3, $4, $5::jsonb)
               ON CONFLICT (placement_id, sequence) DO NOTHING RETURNING true""",
            event.placement_id,
            event.sequence,
            event.event_id,
            event.event_type,
            event.model_dump_json(),
        )
        if inserted:
            return None
        taken_by: uuid.UUID = await self._conn.fetchval(
            "SELECT event_id FROM placement_events WHERE placement_id = $1 AND sequence = $2",
            event.placement_id,
            event.sequence,
        )
        return taken_by

    async def has_event_type(self, placement_id: uuid.UUID, event_type: str) -> bool:
        found = await self._conn.fetchval(
            "SELECT true FROM placement_events WHERE placement_id = $1 AND event_type = $2",
            placement_id,
            event_type,
        )
        return bool(found)

    async def add_identity(self, event: ParticipantIdentified) -> None:
        await self._conn.execute(
            """INSERT INTO identities (event_id, placement_id, body)
               SELECT $1, $2, $3::jsonb
                WHERE NOT EXISTS (SELECT 1 FROM placements
                                   WHERE placement_id = $2 AND identity_erased_on IS NOT NULL)
               ON CONFLICT DO NOTHING""",
            event.event_id,
            event.placement_id,
            event.model_dump_json(),
        )

    async def events(self, placement_id: uuid.UUID) -> list[Envelope]:
        rows = await self._conn.fetch(
            """SELECT body FROM placement_events WHERE placement_id = $1
               UNION ALL
               SELECT body FROM identities WHERE placement_id = $1""",
            placement_id,
        )
        return [parse_event(json.loads(row["body"])) for row in rows]

    # certificates ----------------------------------------------------------------------

    async def next_certificate_serial(self) -> int:
        return int(await self._conn.fetchval("SELECT nextval('certificate_serials')"))

    async def allocate_status_entry(self) -> StatusEntry:
        """A free bit at a random index of the current list."""
        allocation = int(await self._conn.fetchval("SELECT nextval('status_list_allocations')"))
        list_id = 1 + (allocation - 1) // STATUS_LIST_CAPACITY
        while True:
            index = secrets.randbelow(MIN_SIZE)
            # ON CONFLICT waits for a concurrent insert of the same bit, then skips: no abort.
            if await self._conn.fetchval(
                """INSERT INTO status_entries (status_list, status_index) VALUES ($1, $2)
                   ON CONFLICT DO NOTHING RETURNING true""",
                list_id,
                index,
            ):
                return StatusEntry(list_id, index)

    async def add_certificate(
        self, certificate: Certificate, record: CompetenceRecord, pdf: bytes | None, credential: str
    ) -> None:
        c = certificate
        await self._conn.execute(
            """INSERT INTO certificates (id, number, placement_id, organisation, language,
                   issued_at, supersedes, status_list, status_index, record_sequence, record,
                   credential, pdf)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)""",
            c.id,
            c.number,
            c.placement_id,
            c.organisation,
            c.language,
            c.issued_at,
            c.supersedes,
            c.status_entry.list_id,
            c.status_entry.index,
            c.record_sequence,
            _RECORD.dump_json(record).decode(),
            credential,
            pdf,
        )
        if pdf is None:
            await self._conn.execute(
                "INSERT INTO pdf_backlog (certificate_id) VALUES ($1)", certificate.id
            )

    async def save_revocation(self, certificate: Certificate) -> None:
        await self._conn.execute(
            "UPDATE certificates SET revoked_at = $2, revocation_reason = $3 WHERE id = $1",
            certificate.id,
            certificate.revoked_at,
            certificate.revocation_reason,
        )

    async def certificate(self, certificate_id: uuid.UUID) -> StoredCertificate | None:
        row = await self._conn.fetchrow(
            f"""SELECT {_CERTIFICATE_COLUMNS}, c.record, c.credential,
                       (SELECT o.number FROM certificates o WHERE o.id = c.supersedes)
                           AS supersedes_number
                  FROM certificates c WHERE c.id = $1""",
            certificate_id,
        )
        if row is None:
            return None
        return StoredCertificate(
            certificate=_certificate(row),
            record=_RECORD.validate_json(row["record"]),
            credential=row["credential"],
            supersedes_number=row["supersedes_number"],
        )

    async def certificates_of(self, placement_id: uuid.UUID) -> list[Certificate]:
        rows = await self._conn.fetch(
            f"""SELECT {_CERTIFICATE_COLUMNS} FROM certificates c
                 WHERE c.placement_id = $1 ORDER BY c.issued_at, c.number""",
            placement_id,
        )
        return [_certificate(row) for row in rows]

    async def pdf(self, certificate_id: uuid.UUID) -> bytes | None:
        pdf: bytes | None = await self._conn.fetchval(
            "SELECT pdf FROM certificates WHERE id = $1", certificate_id
        )
        return pdf

    # retention -------------------------------------------------------------------------

    async def identity_expired(self, ended_on_or_before: date, limit: int) -> list[uuid.UUID]:
        """By the latest end date the events give (a corrected end moves it), or the day of
        the withdrawal. Placements a consumer holds are left for the next batch."""
        rows = await self._conn.fetch(
            """SELECT p.placement_id FROM placements p
                WHERE p.identity_erased_on IS NULL
                  AND coalesce(
                      (SELECT (e.body->'payload'->>'end_date')::date FROM placement_events e
                        WHERE e.placement_id = p.placement_id
                          AND e.event_type IN ('PlacementEnded', 'PlacementEndCorrected')
                        ORDER BY e.sequence DESC LIMIT 1),
                      (SELECT (e.body->>'occurred_at')::timestamptz::date
                         FROM placement_events e
                        WHERE e.placement_id = p.placement_id
                          AND e.event_type = 'PlacementWithdrawn')) <= $1
                ORDER BY p.placement_id LIMIT $2 FOR UPDATE OF p SKIP LOCKED""",
            ended_on_or_before,
            limit,
        )
        return [r["placement_id"] for r in rows]

    async def erase_identities(self, placement_ids: list[uuid.UUID], today: date) -> int:
        await self._conn.execute(
            "UPDATE placements SET identity_erased_on = $2 WHERE placement_id = ANY($1)",
            placement_ids,
            today,
        )
        status = await self._conn.execute(
            "DELETE FROM identities WHERE placement_id = ANY($1)", placement_ids
        )
        return int(status.split()[-1])

    async def identities_of(
        self, personnummer: str, organisation: str | None
    ) -> list[ParticipantIdentified]:
        rows = await self._conn.fetch(
            """SELECT i.body FROM identities i JOIN placements p USING (placement_id)
                WHERE replace(i.body->'payload'->>'personnummer', '-', '') = $1
                  AND ($2::text IS NULL OR p.organisation = $2)
                ORDER BY i.placement_id, (i.body->>'sequence')::int""",
            personnummer,
            organisation,
        )
        return [ParticipantIdentified.model_validate_json(r["body"]) for r in rows]

    async def records_of(self, placement_ids: list[uuid.UUID]) -> list[StoredRecord]:
        rows = await self._conn.fetch(
            "SELECT id, record FROM certificates WHERE placement_id = ANY($1) ORDER BY id",
            placement_ids,
        )
        return [StoredRecord(r["id"], _RECORD.validate_json(r["record"])) for r in rows]

    async def save_erased_copy(self, certificate_id: uuid.UUID, record: CompetenceRecord) -> None:
        # The backlog row first, as the PDF worker locks them: it waits for a rendering under
        # way, whose PDF then goes with the rest, and nothing renders the name afterwards.
        await self._conn.execute(
            "DELETE FROM pdf_backlog WHERE certificate_id = $1", certificate_id
        )
        await self._conn.execute(
            "UPDATE certificates SET record = $2::jsonb, pdf = NULL WHERE id = $1",
            certificate_id,
            _RECORD.dump_json(record).decode(),
        )

    # the PDF backlog (migrations/004_pdf_backlog.sql) -----------------------------------

    async def claim_pdf_backlog(self, limit: int) -> list[uuid.UUID]:
        # SKIP LOCKED: workers on several replicas never render the same certificate
        rows = await self._conn.fetch(
            """SELECT certificate_id FROM pdf_backlog WHERE retry_at <= now()
                ORDER BY retry_at LIMIT $1 FOR UPDATE SKIP LOCKED""",
            limit,
        )
        return [row["certificate_id"] for row in rows]

    async def lock_pdf_backlog(self, certificate_id: uuid.UUID) -> None:
        # waits for a worker rendering it, so a download never renders the same PDF again
        await self._conn.execute(
            "SELECT 1 FROM pdf_backlog WHERE certificate_id = $1 FOR UPDATE", certificate_id
        )

    async def store_pdf(self, certificate_id: uuid.UUID, pdf: bytes) -> None:
        await self._conn.execute(
            "UPDATE certificates SET pdf = $2 WHERE id = $1", certificate_id, pdf
        )
        await self._conn.execute(
            "DELETE FROM pdf_backlog WHERE certificate_id = $1", certificate_id
        )

    async def pdf_failed(self, certificate_id: uuid.UUID, reason: str) -> None:
        # a template or font problem will not mend itself in a second: back off to an hour
        await self._conn.execute(
            """UPDATE pdf_backlog
                  SET attempts = attempts + 1, last_error = $2,
                      retry_at = now() + least(interval '1 minute' * 2 ^ attempts,
                                               interval '1 hour')
                WHERE certificate_id = $1""",
            certificate_id,
            reason,
        )

    async def pdf_backlog(self) -> PdfBacklog:
        row = await self._conn.fetchrow(
            """SELECT count(*) AS n, count(*) FILTER (WHERE attempts > 0) AS failing,
                      extract(epoch FROM now() - min(queued_at)) AS age
                 FROM pdf_backlog"""
        )
        assert row is not None
        age = row["age"]
        return PdfBacklog(int(row["n"]), int(row["failing"]), float(age) if age else 0.0)

    async def revoked_indices(self, list_id: int) -> list[int] | None:
        row = await self._conn.fetchrow(
            """SELECT count(*) AS used,
                      array_agg(status_index) FILTER (WHERE revoked_at IS NOT NULL) AS revoked
                 FROM certificates WHERE status_list = $1""",
            list_id,
        )
        if row is None or row["used"] == 0:
            return None
        return list(row["revoked"] or [])

    # waiting ---------------------------------------------------------------------------

    async def waiting(
        self, organisation: str | None = None, limit: int = 100
    ) -> tuple[WaitingSummary, list[WaitingPlacement]]:
        summary = await waiting_summary(self._conn, organisation=organisation)
        items = await waiting_placements(self._conn, organisation=organisation, limit=limit)
        return summary, items


def placement_state(row: Any) -> PlacementState:
    return PlacementState(**{**row, "missing_sequences": tuple(row["missing_sequences"])})


def _certificate(row: Any) -> Certificate:
    return Certificate(
        id=row["id"],
        number=row["number"],
        placement_id=row["placement_id"],
        organisation=row["organisation"],
        language=row["language"],
        issued_at=row["issued_at"],
        status_entry=StatusEntry(row["status_list"], row["status_index"]),
        record_sequence=row["record_sequence"],
        supersedes=row["supersedes"],
        superseded_by=row["superseded_by"],
        revoked_at=row["revoked_at"],
        revocation_reason=row["revocation_reason"],
    )
