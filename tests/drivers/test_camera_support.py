"""Shared helpers of the camera tests (no tests here): scenes from the real-photo cut-outs in data/."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tideq.config.schema import Camera, Zone
from tideq.drivers.camera.detector import PersonModel
from tideq.drivers.camera.scenes import SceneMaker, write_video
from tideq.drivers.camera.zones import ZoneGeometry

DATA = Path(__file__).parent / "data"
SIZE = (640, 480)
PERSON = PersonModel(horizon=0.0, height_bottom=0.4, fill=0.315)  # fill as fitted by bench/bench_camera.py
ZONES = [
    Zone(id="zone-a", polygon=[(0.0, 0.3), (0.5, 0.3), (0.5, 1.0), (0.0, 1.0)], busy=8, crowded=16),
    Zone(id="zone-b", polygon=[(0.5, 0.3), (1.0, 0.3), (1.0, 1.0), (0.5, 1.0)], busy=8, crowded=16),
]


def maker() -> SceneMaker:
    return SceneMaker.from_dir(DATA, PERSON, SIZE)


def camera(url: str) -> Camera:
    return Camera(id="cam-t", url=url, zones=ZONES)


def people_video(path: Path, counts: dict[str, int], *, empty: int = 12, busy: int = 12, seed: int = 0) -> Path:
    """`empty` frames of the empty hall (the background to learn), then `busy` frames with
    `counts` people per zone standing still."""
    m = maker()
    rng = np.random.default_rng(seed)
    geo = {z.id: ZoneGeometry.from_zone(z, SIZE) for z in ZONES}
    placements = [p for zid, n in counts.items() for p in m.place(geo[zid], n, rng)]
    frames = [m.compose([], rng) for _ in range(empty)] + [m.compose(placements, rng) for _ in range(busy)]
    return write_video(path, frames, fps=10)
