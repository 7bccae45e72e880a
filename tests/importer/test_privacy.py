"""Masking is total and idempotent: whatever the string, a masked name shows at most its first
character and a masked phone at most its first 3 and last 4 digits; a value that already holds
`*` is masked again from what it shows, so half-masked exports leak nothing."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tideq.contract.privacy import mask_name, mask_phone

phoneish = st.text(alphabet=st.sampled_from("0123456789*+- ()０１２３＊"), max_size=40)
anything = st.text(max_size=60)


phones = st.one_of(
    anything, phoneish, st.builds(lambda p: "+86" + p, phoneish), st.builds(lambda p: "0086" + p, phoneish)
)


def positions(phone: str) -> str:
    """The digits and stars of a phone, without a leading country code (as documented)."""
    text = unicodedata.normalize("NFKC", phone).strip()
    text = text[3:] if text.startswith("+86") else text
    p = "".join(c for c in text if c in "0123456789*")
    return p[4:] if len(p) == 15 and p.startswith("0086") else p


@given(phones)
def test_a_masked_phone_shows_at_most_the_first_3_and_last_4_digits(phone: str) -> None:
    out = mask_phone(phone)
    src = positions(phone)
    assert set(out) <= set("0123456789*") and len(out) == len(src)
    shown = [i for i, c in enumerate(out) if c != "*"]
    assert all(i < 3 or i >= len(out) - 4 for i in shown)
    assert all(out[i] == src[i] for i in shown)  # nothing invented, nothing moved
    assert len(shown) <= 7


@given(phones)
def test_masking_a_masked_phone_changes_nothing(phone: str) -> None:
    assert mask_phone(mask_phone(phone)) == mask_phone(phone)


@given(anything)
def test_a_masked_name_shows_at_most_its_first_character(name: str) -> None:
    out = mask_name(name)
    if not name.strip():
        assert out == ""
        return
    assert out[0] == name.strip()[0] and set(out[1:]) == {"*"}


@given(anything)
def test_masking_a_masked_name_changes_nothing(name: str) -> None:
    assert mask_name(mask_name(name)) == mask_name(name)


def test_examples() -> None:
    assert mask_name("王小明") == "王**"
    assert mask_name("王小明*") == "王***"  # used to pass unchanged
    assert mask_name("*小明") == "***"
    assert mask_name("张") == "张*"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138****5678") == "138****5678"
    assert mask_phone("138*12345678") == "138*****5678"  # used to pass unchanged
    assert mask_phone("*13812345678") == "*13*****5678"
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_phone("１３８１２３４５６７８") == "138****5678"  # full-width digits
    assert mask_phone("88886666") == "****6666"  # a local landline shows no head
    assert mask_phone("1234567") == "*******"
    assert mask_phone("n/a") == ""
    assert mask_phone("+86 139 1234 0000") == mask_phone("0086 13912340000") == "139****0000"
