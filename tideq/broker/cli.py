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
    a.set_defaults(func=run_acl)


def run_acl(args: argparse.Namespace) -> int:
    from .acl import AclError, write_acl

    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    try:
        files = write_acl(loaded.hall, Path(args.out))
    except AclError as err:
        print(err, file=sys.stderr)
        return 1
    print(
        f"wrote {len(files.identities)} identities for hall {loaded.hall.hall.id}:\n"
        f"  {files.passwd}  (hashes; chgrp mosquitto)\n  {files.acl}\n  {files.conf}  (include in mosquitto.conf)\n"
        f"  {files.out / 'credentials.toml'}  (clear passwords, 0600: give each device its own)"
    )
    return 0
