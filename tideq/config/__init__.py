"""Typed hall configuration: schema, loader, example halls (halls/*.toml)."""

from pathlib import Path

from .errors import ConfigError, ConfigProblem, TideqConfigError
from .loader import LoadedConfig, load
from .schema import HallConfig, Service, Text, Window

EXAMPLE_HALL = Path(__file__).parent / "halls" / "xian-hitech.toml"

__all__ = [
    "EXAMPLE_HALL",
    "ConfigError",
    "ConfigProblem",
    "HallConfig",
    "LoadedConfig",
    "Service",
    "Text",
    "TideqConfigError",
    "Window",
    "load",
]
