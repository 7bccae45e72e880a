"""The caller terminal's actions and their shortcut keys (F1..F8 by default, `--keys` to rebind)."""

from __future__ import annotations

from tideq.contract import WindowAction

from .errors import KeymapError

TERMINAL_ACTIONS: tuple[WindowAction, ...] = (
    WindowAction.NEXT,
    WindowAction.RECALL,
    WindowAction.SKIP,
    WindowAction.FINISH,
    WindowAction.CALL,
    WindowAction.TRANSFER,
    WindowAction.PAUSE,
    WindowAction.RESUME,
)
"""The contract's window actions a terminal offers (`rate` belongs to the evaluator)."""
DEFAULT_KEYS: dict[WindowAction, str] = {a: f"F{i}" for i, a in enumerate(TERMINAL_ACTIONS, start=1)}


def parse_keymap(text: str, base: dict[WindowAction, str] | None = None) -> dict[WindowAction, str]:
    """`"next=F9, recall=F10"` over the defaults; keys are Qt key sequence strings."""
    keys = dict(base or DEFAULT_KEYS)
    for item in filter(None, (x.strip() for x in text.split(","))):
        name, sep, key = item.partition("=")
        action = next((a for a in TERMINAL_ACTIONS if a.value == name.strip().lower()), None)
        if action is None:
            raise KeymapError(
                f"{name!r} is not an action of the terminal; use one of {', '.join(a.value for a in TERMINAL_ACTIONS)}"
            )
        if not sep or not key.strip():
            raise KeymapError(f"write {name.strip()}=KEY, e.g. {name.strip()}=F9")
        keys[action] = key.strip()
    clash = {k for k in keys.values() if list(keys.values()).count(k) > 1}
    if clash:
        raise KeymapError(f"key(s) {', '.join(sorted(clash))} bound to more than one action")
    return keys
