"""The fast canonical JSON writes exactly what the RFC 8785 reference implementation writes: a
credential hashed either way gets the same proof."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates.domain.record import Ready, build_record
from certificates.signing.jcs import canonical, json_copy
from tests.unit.certificates.factory import complete_placement
from tests.unit.certificates.test_credential import REFERENCE, credential_for

EDGE_CASES: list[Any] = [
    {"b": 1, "a": [True, False, None], "ä": "å", "A": {"z": "", "y": -(2**53) + 1}},
    "".join(chr(c) for c in range(0x80)),  # every control character and every escape
    "\u2028\u2029\u00ad\ufeff 𝄞 emoji 🎓",  # written as they are, like JSON.stringify
    {"\ue000": 1, "\U0001f600": 2},  # keys that sort differently in UTF-16: the reference
    {"float": 1.5, "exponent": 1e21, "whole": 2.0},  # numbers only the reference writes right
    [[], {}, [{}], 0, -0],
]

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize("value", EDGE_CASES)
def test_edge_cases_are_written_as_the_reference_writes_them(value: Any) -> None:
    assert canonical(value) == rfc8785.dumps(value)


def test_an_integer_beyond_the_exact_range_is_refused_as_the_reference_refuses_it() -> None:
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical({"big": 2**60})


def test_a_credential_is_written_as_the_reference_writes_it() -> None:
    p = complete_placement()
    state = build_record(p.events, REFERENCE, p.identities)
    assert isinstance(state, Ready)
    credential = credential_for(state.record)
    assert canonical(credential) == rfc8785.dumps(credential)
    assert json_copy(credential) == credential


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_is_written_as_the_reference_writes_it(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except Exception as refused:
        with pytest.raises(type(refused)):
            canonical(value)
        return
    assert canonical(value) == expected
