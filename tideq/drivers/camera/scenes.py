"""Synthetic hall scenes built from real photographs of people, with known counts per zone.

For tests, the bench and demos without a camera. Person cut-outs (BGRA, alpha = silhouette)
are pasted with their foot point at chosen floor positions, scaled by a perspective model
(`PersonModel`), far people first so nearer ones occlude them as in a real view. Frames get
sensor noise and a little brightness flicker so the background model is not handed a
perfectly static image. See tests/drivers/data/make_fixtures.py for where the cut-outs come from.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
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

    def compose(
        self,
        placements: Iterable[Placement],
        rng: np.random.Generator | None = None,
        light: float | np.ndarray = 1.0,
        background: np.ndarray | None = None,
    ) -> np.ndarray:
        """The hall (or `background`) with people pasted, lit by `light` (a factor, or a HxW map
        of factors: the same light falls on the floor and on the people), then sensor noise and
        flicker when `rng` is given."""
        bg = self.background if background is None else background
        frame: np.ndarray = bg.astype(np.float32)  # float64 once noise is added
        for p in sorted(placements, key=lambda p: p.foot[1]):
            sized = self._sized(p)
            if sized is not None:
                _paste(frame, *sized)
        if not (isinstance(light, float) and light == 1.0):
            frame = frame * (np.asarray(light, np.float32)[:, :, None] if np.ndim(light) == 2 else float(light))
        if rng is not None:
            frame = frame * rng.uniform(0.97, 1.03) + rng.normal(0, 2.0, frame.shape)
        return np.clip(frame, 0, 255).astype(np.uint8)

    def _sized(self, p: Placement) -> tuple[np.ndarray, int, int] | None:
        """The sprite scaled by the perspective model, flipped, and its top-left corner."""
        sprite = self.sprites[p.sprite % len(self.sprites)]
        height = self.person.height_px(p.foot[1], self.size[1]) * p.scale
        if height < 4:
            return None
        width = max(1, round(sprite.shape[1] * height / sprite.shape[0]))
        s = cv2.resize(sprite, (width, round(height)), interpolation=cv2.INTER_AREA)
        if p.flip:
            s = s[:, ::-1]
        return s, round(p.foot[0] - width / 2), round(p.foot[1] - s.shape[0])

    def silhouettes(self, placements: Iterable[Placement]) -> np.ndarray:
        """Union of the people's masks (uint8 0/255) as `compose` pastes them: the ground truth
        of which pixels are people."""
        mask = np.zeros((self.size[1], self.size[0], 3), np.float32)
        for p in placements:
            sized = self._sized(p)
            if sized is not None:
                s, x0, y0 = sized
                white = s.copy()
                white[:, :, :3] = 255
                _paste(mask, white, x0, y0)
        return np.where(mask[:, :, 0] >= 128, 255, 0).astype(np.uint8)

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


@dataclass(frozen=True)
class Lighting:
    """Light over the hall as a factor per pixel, at a time in seconds since the scene began.

    `drift`: daylight through the windows, a slow sinusoid of the whole hall (period
    `drift_period_s`). `window_side`: the sun moving onto the left of the view, a gradient that
    grows to this extra fraction by `window_by_s`. `switch_s`: a bank of lights over the right
    half switched off (factor `switch_factor`, soft edge across the middle) at that time.
    `patch`: a sharp-edged sun patch (x0, y0, x1, y1 as fractions) brightening the floor there
    by up to `patch_gain`, creeping in linearly from `patch_from_s` over `patch_over_s`."""

    drift: float = 0.08
    drift_period_s: float = 3600.0
    window_side: float = 0.0
    window_by_s: float = 2400.0
    switch_s: float | None = None
    switch_factor: float = 0.7
    patch: tuple[float, float, float, float] | None = None
    patch_gain: float = 0.5
    patch_from_s: float = 0.0
    patch_over_s: float = 900.0

    def at(self, t: float, size: tuple[int, int]) -> np.ndarray:
        w, h = size
        x = np.linspace(0.0, 1.0, w, dtype=np.float32)
        factor = np.full(w, 1.0 + self.drift * math.sin(2 * math.pi * t / self.drift_period_s), np.float32)
        factor += self.window_side * min(1.0, t / self.window_by_s) * np.clip(1.0 - 2.0 * x, 0.0, 1.0)
        if self.switch_s is not None and t >= self.switch_s:
            right = 1.0 / (1.0 + np.exp(-(x - 0.5) / 0.05))  # the off bank's light fades across the middle
            factor *= 1.0 - (1.0 - self.switch_factor) * right
        light = np.repeat(factor[None, :], h, axis=0)
        if self.patch is not None and t > self.patch_from_s:
            x0, y0, x1, y1 = (round(v * n) for v, n in zip(self.patch, (w, h, w, h), strict=True))
            light[y0:y1, x0:x1] *= 1.0 + self.patch_gain * min(1.0, (t - self.patch_from_s) / self.patch_over_s)
        return light


@dataclass(frozen=True)
class Visitor:
    """Walks in from `entrance` to `seat` from `arrive_s` over `walk_s`, sits until `leave_s`,
    then walks back out over `walk_s`."""

    seat: Placement
    entrance: tuple[float, float]
    arrive_s: float
    walk_s: float = 30.0
    leave_s: float = math.inf

    def foot_at(self, t: float) -> tuple[float, float] | None:
        if t < self.arrive_s or t > self.leave_s + self.walk_s:
            return None
        if t < self.arrive_s + self.walk_s:
            f = (t - self.arrive_s) / self.walk_s
        elif t <= self.leave_s:
            return self.seat.foot
        else:
            f = 1.0 - (t - self.leave_s) / self.walk_s
        (x0, y0), (x1, y1) = self.entrance, self.seat.foot
        return x0 + f * (x1 - x0), y0 + f * (y1 - y0)

    def seated(self, t: float) -> bool:
        return self.arrive_s + self.walk_s <= t <= self.leave_s


@dataclass(frozen=True)
class SceneFrame:
    ts: float  # seconds since the scene began
    image: np.ndarray
    truth: dict[str, int]  # people with their feet in each zone
    seated: list[Placement] = field(default_factory=list)  # where the seated people are, as drawn


class WaitingScene:
    """A waiting area over a long span of simulated time, one frame every `step_s` seconds.

    Rows of seats on the floor of each zone (part of the empty hall). The hall is empty for
    `empty_s` (before opening: the reference is learnt then); `seated[zone]` visitors walk in
    from the near edge during `arrive_over_s` and sit; `leavers` of them get up and walk out at
    `leave_s`, and `late` more arrive at `late_s`. Seated people are not frozen: each shifts by
    up to `fidget_px` now and then, as people on a bench do. Light follows `lighting`; every
    frame has sensor noise and flicker. A pure function of its arguments and `seed`."""

    def __init__(
        self,
        maker: SceneMaker,
        zones: Sequence[ZoneGeometry],
        seated: dict[str, int],
        *,
        seed: int = 0,
        duration_s: float = 45 * 60.0,
        step_s: float = 5.0,
        empty_s: float = 120.0,
        arrive_over_s: float = 360.0,
        leavers: int = 0,
        leave_s: float = math.inf,
        late: int = 0,
        late_s: float = math.inf,
        lighting: Lighting | None = None,
        rows: int = 3,
        fidget_px: float = 1.5,
    ) -> None:
        self.maker = maker
        self.zones = list(zones)
        self.duration_s = duration_s
        self.step_s = step_s
        self.empty_s = empty_s
        self.lighting = lighting or Lighting()
        self.fidget_px = fidget_px
        self.seed = seed
        rng = np.random.default_rng(seed)
        seats = {z.id: self._seats(z, rows) for z in self.zones}
        self.background = maker.background.copy()
        for z in self.zones:
            for seat in seats[z.id]:
                self._draw_seat(seat)
        w, h = maker.size
        self.visitors: list[Visitor] = []
        for zid, n in seated.items():
            free = seats[zid]
            if n > len(free):
                raise ValueError(f"zone {zid} has {len(free)} seats, not {n}")
            for k in rng.permutation(len(free))[:n]:
                x, y = free[int(k)]
                chair = Placement(int(rng.integers(len(maker.sprites))), (x, y), bool(rng.integers(2)))
                entrance = (float(rng.uniform(0.1, 0.9) * w), h - 1.0)
                self.visitors.append(Visitor(chair, entrance, empty_s + float(rng.uniform(0, arrive_over_s))))
        order = rng.permutation(len(self.visitors))
        for i in order[:leavers]:
            self.visitors[i] = replace(self.visitors[i], leave_s=leave_s)
        taken = {v.seat.foot for v in self.visitors}
        spare = [s for z in self.zones for s in seats[z.id] if s not in taken]
        for k in rng.permutation(len(spare))[:late]:
            x, y = spare[int(k)]
            chair = Placement(int(rng.integers(len(maker.sprites))), (x, y), bool(rng.integers(2)))
            self.visitors.append(Visitor(chair, (float(rng.uniform(0.1, 0.9) * w), h - 1.0), late_s))

    def _seats(self, zone: ZoneGeometry, rows: int) -> list[tuple[float, float]]:
        """Seat positions (foot points) in rows across the zone, spaced by the perspective."""
        (x0, y0), (x1, y1) = zone.polygon.min(axis=0), zone.polygon.max(axis=0)
        out = []
        for r in range(rows):
            y = float(y0 + (r + 0.6) * (y1 - y0) / rows)
            gap = 0.55 * self.maker.person.height_px(y, self.maker.size[1])
            n = max(1, int((x1 - x0) // gap))
            margin = (x1 - x0 - (n - 1) * gap) / 2
            for i in range(n):
                x = float(x0 + margin + i * gap)
                if zone.contains(x, y):
                    out.append((x, y))
        return out

    def _draw_seat(self, foot: tuple[float, float]) -> None:
        height = self.maker.person.height_px(foot[1], self.maker.size[1])
        x, y = foot
        w2, top = 0.22 * height, 0.3 * height
        p0, p1 = (round(x - w2), round(y - top)), (round(x + w2), round(y))
        cv2.rectangle(self.background, p0, p1, (110, 70, 40), -1)  # blue plastic seat
        cv2.rectangle(self.background, p0, p1, (60, 40, 25), max(1, round(height / 60)))

    def times(self) -> np.ndarray:
        return np.arange(0.0, self.duration_s + 1e-9, self.step_s)

    def placements_at(self, t: float) -> list[Placement]:
        out = []
        for i, v in enumerate(self.visitors):
            foot = v.foot_at(t)
            if foot is None:
                continue
            if v.seated(t) and self.fidget_px > 0:
                # a new small shift about every minute, the same for every run of the scene
                k = int(t // 60.0)
                dx, dy = np.random.default_rng((self.seed, i, k)).uniform(-self.fidget_px, self.fidget_px, 2)
                foot = (foot[0] + float(dx), foot[1] + float(dy))
            out.append(Placement(v.seat.sprite, foot, v.seat.flip, v.seat.scale))
        return out

    def truth_at(self, t: float) -> dict[str, int]:
        feet = [f for v in self.visitors if (f := v.foot_at(t)) is not None]
        return {z.id: sum(1 for x, y in feet if z.contains(x, y)) for z in self.zones}

    def frames(self, noise_seed: int = 1) -> Iterator[SceneFrame]:
        rng = np.random.default_rng(noise_seed)
        for t in self.times():
            ts = float(t)
            placements = self.placements_at(ts)
            image = self.maker.compose(
                placements, rng, light=self.lighting.at(ts, self.maker.size), background=self.background
            )
            seated = [p for v, p in zip(self._present(ts), placements, strict=True) if v.seated(ts)]
            yield SceneFrame(ts, image, self.truth_at(ts), seated)

    def _present(self, t: float) -> list[Visitor]:
        return [v for v in self.visitors if v.foot_at(t) is not None]


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
