"""Synthetic hall scenes built from real photographs of people, with known counts per zone.

For tests, the bench and demos without a camera. Person cut-outs (BGRA, alpha = silhouette)
are pasted with their foot point at chosen floor positions, scaled by a perspective model
(`PersonModel`), far people first so nearer ones occlude them as in a real view. Frames get
sensor noise and a little brightness flicker so the background model is not handed a
perfectly static image. See tests/drivers/data/make_fixtures.py for where the cut-outs come from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .detector import PersonModel
from .zones import ZoneGeometry


@dataclass(frozen=True)
class Placement:
    sprite: int  # index into SceneMaker.sprites
    foot: tuple[float, float]  # pixel position of the bottom centre of the body
    flip: bool = False
    scale: float = 1.0  # individual size variation around the perspective model


def load_sprites(data_dir: Path) -> list[np.ndarray]:
    sprites: list[np.ndarray] = []
    for p in sorted(data_dir.glob("person_*.png")):
        s = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
        if s is None or s.shape[2] != 4:
            raise FileNotFoundError(f"no BGRA person_*.png cut-outs in {data_dir}")
        sprites.append(s)
    if not sprites:
        raise FileNotFoundError(f"no BGRA person_*.png cut-outs in {data_dir}")
    return sprites


class SceneMaker:
    def __init__(self, background: np.ndarray, sprites: Sequence[np.ndarray], person: PersonModel) -> None:
        self.background = background
        self.sprites = list(sprites)
        self.person = person
        self.size = (background.shape[1], background.shape[0])

    @classmethod
    def from_dir(cls, data_dir: Path, person: PersonModel, size: tuple[int, int] = (640, 480)) -> SceneMaker:
        bg = cv2.imread(str(data_dir / "hall_background.jpg"), cv2.IMREAD_COLOR)
        if bg is None:
            raise FileNotFoundError(f"no hall_background.jpg in {data_dir}")
        return cls(cv2.resize(bg, size, interpolation=cv2.INTER_AREA), load_sprites(data_dir), person)

    def compose(self, placements: Iterable[Placement], rng: np.random.Generator | None = None) -> np.ndarray:
        frame: np.ndarray = self.background.astype(np.float32)  # float64 once noise is added
        h_img = self.size[1]
        for p in sorted(placements, key=lambda p: p.foot[1]):
            sprite = self.sprites[p.sprite % len(self.sprites)]
            height = self.person.height_px(p.foot[1], h_img) * p.scale
            if height < 4:
                continue
            width = max(1, round(sprite.shape[1] * height / sprite.shape[0]))
            s = cv2.resize(sprite, (width, round(height)), interpolation=cv2.INTER_AREA)
            if p.flip:
                s = s[:, ::-1]
            x0, y0 = round(p.foot[0] - width / 2), round(p.foot[1] - s.shape[0])
            _paste(frame, s, x0, y0)
        if rng is not None:
            frame = frame * rng.uniform(0.97, 1.03) + rng.normal(0, 2.0, frame.shape)
        return np.clip(frame, 0, 255).astype(np.uint8)

    def place(self, zone: ZoneGeometry, n: int, rng: np.random.Generator) -> list[Placement]:
        """n people with their feet uniformly inside `zone` (rejection sampling)."""
        x0, y0 = zone.polygon.min(axis=0)
        x1, y1 = zone.polygon.max(axis=0)
        out: list[Placement] = []
        while len(out) < n:
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if zone.contains(x, y):
                out.append(
                    Placement(
                        int(rng.integers(len(self.sprites))),
                        (float(x), float(y)),
                        bool(rng.integers(2)),
                        float(rng.uniform(0.9, 1.1)),
                    )
                )
        return out


def _paste(dst: np.ndarray, sprite: np.ndarray, x0: int, y0: int) -> None:
    h, w = dst.shape[:2]
    sx0, sy0 = max(0, -x0), max(0, -y0)
    dx0, dy0 = max(0, x0), max(0, y0)
    dx1, dy1 = min(w, x0 + sprite.shape[1]), min(h, y0 + sprite.shape[0])
    if dx1 <= dx0 or dy1 <= dy0:
        return
    part = sprite[sy0 : sy0 + dy1 - dy0, sx0 : sx0 + dx1 - dx0].astype(np.float32)
    a = part[:, :, 3:4] / 255.0
    region = dst[dy0:dy1, dx0:dx1]
    region[:] = region * (1 - a) + part[:, :, :3] * a


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float = 10.0) -> Path:
    """MJPG in .avi: written and read by opencv-python-headless without extra codecs."""
    frames = iter(frames)
    first = next(frames)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (first.shape[1], first.shape[0]))
    if not writer.isOpened():
        raise OSError(f"cannot write video {path}")
    try:
        writer.write(first)
        for f in frames:
            writer.write(f)
    finally:
        writer.release()
    return path
