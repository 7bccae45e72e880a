"""The hall secret, which signs the tickets' page tokens: read, never generated, here.

The same value the controller uses (`tideq.controller.hall_secret`): the environment variable the
hall file names (`[hall] secret_env`), else the `hall.secret` file the controller keeps beside its
event log, when the gateway runs on the same box. A gateway that generated its own would open no
ticket page at all, so a missing secret stops it with the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

from tideq.config import LoadedConfig
from tideq.controller.hall_secret import FILE

from .errors import GatewaySetupError


def read_secret(loaded: LoadedConfig, data_dir: Path | None = None) -> bytes:
    env_name = loaded.hall.hall.secret_env
    env = os.environ.get(env_name)
    if env:
        return env.encode()
    path = (data_dir or loaded.data_dir) / FILE
    try:
        value = path.read_text().strip()
    except OSError as err:
        raise GatewaySetupError(
            f"no hall secret: set {env_name} to the controller's value, or run the gateway where it can read "
            f"{path} (--data-dir: the controller's data folder): {err.strerror or err}"
        ) from err
    if not value:
        raise GatewaySetupError(f"{path} is empty; set {env_name} to the controller's hall secret")
    return value.encode()
