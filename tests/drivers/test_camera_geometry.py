"""Zone polygon membership, source URLs and reconnect backoff."""

from __future__ import annotations

import pytest

from tideq.drivers.camera.errors import CameraConfigError
from tideq.drivers.camera.source import Backoff, SourceKind, SourceSpec
from tideq.drivers.camera.zones import ZoneGeometry


def test_foot_point_inside_quad_zone_is_in_and_neighbour_is_out() -> None:
    left = ZoneGeometry.from_fractions("a", [(0.0, 0.3), (0.5, 0.3), (0.5, 1.0), (0.0, 1.0)], (640, 480))
    assert left.contains(100, 400)
    assert not left.contains(500, 400)  # right half
    assert not left.contains(100, 100)  # above the waiting area (a wall, or heads of people further back)
    assert left.contains(320, 144)  # corner: edges count as inside


def test_triangle_zone_membership_follows_the_diagonal() -> None:
    tri = ZoneGeometry.from_fractions("t", [(0, 0), (1, 0), (0, 1)], (100, 100))
    assert tri.contains(20, 20)
    assert not tri.contains(80, 80)
    assert tri.mask[20, 20] == 255 and tri.mask[80, 80] == 0


@pytest.mark.parametrize("corners", [[(0, 0), (1, 0)], [(0, 0), (1.5, 0), (0, 1)], [(-0.1, 0), (1, 0), (0, 1)]])
def test_bad_polygons_are_refused_with_the_fix(corners: list[tuple[float, float]]) -> None:
    with pytest.raises(CameraConfigError, match="zone z"):
        ZoneGeometry.from_fractions("z", corners, (640, 480))


@pytest.mark.parametrize(
    "url,kind,target",
    [
        ("0", SourceKind.DEVICE, 0),
        ("/dev/video2", SourceKind.DEVICE, "/dev/video2"),
        ("v4l2://1", SourceKind.DEVICE, 1),
        ("rtsp://user:pw@10.0.0.5/stream1", SourceKind.STREAM, "rtsp://user:pw@10.0.0.5/stream1"),
        ("file:///tmp/hall.avi", SourceKind.FILE, "/tmp/hall.avi"),
        ("videos/hall.mp4", SourceKind.FILE, "videos/hall.mp4"),
    ],
)
def test_source_urls(url: str, kind: SourceKind, target: object) -> None:
    spec = SourceSpec.parse(url)
    assert (spec.kind, spec.target) == (kind, target)


def test_rtsp_credentials_never_reach_logs_or_health() -> None:
    assert "pw" not in SourceSpec.parse("rtsp://user:pw@10.0.0.5/s").describe()


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    b = Backoff(initial=0.5, factor=2, maximum=3)
    assert [b.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    b.reset()
    assert b.next_delay() == 0.5
