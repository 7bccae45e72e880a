"""The hall secret: it keys the identity HMACs kiosks send and the MAC on every ticket's QR."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from tideq.config import LoadedConfig

from .errors import SecretError

log = logging.getLogger(__name__)

FILE = "hall.secret"


def load_secret(loaded: LoadedConfig, data_dir: Path) -> bytes:
    """From the environment variable the hall file names; else generated once and kept beside
    the event log (mode 0600), so tickets printed before a restart still verify after it."""
    env = os.environ.get(loaded.hall.hall.secret_env)
    if env:
        return env.encode()
    path = data_dir / FILE
    try:
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            log.warning(
                "no %s set; generated a hall secret in %s (kiosks need the same value)",
                loaded.hall.hall.secret_env,
                path,
            )
        return path.read_text().strip().encode()
    except OSError as err:
        raise SecretError(
            f"cannot keep the hall secret in {path}: {err}; set {loaded.hall.hall.secret_env} "
            f"or make the data_dir writable"
        ) from err
