"""Certificate files a login uses: present, readable, a certificate, and not expired or about to.

Read with the `openssl` command (as `tideq acl --tls` makes them; there is no Python crypto
dependency): `openssl x509 -noout -enddate -subject`."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from .result import Result, fail, ok, warn

WARN_DAYS = 30  # a month to roll out a new certificate to every device
OPENSSL_TIMEOUT_S = 5.0


def not_after(path: Path) -> tuple[datetime, str]:
    """(expiry, subject) of the first certificate in `path`; ValueError if it is none."""
    exe = shutil.which("openssl")
    if exe is None:
        raise FileNotFoundError("openssl not found")
    done = subprocess.run(
        [exe, "x509", "-in", str(path), "-noout", "-enddate", "-subject", "-nameopt", "oneline"],
        capture_output=True,
        text=True,
        timeout=OPENSSL_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise ValueError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "not a certificate")
    fields = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    end = datetime.strptime(fields["notAfter"].strip(), "%b %d %H:%M:%S %Y %Z").replace(tzinfo=UTC)
    return end, fields.get("subject", "").strip()


def check_cert(role: str, path: Path, now: datetime | None = None) -> Result:
    """One certificate file (`role`: "CA", "client certificate", ...)."""
    subject = f"{role} {path}"
    regen = (
        "make a new one with `tideq acl --config HALL --out DIR --tls` (delete the old file first; a new CA "
        "must then be copied to every device) and restart mosquitto"
    )
    if not path.exists():
        return fail("tls", subject, "file missing", f"copy it from the edge box's `tideq acl` output, or {regen}")
    if shutil.which("openssl") is None:
        return warn("tls", subject, "expiry not checked: openssl not found", "apt-get install openssl")
    try:
        end, name = not_after(path)
    except PermissionError as err:
        return fail("tls", subject, f"not readable: {err}", "give this service's user read access (chgrp/chmod)")
    except (ValueError, KeyError) as err:
        return fail("tls", subject, f"not a PEM certificate: {err}", regen)
    now = now or datetime.now(UTC)
    days = (end - now).total_seconds() / 86400
    detail = {"not_after": end.isoformat(), "days_left": round(days, 1), "cert_subject": name}
    if days < 0:
        return fail("tls", subject, f"expired on {end:%Y-%m-%d} ({name})", regen, **detail)
    if days < WARN_DAYS:
        return warn("tls", subject, f"expires in {days:.0f} days, on {end:%Y-%m-%d} ({name})", regen, **detail)
    return ok("tls", subject, f"valid until {end:%Y-%m-%d} ({days:.0f} days, {name})", **detail)


def check_key(path: Path) -> Result:
    """A key file: present and readable (its content is the handshake's business)."""
    subject = f"key {path}"
    if not path.exists():
        return fail("tls", subject, "file missing", "copy the key that belongs to the certificate next to it")
    try:
        path.read_bytes()
    except OSError as err:
        return fail("tls", subject, f"not readable: {err}", "give this service's user read access (chgrp/chmod)")
    return ok("tls", subject, "readable")
