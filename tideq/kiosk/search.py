"""Touch search of the service guide: an index built once from the hall config, queried with what
the on-screen A–Z keyboard (or a physical keyboard) typed. No Qt here: pure functions, unit-tested.

A query of letters matches, case-insensitively:

- **pinyin** (Chinese mode only): starting at any Chinese character of a text, the query splits
  into consecutive non-empty prefixes of the characters' readings. That one rule covers 拼音首字母
  ("QYKB" → 企业开办, "GJJ" → 公积金), full pinyin ("SHEBAO" → 社保) and mixes ("GONGJJ").
  Readings come from `pypinyin` with its phrase dictionary (银行 → yin hang), ü typed as v.
- **English words** (both modes): the query is a prefix of the English text from the start of any
  word, spaces ignored ("HOUS" → Housing…, "TAX", "BANKCARD" → Bank card).
- anything else (Chinese characters from an input method, digits, punctuation): a plain substring
  of the Chinese or English text, as the search field always did.

What is searched: each offered service's name and guide materials, and each `elsewhere` matter
with where it is handled. Hits are ordered name matches first (a match at the start of the name
before one inside it), then materials and places; config order within a rank. A hit found
through a material carries that material so the screen can say why it is listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pypinyin import Style, lazy_pinyin

from tideq.config.schema import HallConfig, Text

MAX_QUERY = 20
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+")
_LETTERS = re.compile(r"^[a-z]+$")

Kind = Literal["service", "elsewhere"]
Role = Literal["name", "material", "matter", "where"]

# rank of a hit by the field it came from (lower is better); "start" = match at the text's start
RANK = {
    ("name", True): 0,
    ("matter", True): 0,
    ("name", False): 1,
    ("matter", False): 1,
    ("material", True): 2,
    ("material", False): 2,
    ("where", True): 3,
    ("where", False): 3,
}


@dataclass(frozen=True)
class Field:
    role: Role
    text: Text
    runs: tuple[tuple[str, ...], ...]  # readings of runs of Chinese characters, one per character
    words: tuple[str, ...]  # lower-case English words
    zh: str  # lower-cased, for substring search
    en: str


@dataclass(frozen=True)
class Entry:
    kind: Kind
    key: str  # service id, or the index in hall.elsewhere
    title: Text
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Hit:
    kind: Kind
    key: str
    rank: int
    via: Text | None = None  # the material that matched, when it was one


def normalise(query: str) -> str:
    """What the matcher sees: lower case, no spaces, at most MAX_QUERY characters."""
    return "".join(query.split()).lower()[:MAX_QUERY]


def readings(text: str) -> tuple[tuple[str, ...], ...]:
    """Toneless readings of each run of Chinese characters in `text`, e.g. 企业开办 · 一业一证 →
    (("qi","ye","kai","ban"), ("yi","ye","yi","zheng")). Other characters split runs."""
    runs = []
    for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", text):
        syll = lazy_pinyin(run, style=Style.NORMAL, v_to_u=False, neutral_tone_with_five=False)
        runs.append(tuple(s.lower().replace("ü", "v") for s in syll))
    return tuple(runs)


def make_field(role: Role, text: Text) -> Field:
    return Field(role, text, readings(text.zh), tuple(_WORD.findall(text.en.lower())), text.zh.lower(), text.en.lower())


def pinyin_match(q: str, run: tuple[str, ...]) -> int | None:
    """Index of the first character from which `q` is a chain of reading prefixes, or None."""

    def from_(qi: int, ci: int) -> bool:
        if qi == len(q):
            return True
        if ci == len(run):
            return False
        s = run[ci]
        # longest first: full pinyin, then shorter
        return any(q[qi : qi + k] == s[:k] and from_(qi + k, ci + 1) for k in range(min(len(s), len(q) - qi), 0, -1))

    for start in range(len(run)):
        if from_(0, start):
            return start
    return None


def english_match(q: str, words: tuple[str, ...]) -> int | None:
    """Index of the first word from which the words, joined without spaces, start with `q`."""
    for i in range(len(words)):
        if "".join(words[i:]).startswith(q):
            return i
    return None


def field_match(q: str, f: Field, *, pinyin: bool) -> bool | None:
    """None: no match; True: match at the start of the text; False: match inside it."""
    if _LETTERS.match(q):
        at = english_match(q, f.words)
        best = None if at is None else at == 0
        if pinyin:
            for n, run in enumerate(f.runs):
                at = pinyin_match(q, run)
                if at is not None:
                    start = n == 0 and at == 0 and _HAN.match(f.text.zh) is not None
                    best = start if best is None else (best or start)
        return best
    if q in f.zh:
        return f.zh.startswith(q)
    if q in f.en:
        return f.en.startswith(q)
    return None


class SearchIndex:
    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = tuple(entries)

    def search(self, query: str, lang: str = "zh") -> list[Hit]:
        """Every entry the query matches, best first. An empty query matches nothing (the screen
        shows everything, or a hint, itself). `lang` "en": English words only, no pinyin."""
        q = normalise(query)
        if not q:
            return []
        hits: list[tuple[int, int, Hit]] = []
        for order, e in enumerate(self.entries):
            best: tuple[int, Text | None] | None = None
            for f in e.fields:
                m = field_match(q, f, pinyin=lang != "en")
                if m is None:
                    continue
                rank = RANK[(f.role, m)]
                if best is None or rank < best[0]:
                    best = (rank, f.text if f.role == "material" else None)
            if best is not None:
                hits.append((best[0], order, Hit(e.kind, e.key, best[0], best[1])))
        return [h for _, _, h in sorted(hits, key=lambda x: (x[0], x[1]))]


def build_index(hall: HallConfig, service_ids: Iterable[str] | None = None) -> SearchIndex:
    """The guide's index: the services in `service_ids` (default all, config order) with their
    names and materials, and the hall's `elsewhere` matters with where they are handled."""
    wanted = None if service_ids is None else set(service_ids)
    entries: list[Entry] = []
    for s in hall.services:
        if wanted is not None and s.id not in wanted:
            continue
        fields = [make_field("name", s.name)] + [make_field("material", m) for m in s.guide.materials]
        entries.append(Entry("service", s.id, s.name, tuple(fields)))
    for i, e in enumerate(hall.elsewhere):
        entries.append(
            Entry("elsewhere", str(i), e.matter, (make_field("matter", e.matter), make_field("where", e.where)))
        )
    return SearchIndex(entries)


def examples(index: SearchIndex, lang: str = "zh", n: int = 3) -> list[tuple[str, str]]:
    """Up to n (typed, finds) pairs for the keyboard's hint, made from this hall's own services so
    they are always true: ("QYKB", "企业开办") in Chinese, ("TAX", "Tax Services") in English."""
    out: list[tuple[str, str]] = []
    for e in index.entries:
        if e.kind != "service" or len(out) >= n:
            continue
        name = e.fields[0]
        if lang == "en":
            if not name.words:
                continue
            typed, shows = name.words[0].upper(), name.text.en
        else:
            run = name.runs[0] if name.runs else ()
            if len(run) < 2 or not _HAN.match(name.text.zh):
                continue
            typed = "".join(s[0] for s in run).upper()
            shows = re.match(r"[\u3400-\u9fff\uf900-\ufaff]+", name.text.zh).group(0)  # type: ignore[union-attr]
        if any(t == typed for t, _ in out):
            continue
        hits = index.search(typed, lang)
        if hits and hits[0].key == e.key:
            out.append((typed, shows))
    return out
