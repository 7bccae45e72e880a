"""`method` of a camera in the hall file: which occupancy the counter runs, and a clear error
for a value that is neither."""

from __future__ import annotations

from pathlib import Path

import pytest

from tideq.config.errors import ConfigError
from tideq.config.loader import load
from tideq.config.schema import Level
from tideq.drivers.camera.counter import CameraCounter
from tideq.drivers.camera.detector import DetectorSettings
from tideq.drivers.camera.scenes import WaitingScene
from tideq.drivers.camera.source import FrameSource
from tideq.drivers.camera.zones import ZoneGeometry

from ..drivers.test_camera_support import PERSON, SIZE, ZONES, maker
from .test_camera_cli import HALL_TOML


class Readings:
    def __init__(self) -> None:
        self.counts: list[dict[str, int]] = [{}]

    def crowd(self, zone: str, count: int, level: Level) -> None:
        self.counts[-1][zone] = count

    def health(self, state: object, fps: float, reason: str | None = None) -> None:
        return None


def hall_file(tmp_path: Path, method: str | None) -> Path:
    text = HALL_TOML.format(hall="hall-m")
    if method is not None:
        text = text.replace('url = "hall.avi"\n', f'url = "hall.avi"\nmethod = "{method}"\n')
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reference_is_the_default_and_mog2_is_selectable(tmp_path: Path) -> None:
    assert load(hall_file(tmp_path, None)).hall.devices.cameras[0].method == "reference"
    assert load(hall_file(tmp_path, "mog2")).hall.devices.cameras[0].method == "mog2"


def test_a_wrong_method_names_the_line_and_the_choices(tmp_path: Path) -> None:
    path = hall_file(tmp_path, "mog")
    with pytest.raises(ConfigError) as err:
        load(path)
    (problem,) = err.value.problems
    line = path.read_text(encoding="utf-8").splitlines().index('method = "mog"') + 1
    assert problem.line == line
    assert problem.path.endswith("method")
    assert "'reference'" in problem.fix and "'mog2'" in problem.fix


@pytest.mark.parametrize("method", ["reference", "mog2"])
def test_the_counter_counts_with_the_method_of_the_hall_file(tmp_path: Path, method: str) -> None:
    """Through `CameraCounter.process` with the counter's timestamps: six people seated for 27
    minutes are still counted with "reference" and have faded out with "mog2"."""
    cam = load(hall_file(tmp_path, method)).hall.devices.cameras[0]
    out = Readings()
    settings = DetectorSettings(use_hog=False)  # HOG sees no one here (docs/camera.md); its cost is tested apart
    source = FrameSource(str(tmp_path / "unused.avi"))
    counter = CameraCounter(cam, source, out, rate_hz=0.1, person=PERSON, settings=settings)
    assert counter.detector.settings.method == method and settings.method == "reference"  # the caller's is left alone
    geo = [ZoneGeometry.from_zone(z, SIZE) for z in ZONES]
    sc = WaitingScene(maker(), geo, {"zone-a": 6}, seed=8, duration_s=32 * 60, step_s=15.0, arrive_over_s=120.0)
    truth = {}
    for f in sc.frames():
        counter.process(f.image, 1000.0 + f.ts)
        out.counts.append({})
        truth = f.truth
    final = out.counts[-2]["zone-a"]
    assert truth["zone-a"] == 6
    if method == "reference":
        assert final >= 5, final
    else:
        assert final <= 1, final
