"""Masking of personal data at its source: the event log and the wire only ever see these forms."""

from __future__ import annotations

import re


def mask_name(name: str) -> str:
    """张三丰 -> 张**; already masked names (with *) pass unchanged."""
    name = name.strip()
    return name if "*" in name or not name else name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; already masked numbers pass unchanged."""
    digits = re.sub(r"\D", "", phone)
    if "*" in phone or len(digits) < 7:
        return phone.strip()
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
