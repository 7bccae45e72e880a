"""The demo's camera: a generated video of the waiting area, with a crowd that comes and goes.

Real-photo cut-outs (tideq/demo/data, the same as the camera tests' fixtures) are pasted on the
empty hall with `tideq.drivers.camera.scenes`: a few empty frames for the background model,
then zone A (企业开办, 税务, 政策兑现) fills up to a busy crowd and empties again while zone B keeps
a handful of people; the counter loops the file. `tideq camera --source` counts it like a live
camera, and its `sensor/crowd/{zone}` readings show on the manager console.
"""

from __future__ import annotations

import math
from pathlib import Path

DATA = Path(__file__).parent / "data"
SIZE = (640, 480)
FRAMES = 120  # at the demo camera's 2 updates a second: a one-minute loop
EMPTY = 8  # frames of the empty hall first (the background to learn)
PERSON = {"horizon": 0.0, "person_height": 0.4, "fill": 0.315}  # as the camera tests fit them
VERSION = 1  # bump to regenerate cached videos


def crowd(i: int) -> dict[str, int]:
    """People per zone in frame i: zone A rises to 20 (busy, below crowded) and falls; B stays small."""
    if i < EMPTY:
        return {"zone-a": 0, "zone-b": 0}
    phase = (i - EMPTY) / (FRAMES - EMPTY)
    return {"zone-a": round(3 + 17 * math.sin(math.pi * phase)), "zone-b": 3 + (i // 20) % 3}


def waiting_area_video(folder: Path, seed: int = 13) -> Path:
    """The video under `folder` (made once, then reused: it is the same every run)."""
    import numpy as np

    from tideq.config.schema import Zone
    from tideq.drivers.camera.detector import PersonModel
    from tideq.drivers.camera.scenes import SceneMaker, write_video
    from tideq.drivers.camera.zones import ZoneGeometry

    path = folder / f"waiting-area-v{VERSION}.avi"
    if path.exists() and path.stat().st_size > 0:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    person = PersonModel(PERSON["horizon"], PERSON["person_height"], PERSON["fill"])
    maker = SceneMaker.from_dir(DATA, person, SIZE)
    zones = {
        "zone-a": Zone(id="zone-a", polygon=[(0.0, 0.3), (0.5, 0.3), (0.5, 1.0), (0.0, 1.0)]),
        "zone-b": Zone(id="zone-b", polygon=[(0.5, 0.3), (1.0, 0.3), (1.0, 1.0), (0.5, 1.0)]),
    }
    geo = {zid: ZoneGeometry.from_zone(z, SIZE) for zid, z in zones.items()}
    rng = np.random.default_rng(seed)
    # people stay where they stand while the crowd grows (a waiting crowd sits still), and leave in reverse
    standing = {zid: maker.place(g, 20, rng) for zid, g in geo.items()}
    frames = (maker.compose([p for zid, n in crowd(i).items() for p in standing[zid][:n]], rng) for i in range(FRAMES))
    tmp = path.with_suffix(".tmp.avi")
    write_video(tmp, frames, fps=2)
    tmp.replace(path)
    return path
