"""`tideq acl`: per-identity broker logins and the ACL that binds them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tideq.runtime import load_or_report


def register(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("acl", help="write a Mosquitto password file and ACL binding each identity to its topics")
    a.add_argument("--config", required=True, help="hall .toml file")
    a.add_argument("--out", required=True, help="folder for passwd, acl, mosquitto-tideq.conf, credentials.toml")
    a.add_argument("--tls", action="store_true", help="also a CA, a server certificate and a TLS listener (tls/)")
    a.add_argument(
        "--tls-host",
        action="append",
        help="name or address devices use to reach the broker (repeat; default localhost and 127.0.0.1)",
    )
    a.add_argument("--tls-port", type=int, default=8883, help="port of the TLS listener (default 8883)")
    a.add_argument("--tls-bind", help="address the TLS listener binds (default every address)")
    a.add_argument("--client-certs", action="store_true", help="one client certificate per login, and require one")
    a.set_defaults(func=run_acl)

    u = sub.add_parser(
        "uplink", help="write the Mosquitto bridge of each hall to the district centre, and the centre's ACL"
    )
    u.add_argument(
        "--config",
        required=True,
        action="append",
        help="hall .toml file with a [district] table (repeat for each hall)",
    )
    u.add_argument("--out", required=True, help="folder for {hall}/bridge.conf and centre/{acl,passwd,...}")
    u.set_defaults(func=run_uplink)


def run_acl(args: argparse.Namespace) -> int:
    from .acl import AclError, TlsListener, write_acl

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    try:
        tls = None
        if args.tls or args.client_certs:
            hosts = tuple(args.tls_host) if args.tls_host else TlsListener.hosts
            tls = TlsListener(hosts, args.tls_port, args.tls_bind, args.client_certs)
        files = write_acl(loaded.hall, Path(args.out), tls)
    except AclError as err:
        print(err, file=sys.stderr)
        return 1
    print(
        f"wrote {len(files.identities)} identities for hall {loaded.hall.hall.id}:\n"
        f"  {files.passwd}  (hashes; chgrp mosquitto)\n  {files.acl}\n  {files.conf}  (include in mosquitto.conf)\n"
        f"  {files.out / 'credentials.toml'}  (clear passwords, 0600: give each device its own)"
    )
    if files.tls is not None:
        print(
            f"  {files.tls.ca_cert}  (the hall CA: [broker] ca_file on every device; keep ca.key off them)\n"
            f'  TLS listener on port {files.tls_port}: [broker] url = "mqtts://HOST:{files.tls_port}"'
            + (f"; {len(files.tls.clients)} client certificates in tls/clients/" if files.tls.clients else "")
        )
    return 0


def run_uplink(args: argparse.Namespace) -> int:
    from .uplink import Hall, UplinkError, write_uplink

    halls = []
    for path in args.config:
        loaded = load_or_report(path)
        if loaded is None:
            return 2
        try:
            halls.append(Hall.of(loaded.hall, loaded.path.parent))
        except UplinkError as err:
            print(f"{path}: {err}", file=sys.stderr)
            return 2
    try:
        files = write_uplink(halls, Path(args.out))
    except UplinkError as err:
        print(err, file=sys.stderr)
        return 1
    for hall, bridge in files.bridges.items():
        print(f"  {bridge}  (hall {hall}: include from its mosquitto.conf; 0600, holds its centre password)")
    print(
        f"  {files.centre_acl}  {files.centre_passwd}  {files.centre_conf}  (the centre; EMQX: docs/district.md)\n"
        f"  {files.out / 'centre' / 'credentials.toml'}  (the district page's login, user district)"
    )
    return 0
