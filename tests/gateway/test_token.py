"""Page tokens: what they stand for, and that nothing else passes for one."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from tideq.contract.ticket_page import MAC_BYTES, PageRef, page_token, page_url, qr_content, read_page_token

SECRET = b"hall-secret"
DAY = date(2026, 11, 26)


def test_round_trip_and_url_safety():
    tok = page_token(SECRET, "xian-hitech", DAY, "B012")
    assert read_page_token(SECRET, "xian-hitech", tok) == PageRef(DAY, "B012")
    assert tok.replace("-", "").replace("_", "").isalnum() and "=" not in tok
    assert page_url("https://q.example.cn/", tok) == f"https://q.example.cn/t/{tok}"


def test_carries_at_least_96_bits_of_mac():
    assert MAC_BYTES * 8 >= 96
    raw = base64.urlsafe_b64decode(page_token(SECRET, "h", DAY, "A1") + "==")
    assert len(raw) == 3 + 2 + MAC_BYTES


def test_other_secret_hall_or_altered_bytes_are_refused():
    tok = page_token(SECRET, "xian-hitech", DAY, "B012")
    assert read_page_token(b"other", "xian-hitech", tok) is None
    assert read_page_token(SECRET, "other-hall", tok) is None
    raw = bytearray(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))
    for i in range(len(raw)):  # every single-byte change: day, number or MAC
        changed = bytearray(raw)
        changed[i] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode()
        assert read_page_token(SECRET, "xian-hitech", forged) is None, i


def test_domain_separated_from_the_verify_string_mac():
    """The verify string's MAC (first 10 hex of HMAC(secret, 'tideq:hall:day:number')) is not the token's."""
    body = f"tideq:xian-hitech:{DAY}:B012".encode()
    verify_mac = hmac.new(SECRET, body, hashlib.sha256).digest()[:MAC_BYTES]
    raw = base64.urlsafe_b64decode(page_token(SECRET, "xian-hitech", DAY, "B012") + "==")
    assert raw[-MAC_BYTES:] != verify_mac


@given(st.text(max_size=80))
def test_any_string_is_refused_without_raising(s):
    assert read_page_token(SECRET, "xian-hitech", s) is None


def test_qr_content_is_the_page_with_a_gateway_else_the_verify_string():
    assert qr_content("https://q.example.cn", "TOKEN", "tideq:x") == "https://q.example.cn/t/TOKEN"
    assert qr_content(None, "TOKEN", "tideq:x") == "tideq:x"
    assert qr_content("https://q.example.cn", None, "tideq:x") == "tideq:x"
