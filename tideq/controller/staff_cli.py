"""`tideq staff-pin HALL_FILE 工号`: the `[[staff]]` lines of one clerk, with the PIN (and staff
card) hashed as the controller checks them. The PIN and card number are read from the terminal
(or stdin), never from the command line, where `ps` and shell history would keep them."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys

from tideq.config import ConfigError, load
from tideq.contract.staff import STAFF_ID_PATTERN, StaffSecretError, card_hash, check_pin, hash_proof, pin_proof

from .hall_secret import FILE


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("staff-pin", help="print a clerk's [[staff]] entry with the PIN (and card) hashed")
    p.add_argument("file", help="the hall file (for its secret_env and data_dir)")
    p.add_argument("staff", help="the clerk's 工号")
    p.add_argument("--name", default="", help='display name, e.g. "王芳" (only the 工号 and this are kept)')
    p.add_argument("--card", action="store_true", help="also ask for the staff card's number (its UID, hex)")
    p.add_argument("--stdin", action="store_true", help="read PIN (and card) as lines on stdin, not the terminal")
    p.set_defaults(func=run)


def _ask(prompt: str, from_stdin: bool) -> str:
    return sys.stdin.readline().strip() if from_stdin else getpass.getpass(prompt)


def run(args: argparse.Namespace) -> int:
    try:
        loaded = load(args.file)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    if not re.match(STAFF_ID_PATTERN, args.staff):
        print(f"staff-pin: {args.staff!r} is not a 工号 (1 to 16 letters or digits)", file=sys.stderr)
        return 2
    env = loaded.hall.hall.secret_env
    secret = os.environ.get(env)
    path = loaded.data_dir / FILE
    if not secret and path.exists():
        secret = path.read_text().strip()
    if not secret:
        print(
            f"staff-pin: no hall secret: set {env}, or start the controller once (it keeps one in {path})",
            file=sys.stderr,
        )
        return 2
    key = secret.encode()
    try:
        pin = check_pin(_ask("PIN (4 to 8 digits): ", args.stdin))
        if not args.stdin and getpass.getpass("PIN again: ") != pin:
            print("staff-pin: the two PINs differ; nothing printed", file=sys.stderr)
            return 2
        card = card_hash(key, _ask("card number: ", args.stdin)) if args.card else None
    except StaffSecretError as err:
        print(f"staff-pin: {err}", file=sys.stderr)
        return 2
    lines = [
        "[[staff]]",
        f"id = {json.dumps(args.staff)}",
        f"name = {json.dumps(args.name or args.staff, ensure_ascii=False)}",
    ]
    lines.append(f"pin_hash = {json.dumps(hash_proof(pin_proof(key, args.staff, pin)))}")
    if card:
        lines.append(f"card_hash = {json.dumps(card)}")
    print("\n".join(lines))
    return 0
