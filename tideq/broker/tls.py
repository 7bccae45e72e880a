"""The hall's TLS files for `tideq acl --tls`: a private CA, a server certificate for the broker
host(s), and optionally one client certificate per login, made with the `openssl` command (Debian
package `openssl`; no Python crypto dependency).

The CA key stays in the output folder (mode 0600): keep it off the devices; rerunning keeps an
existing CA and server certificate, so deployed devices keep trusting the broker. Delete
`tls/` to start over (every device then needs the new `ca.crt`).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import AclError

TLS_DIR = "tls"
CA_DAYS = 3650
CERT_DAYS = 825  # what browsers and most TLS stacks accept for a leaf certificate
CURVE = "prime256v1"


@dataclass(frozen=True)
class TlsFilesOut:
    """Paths `write_tls` produced; `clients` maps login -> (cert, key)."""

    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    clients: dict[str, tuple[Path, Path]]


def _openssl(args: Sequence[str], cwd: Path) -> None:
    exe = shutil.which("openssl")
    if exe is None:
        raise AclError("`tideq acl --tls` needs the openssl command: apt-get install openssl (scripts/setup.sh)")
    done = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AclError(f"openssl {' '.join(args[:2])} failed: {done.stderr.strip()}")


def _san(hosts: Iterable[str]) -> str:
    parts = []
    for h in hosts:
        try:
            ipaddress.ip_address(h)
            parts.append(f"IP:{h}")
        except ValueError:
            parts.append(f"DNS:{h}")
    return ",".join(parts)


def _leaf(d: Path, name: str, cn: str, ext: str) -> tuple[Path, Path]:
    key, csr, crt, extfile = d / f"{name}.key", d / f"{name}.csr", d / f"{name}.crt", d / f"{name}.ext"
    _openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{CURVE}", "-out", key.name], d)
    os.chmod(key, 0o600)
    _openssl(["req", "-new", "-key", key.name, "-out", csr.name, "-subj", f"/CN={cn}"], d)
    extfile.write_text(ext + "\n", encoding="utf-8")
    sign = ["x509", "-req", "-in", csr.name, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"]
    _openssl([*sign, "-out", crt.name, "-days", str(CERT_DAYS), "-sha256", "-extfile", extfile.name], d)
    csr.unlink()
    extfile.unlink()
    return crt, key


def write_tls(out: Path, hall_id: str, hosts: Sequence[str], client_users: Iterable[str] = ()) -> TlsFilesOut:
    """CA, server certificate for `hosts` (names and addresses devices use to reach the broker),
    and a client certificate (CN = login) for each of `client_users`."""
    d = out / TLS_DIR
    d.mkdir(parents=True, exist_ok=True)
    ca_crt, ca_key = d / "ca.crt", d / "ca.key"
    if not (ca_crt.exists() and ca_key.exists()):
        _openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{CURVE}", "-out", "ca.key"], d)
        os.chmod(ca_key, 0o600)
        ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        req = ["req", "-x509", "-new", "-key", "ca.key", "-out", "ca.crt", "-days", str(CA_DAYS), "-sha256"]
        _openssl([*req, "-subj", f"/CN=tideq {hall_id} hall CA", *ext], d)
    server = (d / "server.crt", d / "server.key")
    if not (server[0].exists() and server[1].exists()):
        server = _leaf(
            d,
            "server",
            hosts[0],
            f"subjectAltName={_san(hosts)}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature",
        )
    # Mosquitto reads the server key after dropping to its user: group-readable like passwd
    os.chmod(server[1], 0o640)
    clients: dict[str, tuple[Path, Path]] = {}
    cdir = d / "clients"
    for user in client_users:
        cdir.mkdir(exist_ok=True)
        crt, key = cdir / f"{user}.crt", cdir / f"{user}.key"
        if not (crt.exists() and key.exists()):
            # sign from the tls folder so the CA paths resolve; move the pair under clients/
            tmp = _leaf(d, f"client-{user}", user, "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature")
            tmp[0].replace(crt)
            tmp[1].replace(key)
        clients[user] = (crt, key)
    return TlsFilesOut(ca_crt, ca_key, server[0], server[1], clients)
