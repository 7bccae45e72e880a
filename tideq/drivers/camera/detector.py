"""Per-zone people estimates from one frame: HOG detections fused with background occupancy.

Two estimators, each wrong in its own way:

- **HOG** (`cv2.HOGDescriptor.getDefaultPeopleDetector`, Dalal-Triggs pedestrians): after
  non-maximum suppression, a score threshold and a size check against the perspective model,
  it seldom counts something that is not a person, but it misses people who are partly
  hidden, seated, cut by the frame edge or smaller than its 64x128 window. Its count is a
  *lower bound*.
- **Occupancy**: foreground pixels whose implied foot point is inside the zone, each weighted
  by 1 / (expected silhouette area of a person standing there), so a near person and a far
  one both add about 1. The foreground is, by default (`method="reference"`), the difference
  from a light-normalised reference of the empty hall that adapts only where the hall is
  empty (reference.py), so people sitting still stay counted; or MOG2 background subtraction
  (`method="mog2"`), in which a person motionless for `background_s` fades out. Either sees
  everyone who differs from the empty hall, but merges overlapping people (under-counts
  dense crowds) and counts bags and moved chairs (MOG2 also ignores shadows).

**Fusion**: `fused = max(hog, occupancy)`. HOG being a lower bound, when occupancy is below it
the occupancy is wrong (a person absorbed into the background, a calibration too large);
otherwise occupancy carries the count, since it also sees the people HOG cannot. In halls
where HOG finds nothing (top-down cameras, seated rows), the fused count is the occupancy.

Calibration (`PersonModel`) is the height of a person at two floor rows (perspective) and a
fill factor (silhouette area / height^2), fitted on frames with known counts (`fit_fill`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from tideq.config.schema import CountMethod

from .reference import ReferenceForeground, ReferenceSettings
from .zones import ZoneGeometry


@dataclass(frozen=True)
class PersonModel:
    """How big a person looks, as fractions of the frame height.

    A person whose feet are at row y (fraction 0 top .. 1 bottom) is
    `height_bottom * (y - horizon) / (1 - horizon)` frame-heights tall: a flat floor under a
    pinhole camera, with `horizon` the row where people shrink to nothing.
    """

    horizon: float = 0.1
    height_bottom: float = 0.55
    fill: float = 0.45  # silhouette area / height^2
    min_height_px: float = 8.0

    @classmethod
    def from_two_people(cls, near: tuple[float, float], far: tuple[float, float], fill: float = 0.45) -> PersonModel:
        """Calibrate from two (foot row, height) pairs in frame-height fractions, e.g. two
        staff standing near and far in a still from the camera."""
        (y1, h1), (y2, h2) = near, far
        if math.isclose(h1, h2) or math.isclose(y1, y2):
            raise ValueError("pick two people at clearly different distances from the camera")
        k = (h1 - h2) / (y1 - y2)  # height per row
        horizon = y1 - h1 / k
        return cls(horizon=horizon, height_bottom=k * (1 - horizon), fill=fill)

    def height_px(self, foot_y: float, frame_h: int) -> float:
        frac = self.height_bottom * (foot_y / frame_h - self.horizon) / (1 - self.horizon)
        return max(0.0, frac * frame_h)

    def area_px(self, foot_y: float, frame_h: int) -> float:
        return self.fill * max(self.min_height_px, self.height_px(foot_y, frame_h)) ** 2


@dataclass(frozen=True)
class Detection:
    box: tuple[int, int, int, int]  # x, y, w, h in frame pixels
    score: float

    @property
    def foot(self) -> tuple[float, float]:
        """HOG boxes pad the body: feet sit about 7/8 down the 64x128 window."""
        x, y, w, h = self.box
        return x + w / 2, y + h * 0.875


@dataclass(frozen=True)
class ZoneEstimate:
    hog: int
    occupancy: float
    fused: float


@dataclass
class DetectorSettings:
    hog_width: int = 640  # HOG runs at this width (HOG needs people >= ~100 px tall)
    occ_width: int = 320  # background subtraction runs at this width
    hog_every: int = 1  # run HOG on every n-th frame, reuse its result in between
    hog_scale: float = 1.1  # image pyramid step
    hog_min_score: float = 0.3
    nms_overlap: float = 0.3
    size_tolerance: float = 2.0  # a HOG person may be this many times bigger/smaller than the model
    use_hog: bool = True
    use_occupancy: bool = True
    method: CountMethod = "reference"  # occupancy foreground: difference from the empty hall, or MOG2 motion
    reference: ReferenceSettings = field(default_factory=ReferenceSettings)
    background_s: float = 900.0  # mog2: a motionless person fades into the background in about this time
    warmup_frames: int = 10  # first frames learn the empty hall quickly
    relearn_fraction: float = 0.6  # more of the frame than this in foreground: lights changed, relearn
    background_ratio: float = 0.7  # MOG2 TB; lower keeps still people foreground longer
    overlap_correction: bool = True  # undo the overlap of people in dense zones (see Occupancy._uncover)
    rate_hz: float = 2.0  # updates per second: the time step when frames come without timestamps


class HogPeople:
    def __init__(self, settings: DetectorSettings) -> None:
        self.s = settings
        self.hog = cv2.HOGDescriptor()
        # the stub says Sequence[float]; it is a float32 ndarray already, so asarray is a no-op
        self.hog.setSVMDetector(np.asarray(cv2.HOGDescriptor.getDefaultPeopleDetector(), dtype=np.float32))

    def detect(self, frame: np.ndarray) -> list[Detection]:
        h, w = frame.shape[:2]
        f = self.s.hog_width / w
        img = cv2.resize(frame, (self.s.hog_width, round(h * f)), interpolation=cv2.INTER_AREA) if f != 1 else frame
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
        rects, weights = self.hog.detectMultiScale(gray, winStride=(8, 8), padding=(8, 8), scale=self.s.hog_scale)
        if len(rects) == 0:
            return []
        boxes = [[int(v / f) for v in r] for r in rects]
        scores = [float(s) for s in np.asarray(weights).ravel()]
        keep = cv2.dnn.NMSBoxes(boxes, scores, self.s.hog_min_score, self.s.nms_overlap)
        return [Detection(tuple(boxes[i]), scores[i]) for i in np.asarray(keep).ravel()]  # type: ignore[arg-type]


class Occupancy:
    """Foreground mask (difference from the empty-hall reference, or MOG2) -> per-zone person
    estimate through precomputed weight maps."""

    def __init__(self, settings: DetectorSettings, person: PersonModel) -> None:
        if settings.method not in ("reference", "mog2"):
            raise ValueError(f"unknown occupancy method {settings.method!r}; use 'reference' or 'mog2'")
        self.s = settings
        self.person = person
        self.reference = ReferenceForeground(settings.reference, settings.warmup_frames, settings.relearn_fraction)
        self.mog = cv2.createBackgroundSubtractorMOG2(history=500, varThreshold=16, detectShadows=True)
        self.mog.setBackgroundRatio(settings.background_ratio)
        self.frames = 0
        self.rate_per_s = -math.log(settings.background_ratio) / max(1e-3, settings.background_s)
        self._maps: dict[str, np.ndarray] = {}
        self._capacity: dict[str, float] = {}
        self._size: tuple[int, int] | None = None
        self.last_mask: np.ndarray | None = None  # foreground of the last frame, 0/1 at processing size

    def prepare(self, zones: Sequence[ZoneGeometry], size: tuple[int, int]) -> None:
        """Weight maps at processing size: pixel (x, y) counts for the zone holding the foot
        point of a person whose body centre is at (x, y), with weight 1 / that person's area."""
        w, h = size
        self._size = size
        ys = np.arange(h, dtype=np.float32)
        yh = self.person.horizon * h
        c = self.person.height_bottom / (1 - self.person.horizon)  # height per row below the horizon
        foot = yh + (ys - yh) / max(0.1, 1 - c / 2)  # body centre y = foot - height/2
        weight = np.array([1.0 / self.person.area_px(fy, h) if fy > yh else 0.0 for fy in foot], np.float32)
        rows = np.clip(np.round(foot), 0, h - 1).astype(np.int64)
        for z in zones:
            small = cv2.resize(z.mask, (w, h), interpolation=cv2.INTER_NEAREST)
            body = small[rows, :].astype(np.float32) / 255.0
            below = foot >= h  # feet below the frame edge: keep only zones that reach the edge
            body[below] *= (small[h - 1, :] > 0)[None, :].astype(np.float32)
            self._maps[z.id] = body * weight[:, None]
            self._capacity[z.id] = float(self._maps[z.id].sum())

    def apply(self, frame: np.ndarray, dt: float) -> dict[str, float]:
        """One frame, `dt` seconds after the previous one -> estimated people per zone."""
        assert self._size is not None, "prepare() first"
        img = cv2.resize(frame, self._size, interpolation=cv2.INTER_AREA)
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        fg = self.reference.apply(img, dt) if self.s.method == "reference" else self._mog2(img, dt)
        self.last_mask = fg
        fgf = fg.astype(np.float32)
        out: dict[str, float] = {}
        for zid, m in self._maps.items():
            covered = float(cv2.sumElems(cv2.multiply(fgf, m))[0])
            out[zid] = self._uncover(covered, self._capacity[zid]) if self.s.overlap_correction else covered
        return out

    def _mog2(self, img: np.ndarray, dt: float) -> np.ndarray:
        """MOG2 at a learning rate that makes a motionless person background in `background_s`."""
        lr = 1.0 / (self.frames + 1) if self.frames < self.s.warmup_frames else min(1.0, self.rate_per_s * dt)
        fg = self.mog.apply(img, learningRate=lr)
        self.frames += 1
        fg = cv2.morphologyEx((fg == 255).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        if self.frames > self.s.warmup_frames and fg.mean() > self.s.relearn_fraction:
            self.frames = 0  # the whole scene changed (lights, camera moved): learn it again
        return fg

    @staticmethod
    def _uncover(covered: float, capacity: float) -> float:
        """People at random spots overlap: n of them cover a fraction 1 - exp(-n / capacity)
        of the zone (Poisson coverage), so n = -capacity * ln(1 - covered / capacity).
        Capped at 95 % coverage, beyond which the count is not identifiable."""
        if capacity <= 0:
            return 0.0
        frac = min(covered / capacity, 0.95)
        return -capacity * math.log1p(-frac)


@dataclass
class CrowdDetector:
    """frame -> {zone id: ZoneEstimate}; one instance per camera (it keeps background state)."""

    zones_fractions: Sequence[tuple[str, Sequence[tuple[float, float]]]]
    person: PersonModel = field(default_factory=PersonModel)
    settings: DetectorSettings = field(default_factory=DetectorSettings)

    def __post_init__(self) -> None:
        self.hog = HogPeople(self.settings)
        self.occ = Occupancy(self.settings, self.person)
        self._frame_size: tuple[int, int] | None = None
        self.zones: list[ZoneGeometry] = []
        self._n = 0
        self._last_hog: dict[str, int] = {}
        self._last_ts: float | None = None
        self.last_detections: list[Detection] = []

    def _setup(self, size: tuple[int, int]) -> None:
        self._frame_size = size
        self.zones = [ZoneGeometry.from_fractions(zid, poly, size) for zid, poly in self.zones_fractions]
        w, h = size
        ow = min(w, self.settings.occ_width)
        self.occ.prepare(self.zones, (ow, round(h * ow / w)))

    def process(self, frame: np.ndarray, ts: float | None = None) -> dict[str, ZoneEstimate]:
        """One frame taken at `ts` seconds (any monotonic clock; None: `1 / rate_hz` after the
        last). The time step sets how fast the background or the reference adapts."""
        size = (frame.shape[1], frame.shape[0])
        if size != self._frame_size:
            self._setup(size)
        dt = 1.0 / self.settings.rate_hz
        if ts is not None:
            if self._last_ts is not None:
                dt = min(max(0.0, ts - self._last_ts), 60.0)  # a stalled source does not make one huge step
            self._last_ts = ts
        occ = self.occ.apply(frame, dt) if self.settings.use_occupancy else {}
        if self.settings.use_hog and self._n % max(1, self.settings.hog_every) == 0:
            self.last_detections = [d for d in self.hog.detect(frame) if self._plausible(d, size[1])]
            self._last_hog = {z.id: sum(1 for d in self.last_detections if z.contains(*d.foot)) for z in self.zones}
        self._n += 1
        out: dict[str, ZoneEstimate] = {}
        for z in self.zones:
            h_count = self._last_hog.get(z.id, 0)
            o = occ.get(z.id, 0.0)
            out[z.id] = ZoneEstimate(h_count, o, fuse(h_count, o))
        return out

    def _plausible(self, d: Detection, frame_h: int) -> bool:
        """Body in the box (~3/4 of its height) against the perspective model at its foot row."""
        expected = self.person.height_px(d.foot[1], frame_h)
        if expected <= 0:
            return False
        ratio = 0.75 * d.box[3] / expected
        return 1 / self.settings.size_tolerance <= ratio <= self.settings.size_tolerance


def fuse(hog: int, occupancy: float) -> float:
    """HOG is a lower bound; occupancy carries the count above it (see the module docstring)."""
    return float(max(hog, occupancy))


def fit_fill(person: PersonModel, estimates: Sequence[float], truths: Sequence[int]) -> PersonModel:
    """Rescale `fill` so occupancy matches known counts in least squares (occupancy is
    proportional to 1/fill): run the detector with occupancy only on calibration frames."""
    e = np.asarray(estimates, np.float64)
    t = np.asarray(truths, np.float64)
    if not (e > 0).any():
        raise ValueError("no foreground on the calibration frames; is the background learnt?")
    k = float((e * t).sum() / (e * e).sum())  # best scale of estimates onto truths
    return PersonModel(person.horizon, person.height_bottom, person.fill / k, person.min_height_px)
