"""Write docs/configuration.md from the typed schema, so the reference never drifts from the code.

    python scripts/gen_config_doc.py            (tests/config checks the file is current)
"""
from __future__ import annotations

import sys
import typing
from pathlib import Path

from pydantic import BaseModel

from tideq.config.schema import HallConfig

OUT = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"

INTRO = """# Hall configuration reference

A hall is one TOML file, checked with `tideq check-config FILE` (exit 0, or exit 2 listing every
problem with file:line, field path and the fix). Unknown keys are errors. The example hall is
`tideq/config/halls/xian-hitech.toml`. Any value can be overridden from the environment:
`TIDEQ_` + the path in capitals with `__` between levels, e.g. `TIDEQ_BROKER__URL`,
`TIDEQ_RULES__MAX_CALLS=4` (values parse as TOML when they can, else as strings).

`schema_version` is 1. A file of an older version is migrated on load; a newer one is refused
with the advice to upgrade tideq.

This page is generated from `tideq/config/schema.py` by `scripts/gen_config_doc.py`.
"""


def type_name(ann: object) -> str:
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return type_name(typing.get_args(ann)[0])
    if origin in (list, tuple):
        return "list of " + " ".join(type_name(a) for a in typing.get_args(ann) if a is not Ellipsis)
    if origin is typing.Literal:
        return " \\| ".join(f'`"{a}"`' if isinstance(a, str) else f"`{a}`" for a in typing.get_args(ann))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(type_name(a) for a in typing.get_args(ann) if a is not type(None))
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return f"[{ann.__name__}](#{ann.__name__.lower()})"
    return getattr(ann, "__name__", str(ann))


def models(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def walk(m: type[BaseModel]) -> None:
        if m in seen:
            return
        seen.append(m)
        for f in m.model_fields.values():
            for sub in _models_in(f.annotation):
                walk(sub)

    walk(root)
    return seen


def _models_in(ann: object) -> list[type[BaseModel]]:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [ann]
    return [m for a in typing.get_args(ann) for m in _models_in(a)]


def render() -> str:
    parts = [INTRO]
    for m in models(HallConfig):
        parts.append(f"\n## {m.__name__}\n")
        if m.__doc__ and m.__doc__.strip():
            parts.append(" ".join(m.__doc__.split()) + "\n")
        parts.append("\n| key | type | default | meaning |\n|---|---|---|---|")
        for name, f in m.model_fields.items():
            default = "required" if f.is_required() else (
                "[]" if f.default_factory is list else "(table)" if f.default_factory else repr(f.default))
            parts.append(f"| `{name}` | {type_name(f.annotation)} | {default} | {f.description or ''} |")
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
