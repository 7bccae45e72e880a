"""Errors of the config package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class TideqConfigError(Exception):
    """Base of every config error."""


@dataclass(frozen=True)
class ConfigProblem:
    line: int | None
    path: str
    message: str
    fix: str

    def render(self, file: Path) -> str:
        where = f"{file}:{self.line}" if self.line else str(file)
        field = f" [{self.path}]" if self.path else ""
        return f"{where}:{field} {self.message}. Fix: {self.fix}."


class ConfigError(TideqConfigError):
    """A hall file that cannot be used; carries every problem found, not just the first."""

    def __init__(self, file: Path, problems: list[ConfigProblem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__("\n".join(p.render(file) for p in problems))
