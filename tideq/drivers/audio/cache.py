"""The on-disk cache of rendered announcements, bounded by size, least recently used out first.

Every call of a new ticket is a new sentence, so an unbounded cache grows with the hall day
(at a demo's 20x clock, 164 MB in 7 minutes). A hit touches the file's mtime, so the order
survives restarts; a render that takes the cache over `max_bytes` removes the files used longest
ago. Files being written (`*.tmp.wav`) and the folder of converted clips (a hall's few recorded
clips, needed by every sentence) are never evicted.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_MAX_MB = 64.0
MB = 1024 * 1024


class VoiceCache:
    def __init__(self, folder: Path, max_bytes: int = int(DEFAULT_MAX_MB * MB)) -> None:
        if max_bytes <= 0:
            raise ValueError("the voice cache needs a positive size limit")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.evicted = 0
        self._lock = threading.Lock()
        self._sizes: OrderedDict[Path, int] = OrderedDict()  # least recently used first
        found = []
        for p in self.folder.glob("*.wav"):  # what earlier runs left, in the order they were last used
            if not p.name.endswith(".tmp.wav"):
                try:
                    st = p.stat()
                except OSError:
                    continue
                found.append((st.st_mtime_ns, p, st.st_size))
        for _, p, size in sorted(found):
            self._sizes[p] = size
        with self._lock:
            self._trim()

    @property
    def size(self) -> int:
        return sum(self._sizes.values())

    def path(self, name: str) -> Path:
        return self.folder / name

    def hit(self, path: Path) -> bool:
        """True if `path` is cached (and marks it used now)."""
        try:
            os.utime(path)
        except OSError:
            with self._lock:
                self._sizes.pop(path, None)
            return False
        with self._lock:
            if path in self._sizes:
                self._sizes.move_to_end(path)
            else:  # written by another process sharing the folder
                self._sizes[path] = path.stat().st_size
        return True

    def added(self, path: Path) -> None:
        """`path` was just rendered into the cache: count it, then evict down to the limit."""
        with self._lock:
            self._sizes[path] = path.stat().st_size
            self._sizes.move_to_end(path)
            self._trim()

    def _trim(self) -> None:
        """Evict least recently used first, never the newest file (the one about to be played)."""
        total = sum(self._sizes.values())
        while total > self.max_bytes and len(self._sizes) > 1:
            p, size = self._sizes.popitem(last=False)
            total -= size
            try:
                p.unlink()
            except FileNotFoundError:
                pass
            self.evicted += 1
