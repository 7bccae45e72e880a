"""Rendering pydantic models as Markdown reference tables (configuration and protocol docs)."""

from __future__ import annotations

import typing
from enum import Enum

from pydantic import BaseModel


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
    if isinstance(ann, type) and issubclass(ann, Enum):
        return f"[{ann.__name__}](#{ann.__name__.lower()})"
    if isinstance(ann, type) and issubclass(ann, Enum):
        return f"[{ann.__name__}](#{ann.__name__.lower()})"
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
    return [m for a in typing.get_args(ann) if not isinstance(a, str) for m in _models_in(a)]


def default_text(f: typing.Any) -> str:
    if f.is_required():
        return "required"
    if f.default_factory is list:
        return "[]"
    if f.default_factory is dict:
        return "{}"
    if f.default_factory:
        return "(table)"
    return repr(f.default.value if hasattr(f.default, "value") else f.default)


def table(m: type[BaseModel], key: str = "key") -> list[str]:
    """The model's fields as a Markdown table: name, type, default, meaning."""
    rows = [f"| {key} | type | default | meaning |", "|---|---|---|---|"]
    for name, f in m.model_fields.items():
        rows.append(f"| `{name}` | {type_name(f.annotation)} | {default_text(f)} | {f.description or ''} |")
    return rows
