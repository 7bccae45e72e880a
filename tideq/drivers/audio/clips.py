"""Generate a demo clip folder with espeak-ng, so clip mode can be tried (and tested) before a
hall records its own voice: `python -m tideq.drivers.audio.clips DIR [--letters ABCDEFGH]`."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import SynthError
from .sentence import EN_DIGITS, EN_NUMBER_CLIPS, EN_TEENS, EN_TENS, ZH_DIGITS, Lang
from .synth import EspeakSynth

ZH_PHRASES = {"zh-qing": "请", "zh-hao-dao": "号到", "zh-hao-chuangkou-banli": "号窗口办理", "zh-n-10": "十"}
EN_PHRASES = {"en-number": "Number", "en-please-go-to-window": "please go to window"}


def clip_texts(letters: str) -> dict[str, tuple[Lang, str]]:
    """Every clip name -> (language, text to speak)."""
    texts: dict[str, tuple[Lang, str]] = {k: (Lang.ZH, v) for k, v in ZH_PHRASES.items()}
    texts |= {f"zh-n-{i}": (Lang.ZH, d) for i, d in enumerate(ZH_DIGITS)}
    texts |= {k: (Lang.EN, v) for k, v in EN_PHRASES.items()}
    words = {**dict(enumerate(EN_DIGITS)), **EN_TEENS, **EN_TENS}
    texts |= {f"en-n-{n}": (Lang.EN, words[n]) for n in EN_NUMBER_CLIPS}
    for c in letters:
        texts[f"zh-letter-{c}"] = (Lang.ZH, c)
        texts[f"en-letter-{c}"] = (Lang.EN, c)
    return texts


def generate(folder: Path, letters: str = "ABCDEFGH", trim: bool = True) -> list[Path]:
    """Write every clip; with sox present, trim espeak's leading/trailing silence so the
    assembled sentence flows like a recorded one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sox = shutil.which("sox") if trim else None
    out: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="tideq-clips-") as tmp:
        synth = EspeakSynth(Path(tmp))
        for name, (lang, text) in clip_texts(letters).items():
            src = synth.say(text, lang)
            dst = folder / f"{name}.wav"
            if sox:
                res = subprocess.run(
                    [
                        sox,
                        str(src),
                        str(dst),
                        "silence",
                        "1",
                        "0.01",
                        "0.5%",
                        "reverse",
                        "silence",
                        "1",
                        "0.01",
                        "0.5%",
                        "reverse",
                        "pad",
                        "0",
                        "0.05",
                    ],
                    capture_output=True,
                    text=True,
                )
                if res.returncode:
                    raise SynthError(f"sox could not trim {name}: {res.stderr.strip()}")
            else:
                shutil.copyfile(src, dst)
            out.append(dst)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--letters", default="ABCDEFGH", help="ticket letters of the hall's services")
    args = ap.parse_args(argv)
    made = generate(args.folder, args.letters.upper())
    print(f"{len(made)} clips in {args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
