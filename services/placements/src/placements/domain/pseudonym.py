"""The participant's keyed pseudonym: the only trace of the person on the city-wide stream."""

from __future__ import annotations

import hashlib
import hmac

from contracts.personnummer import Personnummer


def participant_ref(key: bytes, personnummer: Personnummer) -> str:
    """HMAC-SHA256 of the normalised twelve digits under the city-wide key. The same person
    gets the same reference in every förvaltning; without the key it cannot be reversed by
    trying all personnummer."""
    return hmac.new(key, personnummer.digits.encode(), hashlib.sha256).hexdigest()
