"""Write docs/configuration.md from the typed schema, so the reference never drifts from the code.

python scripts/gen_config_doc.py            (tests/config checks the file is current)
"""

from __future__ import annotations

import sys
from pathlib import Path

from docgen import models, table

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


def render() -> str:
    parts = [INTRO]
    for m in models(HallConfig):
        parts.append(f"\n## {m.__name__}\n")
        if m.__doc__ and m.__doc__.strip():
            parts.append(" ".join(m.__doc__.split()) + "\n")
        parts.append("")
        parts += table(m)
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
