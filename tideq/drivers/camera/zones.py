"""Zone polygons (fractions of the frame in config) turned into pixel geometry.

A person belongs to a zone when the *foot point* (bottom centre of the body) is inside the
zone polygon: zones are drawn on the floor of the waiting area, and a standing person's head
is often above a neighbouring zone in a perspective view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from tideq.config.schema import Zone

from .errors import CameraConfigError


@dataclass(frozen=True)
class ZoneGeometry:
    """One zone at one frame size: its polygon in pixels and a filled mask."""

    id: str
    polygon: np.ndarray  # (N, 2) float32 pixel coordinates
    size: tuple[int, int]  # (width, height)
    mask: np.ndarray = field(repr=False)  # uint8 0/255, shape (height, width)

    @classmethod
    def from_fractions(
        cls, zone_id: str, corners: Sequence[tuple[float, float]], size: tuple[int, int]
    ) -> ZoneGeometry:
        pts = np.asarray(corners, dtype=np.float32)
        if pts.ndim != 2 or pts.shape[0] < 3 or pts.shape[1] != 2:
            raise CameraConfigError(f"zone {zone_id}: polygon needs at least 3 [x, y] corners")
        if (pts < 0).any() or (pts > 1).any():
            raise CameraConfigError(f"zone {zone_id}: corners are fractions of the frame; write values 0..1")
        w, h = size
        px = pts * np.array([w, h], dtype=np.float32)
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [np.round(px).astype(np.int32)], 255)
        return cls(zone_id, px, size, mask)

    @classmethod
    def from_zone(cls, zone: Zone, size: tuple[int, int]) -> ZoneGeometry:
        return cls.from_fractions(zone.id, zone.polygon, size)

    def contains(self, x: float, y: float) -> bool:
        """Point-in-polygon on the exact polygon (edges count as inside)."""
        return cv2.pointPolygonTest(self.polygon.reshape(-1, 1, 2), (float(x), float(y)), False) >= 0
