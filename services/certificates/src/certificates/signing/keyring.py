"""The issuer's keys over time: a key ring (a JSON file outside the repository) names every key
that ever signed, which one signs now, which are retired and which are compromised from when.

- A *retired* key signs nothing new, and everything it signed still verifies: it stays in the
  controller document under ``assertionMethod``.
- A *compromised* key is distrusted from a given time. This service still verifies what the key
  signed before then (the stored credential's proof time is its own record); after then, nothing.
  Other verifiers cannot tell a genuine proof time from a forged one, so the key leaves
  ``assertionMethod`` (it stays listed, with ``revoked``): for them everything it signed fails,
  and those certificates are re-issued with the current key.

Only public keys are in the ring; the current private key comes from the environment or its
own file, and must be the ring's current key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from certificates.domain.credential import verification_method_id, xml_datetime
from certificates.signing.multikey import CONTROLLER_CONTEXT, SigningKey, public_key_from_multikey

__all__ = ["KeyRing", "RingKey"]


@dataclass(frozen=True, slots=True)
class RingKey:
    id: str
    """The fragment of the verification method under the issuer's id, e.g. ``key-2``."""
    public: str
    """The public Multikey (``z6Mk…``)."""
    retired_at: datetime | None = None
    compromised_from: datetime | None = None

    def trusted_at(self, moment: datetime) -> bool:
        """Whether a proof this key made at ``moment`` is still to be believed."""
        return self.compromised_from is None or moment < self.compromised_from


@dataclass(frozen=True, slots=True)
class KeyRing:
    keys: tuple[RingKey, ...]
    current: str
    path: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        ids = [k.id for k in self.keys]
        if len(set(ids)) != len(ids):
            raise ValueError(f"the key ring names a key twice: {ids}")
        if self.current not in ids:
            raise ValueError(f"the key ring's current key {self.current!r} is not in it")
        if self.key(self.current).compromised_from is not None:
            raise ValueError(f"the current key {self.current!r} is compromised: rotate first")

    @classmethod
    def single(cls, key: SigningKey, key_id: str = "key-1") -> KeyRing:
        """One key, as before there was a ring."""
        return cls(keys=(RingKey(key_id, key.public_multikey()),), current=key_id)

    def key(self, key_id: str) -> RingKey:
        for key in self.keys:
            if key.id == key_id:
                return key
        raise KeyError(f"no key {key_id!r} in the key ring")

    def find(self, issuer_id: str, method: str) -> RingKey | None:
        """The key that a proof's ``verificationMethod`` names, if it is one of ours."""
        for key in self.keys:
            if verification_method_id(issuer_id, key.id) == method:
                return key
        return None

    # changes ------------------------------------------------------------------------------

    def rotated(self, new: SigningKey, at: datetime) -> KeyRing:
        """A new current key; the one before retires at ``at`` and still verifies."""
        new_id = f"key-{_next_number(k.id for k in self.keys)}"
        keys = tuple(
            replace(k, retired_at=at) if k.id == self.current and k.retired_at is None else k
            for k in self.keys
        )
        return KeyRing((*keys, RingKey(new_id, new.public_multikey())), new_id, self.path)

    def compromised(self, key_id: str, since: datetime) -> KeyRing:
        """``key_id`` distrusted from ``since``: what it signed from then on no longer verifies."""
        self.key(key_id)  # KeyError if unknown
        keys = tuple(
            replace(k, compromised_from=since, retired_at=k.retired_at or since)
            if k.id == key_id
            else k
            for k in self.keys
        )
        return KeyRing(keys, self.current, self.path)

    # publishing ---------------------------------------------------------------------------

    def controller_document(self, issuer_id: str) -> dict[str, Any]:
        """Every key, and under ``assertionMethod`` those not compromised."""
        methods = []
        for key in self.keys:
            method: dict[str, Any] = {
                "id": verification_method_id(issuer_id, key.id),
                "type": "Multikey",
                "controller": issuer_id,
                "publicKeyMultibase": key.public,
            }
            if key.compromised_from is not None:
                method["revoked"] = xml_datetime(key.compromised_from)
            methods.append(method)
        return {
            "@context": list(CONTROLLER_CONTEXT),
            "id": issuer_id,
            "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods if "revoked" not in m],
        }

    # the file -----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = tuple(_ring_key(k) for k in data["keys"])
        return cls(keys=keys, current=str(data["current"]), path=path)

    def save(self, path: Path | None = None) -> Path:
        """Write the ring (atomically: a reader sees the old ring or the new one)."""
        target = path or self.path
        if target is None:
            raise ValueError("where should the key ring go? give a path")
        document = {"current": self.current, "keys": [_ring_key_json(k) for k in self.keys]}
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, target)
        return target


def _ring_key(data: Mapping[str, Any]) -> RingKey:
    public = str(data["public"])
    public_key_from_multikey(public)  # ValueError if it is not an Ed25519 Multikey
    return RingKey(
        id=str(data["id"]),
        public=public,
        retired_at=_time(data.get("retired_at")),
        compromised_from=_time(data.get("compromised_from")),
    )


def _ring_key_json(key: RingKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "public": key.public,
        "retired_at": xml_datetime(key.retired_at) if key.retired_at else None,
        "compromised_from": xml_datetime(key.compromised_from) if key.compromised_from else None,
    }


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"a key ring time must carry its time zone: {value!r}")
    return moment


def _next_number(ids: Any) -> int:
    numbers = [int(i.removeprefix("key-")) for i in ids if i.removeprefix("key-").isdigit()]
    return max(numbers, default=0) + 1
