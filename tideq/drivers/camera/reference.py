"""Foreground as the difference from a reference image of the empty hall, lighting normalised.

Background subtraction by motion (MOG2) learns whatever stays still: a seated visitor fades
into the background in about `background_s`. A waiting crowd is mostly motionless, so this
model never learns from a pixel that differs from the empty hall:

1. **Learn**: the reference is the per-pixel median of the first `warmup_frames` frames (start
   the counter before opening, when the hall is empty; the median ignores someone crossing).
2. **Normalise light**: each frame is compared with `gain * reference`, where `gain` is a smooth
   map fitted on pixels judged empty: a robust global ratio first (median of frame/reference),
   then a ratio per cell of `cell_px` pixels (normalised convolution, so a cell covered by
   people borrows its neighbours' gain), bilinearly upsampled. Lights dimming, daylight drift
   and a brighter side of the hall change the gain, not the foreground.
3. **Foreground**: the frame divided by the gain (a ratio image: the hall brought back to the
   reference's light, so a person's contrast does not shrink when lights dim) is compared with
   the reference; a pixel whose largest channel difference exceeds `threshold` grey levels
   (plus `threshold_rel` of the reference value) is foreground, then opened 3x3.
4. **Adapt** only where the hall is empty: pixels that are background *and* at least
   `guard_px` away from any foreground move toward the (light-normalised) frame with time
   constant `adapt_s`. Foreground never adapts, so a person seated for hours stays foreground;
   slow changes of the empty floor (a sun patch creeping in, dirt) are followed.
5. **Relearn** when, for `changed_frames` frames in a row, more than `relearn_fraction` of the
   frame is foreground after light normalisation, or the fine texture of the pixels judged
   empty no longer correlates with the reference's (`min_structure`): the camera moved or
   the scene was rebuilt, and the old reference is useless. Light changes keep the texture.

Works at the occupancy width (320 px): about 4 ms per update on one core.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class ReferenceSettings:
    threshold: float = 24.0  # grey levels of difference from the expected value that make foreground
    threshold_rel: float = 0.08  # plus this fraction of the reference value (bright pixels are noisier)
    cell_px: int = 16  # gain cells at processing size
    adapt_s: float = 600.0  # time constant of the reference on empty pixels; 0 = never adapt
    guard_px: int = 4  # empty pixels this close to foreground do not adapt (a person's fuzzy edge)
    normalise_light: bool = True  # fit the gain map (off only to show what it is for)
    min_structure: float = 0.4  # texture correlation with the reference below which the view changed
    changed_frames: int = 3  # consecutive changed-looking frames before the reference is learnt again


class ReferenceForeground:
    """frame (processing size, BGR uint8) + seconds since the last frame -> foreground mask 0/1."""

    def __init__(self, settings: ReferenceSettings, warmup_frames: int, relearn_fraction: float) -> None:
        self.s = settings
        self.warmup_frames = max(1, warmup_frames)
        self.relearn_fraction = relearn_fraction
        self._learning: list[np.ndarray] = []
        self.reference: np.ndarray | None = None  # float32 HxWx3, the empty hall
        self._ref_gray: np.ndarray | None = None
        self._prev_fg: np.ndarray | None = None
        self.gain: np.ndarray | None = None  # the last gain map, HxW
        self.relearned = 0  # how many times the scene changed and the reference was learnt again
        self._changed = 0  # consecutive frames that looked like another scene
        self.structure = 1.0  # the last frame's texture correlation with the reference on empty pixels
        k = 2 * settings.guard_px + 1
        self._guard = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        self._open = np.ones((3, 3), np.uint8)

    @property
    def learning(self) -> bool:
        return self.reference is None

    def relearn(self) -> None:
        """Forget the reference and learn the hall again from the next frames (it must be empty)."""
        self._learning = []
        self.reference = None
        self._ref_gray = None
        self._prev_fg = None
        self._changed = 0

    def apply(self, img: np.ndarray, dt: float) -> np.ndarray:
        if self.reference is None:
            self._learning.append(img)
            if len(self._learning) >= self.warmup_frames:
                self.reference = np.median(np.stack(self._learning), axis=0).astype(np.float32)
                self._ref_gray = _gray(self.reference)
                self._learning = []
            return np.zeros(img.shape[:2], np.uint8)
        frame = img.astype(np.float32)
        gain = self._gain(frame) if self.s.normalise_light else np.ones(img.shape[:2], np.float32)
        # the frame brought back to the reference's light: a person's contrast does not shrink
        # when the lights dim, so one threshold holds all day
        normalised = frame / np.maximum(gain, 1e-3)[:, :, None]
        diff = _channel_max(cv2.absdiff(normalised, self.reference))
        assert self._ref_gray is not None
        limit = self.s.threshold + self.s.threshold_rel * self._ref_gray
        fg = cv2.morphologyEx((diff > limit).astype(np.uint8), cv2.MORPH_OPEN, self._open)
        changed = fg.mean() > self.relearn_fraction or self._structure(normalised, fg) < self.s.min_structure
        self._changed = self._changed + 1 if changed else 0
        if self._changed >= self.s.changed_frames:
            self.relearned += 1
            self.relearn()
            self._learning.append(img)
            return np.zeros(img.shape[:2], np.uint8)
        self.gain = gain
        self._prev_fg = fg
        self._adapt(normalised, fg, dt)
        return fg

    def _structure(self, normalised: np.ndarray, fg: np.ndarray) -> float:
        """Correlation of fine texture (image minus its blur) between frame and reference on the
        pixels judged empty: ~1 for the same view under any light, ~0 once the camera moved.
        1.0 when the reference has too little texture to tell (a plain floor)."""
        assert self.reference is not None and self._ref_gray is not None
        a = _gray(normalised)
        a = (a - cv2.blur(a, (7, 7)))[::2, ::2]
        b = (self._ref_gray - cv2.blur(self._ref_gray, (7, 7)))[::2, ::2]
        empty = fg[::2, ::2] == 0
        if empty.sum() < 500 or float(b[empty].std()) < 3.0:
            self.structure = 1.0
        else:
            self.structure = float(np.corrcoef(a[empty], b[empty])[0, 1])
        return self.structure

    def _gain(self, frame: np.ndarray) -> np.ndarray:
        """Smooth map with frame ~ gain * reference on the pixels judged empty."""
        assert self._ref_gray is not None
        fg_gray = _gray(frame)
        ref = np.maximum(self._ref_gray, 1.0)
        empty = np.ones(frame.shape[:2], np.float32)
        if self._prev_fg is not None:  # people seen in the last frame are not floor
            empty[cv2.dilate(self._prev_fg, self._guard) > 0] = 0.0
        sample = (fg_gray / ref)[::4, ::4][empty[::4, ::4] > 0]
        g0 = float(np.median(sample)) if sample.size > 100 else float(np.median(fg_gray / ref))
        coarse = np.abs(fg_gray - g0 * ref) > 2 * (self.s.threshold + self.s.threshold_rel * g0 * ref)
        empty[coarse] = 0.0  # obviously not floor at the global gain: a new arrival
        h, w = frame.shape[:2]
        cells = (max(1, w // self.s.cell_px), max(1, h // self.s.cell_px))
        num = cv2.resize(fg_gray * empty, cells, interpolation=cv2.INTER_AREA)
        den = cv2.resize(ref * empty, cells, interpolation=cv2.INTER_AREA)
        support = cv2.resize(empty, cells, interpolation=cv2.INTER_AREA)
        cell_gain = np.full(num.shape, g0, np.float32)  # no floor to measure anywhere near: global gain
        # normalised convolution, wide then narrow: a cell covered by people borrows the gain of
        # the floor around it (the nearest floor that can be seen), not the hall's average
        for sigma, min_support in ((4.0, 0.02), (0.8, 0.1)):
            k = 2 * math.ceil(2 * sigma) + 1
            n, d, sup = (
                cv2.GaussianBlur(a, (k, k), sigma, borderType=cv2.BORDER_REPLICATE) for a in (num, den, support)
            )
            ok = (sup > min_support) & (d > 1e-3)
            cell_gain[ok] = n[ok] / d[ok]
        return cv2.resize(cell_gain, (w, h), interpolation=cv2.INTER_LINEAR)

    def _adapt(self, normalised: np.ndarray, fg: np.ndarray, dt: float) -> None:
        """Move the reference toward the light-normalised frame where the hall is empty."""
        if self.s.adapt_s <= 0 or dt <= 0:
            return
        assert self.reference is not None
        alpha = 1.0 - math.exp(-dt / self.s.adapt_s)
        empty = (cv2.dilate(fg, self._guard) == 0).astype(np.uint8)
        cv2.accumulateWeighted(normalised, self.reference, alpha, mask=empty)
        self._ref_gray = _gray(self.reference)


_MEAN = np.full((1, 3), 1 / 3, np.float32)


def _gray(img: np.ndarray) -> np.ndarray:
    """Mean of the channels (float32): the same weight for every channel, like the difference.
    (cv2, not numpy's mean over axis 2, which is 10x slower on interleaved channels.)"""
    return cv2.transform(np.asarray(img, np.float32), _MEAN)


def _channel_max(img: np.ndarray) -> np.ndarray:
    """Largest of the channels per pixel."""
    h, w = img.shape[:2]
    return cv2.reduce(img.reshape(h * w, img.shape[2]), 1, cv2.REDUCE_MAX).reshape(h, w)
