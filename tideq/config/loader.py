"""Load a hall file: TOML -> migrations -> TIDEQ_ overrides -> typed HallConfig.

Errors name the file, the line (when the key can be found) and the field path, and say what to
write instead, because the person reading them is an installer at a hall, not a developer.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from .errors import ConfigError, ConfigProblem
from .schema import SCHEMA_VERSION, HallConfig

ENV_PREFIX = "TIDEQ_"

# Migrations from an older schema_version to the next one: {old: fn(raw) -> raw}.
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}


@dataclass(frozen=True)
class LoadedConfig:
    hall: HallConfig
    path: Path

    @property
    def data_dir(self) -> Path:
        d = Path(self.hall.storage.data_dir)
        return d if d.is_absolute() else (self.path.parent / d).resolve()


def load(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read and validate a hall file; raise ConfigError listing every problem found."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ConfigError(p, [ConfigProblem(None, "", "file not found", "give the path of a hall .toml file")]) from err
    except UnicodeDecodeError as err:
        raise ConfigError(p, [ConfigProblem(None, "", "file is not UTF-8", "save the file as UTF-8")]) from err
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line = _line_of_decode_error(str(err))
        raise ConfigError(
            p, [ConfigProblem(line, "", f"not valid TOML: {err}", "fix the TOML syntax on that line")]
        ) from err
    raw = migrate(raw, p)
    raw = apply_env_overrides(raw, os.environ if env is None else env)
    try:
        hall = HallConfig.model_validate(raw)
    except ValidationError as err:
        locate = KeyLocator(text)
        problems = [_problem(e, locate) for e in err.errors()]
        raise ConfigError(p, problems) from err
    return LoadedConfig(hall, p.resolve())


def migrate(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    version = raw.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or version > SCHEMA_VERSION or version < min([SCHEMA_VERSION, *MIGRATIONS]):
        raise ConfigError(
            path,
            [
                ConfigProblem(
                    None,
                    "schema_version",
                    f"schema_version {version!r} is not supported",
                    f"this tideq reads schema_version {SCHEMA_VERSION}; "
                    f"upgrade tideq or write schema_version = {SCHEMA_VERSION}",
                )
            ],
        )
    while version < SCHEMA_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
        raw["schema_version"] = version
    return raw


def apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """`TIDEQ_BROKER__URL=mqtt://h:1883` sets broker.url; `__` separates levels.

    Only tables (not arrays) can be reached; values are parsed as TOML values when they
    parse (numbers, booleans, quoted strings), else taken as plain strings.
    """
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or "__" not in key:
            continue
        parts = key[len(ENV_PREFIX) :].lower().split("__")
        node = raw
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            try:
                node[parts[-1]] = tomllib.loads(f"v = {value}")["v"]
            except tomllib.TOMLDecodeError:
                node[parts[-1]] = value
    return raw


def _problem(e: Mapping[str, Any], locate: KeyLocator) -> ConfigProblem:
    loc = tuple(e["loc"])
    path = ".".join(str(x) for x in loc)
    kind = e["type"]
    msg = str(e["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        fix = f"{hint}remove '{loc[-1]}' or correct its spelling; allowed here: {', '.join(allowed)}"
        msg = f"unknown key '{loc[-1]}'"
    elif kind == "missing":
        fix = f"add '{loc[-1]}'"
    elif kind == "string_pattern_mismatch":
        desc = _field_description(loc)
        fix = f"write {desc}" if desc else f"write a value matching {e.get('ctx', {}).get('pattern', '')}"
    elif kind in ("literal_error", "enum"):
        fix = f"use {e.get('ctx', {}).get('expected', 'one of the allowed values')}"
    else:
        fix = "correct the value as the message says"
    return ConfigProblem(locate.line(loc), path, msg, fix)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the field at `loc` (list indexes skipped)."""
    model: type[BaseModel] | None = HallConfig
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model = _model_in(field.annotation)
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model = _model_at(loc)
    return sorted(model.model_fields) if model else []


def _field_description(loc: tuple[Any, ...]) -> str | None:
    model = _model_at(tuple(p for p in loc[:-1]))
    field = model.model_fields.get(str(loc[-1])) if model else None
    return field.description if field else None


def _line_of_decode_error(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


class KeyLocator:
    """Find the line of a field path like ('services', 2, 'prefix') in TOML text.

    A small scanner over table headers and `key =` lines: enough for hall files, which use
    plain tables and arrays of tables. Falls back to the nearest enclosing table's line.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[Any, ...], int] = {}
        counters: dict[tuple[Any, ...], int] = {}
        table: tuple[Any, ...] = ()
        for n, line in enumerate(text.splitlines(), start=1):
            h = self._HEADER.match(line)
            if h:
                names = tuple(h.group(2).replace('"', "").split("."))
                prefix = self._resolve(names[:-1], counters)
                if h.group(1) == "[[":
                    base = (*prefix, names[-1])
                    counters[base] = counters.get(base, -1) + 1
                    table = (*base, counters[base])
                else:
                    table = (*prefix, names[-1])
                self.lines.setdefault(table, n)
                continue
            k = self._KEY.match(line)
            if k:
                self.lines.setdefault((*table, k.group(1)), n)

    @staticmethod
    def _resolve(names: tuple[str, ...], counters: dict[tuple[Any, ...], int]) -> tuple[Any, ...]:
        out: tuple[Any, ...] = ()
        for name in names:
            out += (name,)
            if out in counters:
                out += (counters[out],)
        return out

    def line(self, loc: tuple[Any, ...]) -> int | None:
        for cut in range(len(loc), 0, -1):
            if loc[:cut] in self.lines:
                return self.lines[loc[:cut]]
        return None
