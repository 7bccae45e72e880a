"""`[[staff]]` in the hall file: what `tideq staff-pin` prints loads as it is and checks the PIN;
mistakes (a clear PIN, a duplicate 工号, neither PIN nor card, a shared card) name the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tideq.config import EXAMPLE_HALL, ConfigError, load
from tideq.contract.staff import card_hash, pin_proof, proof_matches

GOOD = EXAMPLE_HALL.read_text(encoding="utf-8")
SECRET = "hall-secret-for-this-test"


def staff_pin(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIDEQ_HALL_SECRET": SECRET}
    return subprocess.run(
        [sys.executable, "-m", "tideq.cli", "staff-pin", str(EXAMPLE_HALL), *args, "--stdin"],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
    )


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "hall.toml"
    p.write_text(GOOD + "\n" + text, encoding="utf-8")
    return p


def test_what_staff_pin_prints_loads_and_matches_the_pin(tmp_path):
    r = staff_pin("1001", "--name", "王芳", "--card", stdin="2468\n04a1b2c3\n")
    assert r.returncode == 0, r.stderr
    assert '"2468"' not in r.stdout and '"04a1b2c3"' not in r.stdout.lower()  # only hashes are printed
    m = load(write(tmp_path, r.stdout)).hall.staff[0]
    assert (m.id, m.display.zh) == ("1001", "王芳")
    assert m.pin_hash is not None and proof_matches(m.pin_hash, pin_proof(SECRET.encode(), "1001", "2468"))
    assert not proof_matches(m.pin_hash, pin_proof(SECRET.encode(), "1001", "2469"))
    assert m.card_hash == card_hash(SECRET.encode(), "04A1B2C3")


def test_staff_pin_refuses_a_pin_that_is_not_4_to_8_digits():
    r = staff_pin("1001", stdin="12\n")
    assert r.returncode == 2 and "4 to 8 digits" in r.stderr and r.stdout == ""


HASH = "pbkdf2_sha256$100000$00ff$" + "a" * 64


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ('[[staff]]\nid = "1001"\nname = "王芳"\npin_hash = "2468"\n', "tideq staff-pin"),
        ('[[staff]]\nid = "1001"\nname = "王芳"\n', "neither pin_hash nor card_hash"),
        (f'[[staff]]\nid = "1001"\nname = "王芳"\npin_hash = "{HASH}"\n' * 2, "two staff share the id '1001'"),
        (
            f'[[staff]]\nid = "1001"\nname = "A"\ncard_hash = "{"b" * 64}"\n'
            f'[[staff]]\nid = "1002"\nname = "B"\ncard_hash = "{"b" * 64}"\n',
            "share one card_hash",
        ),
        (f'[[staff]]\nid = "10 01"\nname = "王芳"\npin_hash = "{HASH}"\n', "staff"),
    ],
)
def test_staff_mistakes_name_the_fix(tmp_path, entries, message):
    with pytest.raises(ConfigError) as err:
        load(write(tmp_path, entries))
    assert message in str(err.value)
