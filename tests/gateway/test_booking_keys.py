"""API keys in the hall file: only their SHA-256 or the name of a variable; checked when loaded."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tideq.config.schema import BookingConfig
from tideq.gateway.keys import ApiKeys, key_sha256

KEY_A = "k-" + "7" * 40
KEY_B = "k-" + "b" * 40


def test_hashed_and_env_keys_each_name_their_platform():
    cfg = BookingConfig.model_validate(
        {
            "platforms": [
                {"id": "zsyy", "key_sha256": key_sha256(KEY_A)},
                {"id": "province", "key_env": "TIDEQ_BOOKING_KEY_PROVINCE"},
                {"id": "unset", "key_env": "TIDEQ_BOOKING_KEY_UNSET"},
            ]
        }
    )
    keys = ApiKeys.from_config(cfg, env={"TIDEQ_BOOKING_KEY_PROVINCE": KEY_B})
    assert keys.platform(KEY_A) == "zsyy" and keys.platform(KEY_B) == "province"
    assert keys.platform(KEY_A[:-1]) is None and keys.platform("") is None and keys.platform(None) is None
    assert "unset" not in keys.digests  # its variable is not set: 401 until it is


@pytest.mark.parametrize(
    "platform",
    [
        {"id": "both", "key_sha256": "0" * 64, "key_env": "X_KEY"},
        {"id": "neither"},
        {"id": "clear", "key_sha256": KEY_A},  # a clear key where its hash belongs
    ],
)
def test_a_platform_needs_exactly_one_hashed_or_env_key(platform):
    with pytest.raises(ValidationError):
        BookingConfig.model_validate({"platforms": [platform]})


def test_two_platforms_with_one_id_are_refused():
    p = {"id": "zsyy", "key_env": "X_KEY"}
    with pytest.raises(ValidationError, match="unique"):
        BookingConfig.model_validate({"platforms": [p, p]})
