"""Rebuild the camera test fixtures from real photographs shipped by scikit-image.

Run once by hand (needs scikit-image): `python tests/drivers/data/make_fixtures.py`.
Tests and bench/bench_camera.py read only the outputs, so they do not need scikit-image.

- person_cameraman.png, person_astronaut.png: people cut out of skimage.data.camera()
  (CC0, photographer Lav Varshney) and skimage.data.astronaut() (NASA, public domain) with
  GrabCut; BGRA, alpha = person mask, cropped and scaled to 200 px high.
- hall_background.jpg: 640x480 "hall": skimage's brick texture as the wall and its gravel
  texture warped in perspective as the floor (no real room photograph ships in a package).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).parent
HEIGHT = 200


def _largest(mask: np.ndarray) -> np.ndarray:
    _, lab, st, _ = cv2.connectedComponentsWithStats(mask)
    k = 1 + int(np.argmax(st[1:, cv2.CC_STAT_AREA]))
    out = np.where(lab == k, 255, 0).astype(np.uint8)
    flood = out.copy()
    cv2.floodFill(flood, np.zeros((out.shape[0] + 2, out.shape[1] + 2), np.uint8), (0, 0), 255)
    return out | cv2.bitwise_not(flood)  # fill holes inside the silhouette


def _grabcut(img: np.ndarray, mask: np.ndarray) -> np.ndarray:
    bg, fg = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(img, mask, None, bg, fg, 10, cv2.GC_INIT_WITH_MASK)
    return _largest(np.where((mask == 1) | (mask == 3), 255, 0).astype(np.uint8))


def cameraman() -> tuple[np.ndarray, np.ndarray]:
    from skimage import data

    img = cv2.cvtColor(data.camera(), cv2.COLOR_GRAY2BGR)
    mask = np.full(img.shape[:2], cv2.GC_BGD, np.uint8)
    mask[55:512, 0:345] = cv2.GC_PR_BGD
    mask[250:500, 20:120] = cv2.GC_FGD  # the coat
    return img, _grabcut(img, mask)


def astronaut() -> tuple[np.ndarray, np.ndarray]:
    from skimage import data

    img = data.astronaut()[:, :, ::-1].copy()
    mask = np.full(img.shape[:2], cv2.GC_BGD, np.uint8)
    mask[5:512, 15:370] = cv2.GC_PR_BGD
    cv2.ellipse(mask, (225, 105), (60, 80), 0, 0, 360, cv2.GC_PR_FGD, -1)
    cv2.ellipse(mask, (225, 110), (40, 55), 0, 0, 360, cv2.GC_FGD, -1)
    mask[200:500, 60:300] = cv2.GC_PR_FGD
    mask[260:480, 100:260] = cv2.GC_FGD
    cv2.ellipse(mask, (210, 225), (85, 55), 0, 0, 360, cv2.GC_FGD, -1)  # the neck ring
    cv2.circle(mask, (395, 455), 120, cv2.GC_BGD, -1)  # the helmet on the table
    return img, _grabcut(img, mask)


def sprite(img: np.ndarray, mask: np.ndarray) -> np.ndarray:
    x, y, w, h = cv2.boundingRect(mask)
    bgra = np.dstack([img[y : y + h, x : x + w], mask[y : y + h, x : x + w]])
    scale = HEIGHT / h
    return cv2.resize(bgra, (max(1, round(w * scale)), HEIGHT), interpolation=cv2.INTER_AREA)


def background() -> np.ndarray:
    from skimage import data

    h, w = 480, 640
    wall = cv2.resize(data.brick(), (w, 160))
    gravel = cv2.resize(data.gravel(), (w, w))
    src = np.float32([[0, 0], [w, 0], [w, w], [0, w]])
    dst = np.float32([[-w * 0.6, 160], [w * 1.6, 160], [w, h], [0, h]])
    floor = cv2.warpPerspective(gravel, cv2.getPerspectiveTransform(src, dst), (w, h))
    gray = floor.copy()
    gray[:160] = wall
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR).astype(np.float32)
    bgr *= np.float32([0.85, 0.95, 1.05])  # a warm indoor tint
    return np.clip(bgr * 0.7 + 40, 0, 255).astype(np.uint8)


def main() -> None:
    for name, (img, mask) in {"cameraman": cameraman(), "astronaut": astronaut()}.items():
        cv2.imwrite(str(HERE / f"person_{name}.png"), sprite(img, mask), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    cv2.imwrite(str(HERE / "hall_background.jpg"), background(), [cv2.IMWRITE_JPEG_QUALITY, 80])


if __name__ == "__main__":
    main()
