"""Camera crowd counts (issues 7 and 13): accuracy per level, on long seated waits, and cost.

    python bench/bench_camera.py [--scenes 48] [--hold 8] [--seconds 3] [--step 5]

Scenes: people cut out of scikit-image's photographs (tests/drivers/data) pasted at random
floor positions in two zones of a 640x480 hall, with known counts. Each scene is held for
`hold` noisy frames (people do not teleport), after an empty-hall warm-up, so the background
model and the smoother work as in a live run. The person-area `fill` is fitted on a separate
calibration set, never on the scenes scored.

Prints mean absolute error per ground-truth level for HOG only, occupancy without and with
the overlap correction, and the fused count (raw per frame and smoothed as published), then
updates/s and CPU (process CPU time / wall time) for several settings, all in this one run.

Seated (issue 13): `WaitingScene`s of 45 simulated minutes, one frame every `--step` seconds
with its timestamp: 14 people walk in and sit by minute 8.5, 3 leave at minute 40 and 2
arrive at 42; once with daylight drift only, once also with the sun moving onto the left of
the hall and a bank of lights over the right half switched off at minute 25. Both occupancy
methods (`reference`, `mog2`) with `fill` fitted per method on a separate seated scene; MAE
per phase and the count as a fraction of the truth once people have sat 30 minutes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tideq.config.schema import Camera, Level, Zone
from tideq.drivers.camera.counter import CameraCounter, ZoneTracker
from tideq.drivers.camera.detector import CrowdDetector, DetectorSettings, PersonModel, fit_fill
from tideq.drivers.camera.scenes import Lighting, SceneMaker, WaitingScene, write_video
from tideq.drivers.camera.smoothing import level_of
from tideq.drivers.camera.source import FrameSource
from tideq.drivers.camera.zones import ZoneGeometry

DATA = Path(__file__).resolve().parents[1] / "tests" / "drivers" / "data"
SIZE = (640, 480)
SCENE_PERSON = PersonModel(horizon=0.0, height_bottom=0.4)
ZONES = [
    Zone(id="zone-a", polygon=[(0.0, 0.3), (0.5, 0.3), (0.5, 1.0), (0.0, 1.0)], busy=8, crowded=16),
    Zone(id="zone-b", polygon=[(0.5, 0.3), (1.0, 0.3), (1.0, 1.0), (0.5, 1.0)], busy=8, crowded=16),
]
MAX_PER_ZONE = 24
WARMUP = 15


class NullPublisher:
    def crowd(self, zone: str, count: int, level: Level) -> None:
        pass

    def health(self, state: object, fps: float, reason: str | None = None) -> None:
        return None


def geometries() -> list[ZoneGeometry]:
    return [ZoneGeometry.from_zone(z, SIZE) for z in ZONES]


def scenes(maker: SceneMaker, n: int, seed: int) -> list[tuple[np.ndarray, dict[str, int]]]:
    """n scenes as (placements, true count per zone); frames are composed with fresh noise."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        truth = {z.id: int(rng.integers(0, MAX_PER_ZONE + 1)) for z in ZONES}
        placements = [p for g in geometries() for p in maker.place(g, truth[g.id], rng)]
        out.append((placements, truth))
    return out


def run_detector(
    maker: SceneMaker, person: PersonModel, settings: DetectorSettings, scene_list, hold: int, seed: int
) -> list[tuple[dict[str, int], dict, dict[str, int]]]:
    """Per scene: truth, raw estimates on its last frame, smoothed count after `hold` frames
    (the smoother goes on from the previous scene, as in a live run where a queue changes)."""
    rng = np.random.default_rng(seed)
    det = CrowdDetector([(z.id, z.polygon) for z in ZONES], person, settings)
    for _ in range(WARMUP):
        det.process(maker.compose([], rng))
    trackers = {z.id: ZoneTracker(z.id, z.busy, z.crowded) for z in ZONES}
    results = []
    for placements, truth in scene_list:
        for _ in range(hold):
            est = det.process(maker.compose(placements, rng))
            readings = {zid: trackers[zid].update(e) for zid, e in est.items()}
        results.append((truth, est, {zid: r.count for zid, r in readings.items()}))
    return results


def mae_by_level(rows: list[tuple[int, float]]) -> dict[str, tuple[float, int]]:
    acc: dict[str, list[float]] = defaultdict(list)
    z = ZONES[0]
    for truth, est in rows:
        acc[level_of(truth, z.busy, z.crowded).value].append(abs(est - truth))
    return {
        lv.value: (float(np.mean(acc[lv.value])) if acc[lv.value] else float("nan"), len(acc[lv.value])) for lv in Level
    }


def accuracy(maker: SceneMaker, n: int, hold: int) -> PersonModel:
    calib = scenes(maker, 20, seed=100)
    occ_only = DetectorSettings(use_hog=False)  # the reference method, the default
    res = run_detector(maker, SCENE_PERSON, occ_only, calib, hold, seed=101)
    est = [e[zid].occupancy for t, e, _ in res for zid in t]
    tru = [t[zid] for t, e, _ in res for zid in t]
    person = fit_fill(SCENE_PERSON, est, tru)
    print(f"calibration: fill fitted {SCENE_PERSON.fill:.3f} -> {person.fill:.3f} on {len(tru)} zone samples")

    test = scenes(maker, n, seed=7)
    fused = run_detector(maker, person, DetectorSettings(), test, hold, seed=8)
    plain = run_detector(maker, person, DetectorSettings(use_hog=False, overlap_correction=False), test, hold, seed=8)
    mog2 = run_detector(maker, person, DetectorSettings(use_hog=False, method="mog2"), test, hold, seed=8)
    methods = {
        "HOG only": [(t[z], e[z].hog) for t, e, _ in fused for z in t],
        "occupancy mog2 + overlap corr.": [(t[z], e[z].occupancy) for t, e, _ in mog2 for z in t],
        "occupancy, no overlap corr.": [(t[z], e[z].occupancy) for t, e, _ in plain for z in t],
        "occupancy + overlap corr.": [(t[z], e[z].occupancy) for t, e, _ in fused for z in t],
        "fused max(HOG, occ.) raw": [(t[z], e[z].fused) for t, e, _ in fused for z in t],
        "fused, smoothed (published)": [(t[z], s[z]) for t, _, s in fused for z in t],
    }
    hog_frames = sum(1 for t, e, _ in fused for z in t if e[z].hog > 0)
    print(
        f"\nMAE (people) per ground-truth level, {len(test)} scenes x {len(ZONES)} zones, "
        f"busy>={ZONES[0].busy}, crowded>={ZONES[0].crowded}, 0..{MAX_PER_ZONE} people per zone"
    )
    print("| method | low | busy | crowded | level accuracy |\n|---|---|---|---|---|")
    for name, rows in methods.items():
        m = mae_by_level(rows)
        z = ZONES[0]
        acc = np.mean([level_of(t, z.busy, z.crowded) == level_of(round(e), z.busy, z.crowded) for t, e in rows])
        cells = " | ".join(f"{m[lv.value][0]:.2f} (n={m[lv.value][1]})" for lv in Level)
        print(f"| {name} | {cells} | {acc:.0%} |")
    print(f"HOG found anyone in {hog_frames} of {len(fused) * len(ZONES)} zone samples")
    return person


def speed(maker: SceneMaker, person: PersonModel, seconds: float) -> None:
    rng = np.random.default_rng(3)
    g = geometries()
    frames = [maker.compose([p for z in g for p in maker.place(z, 12, rng)], rng) for _ in range(10)]
    cv2.setNumThreads(1)
    configs = {
        "HOG@640 + reference@320 (default)": DetectorSettings(),
        "HOG@640 + mog2@320": DetectorSettings(method="mog2"),
        "HOG@320 + reference@320": DetectorSettings(hog_width=320),
        "HOG@640 every 4th + reference@320": DetectorSettings(hog_every=4),
        "reference only @320": DetectorSettings(use_hog=False),
        "mog2 only @320 (baseline)": DetectorSettings(use_hog=False, method="mog2"),
        "reference only @640": DetectorSettings(use_hog=False, occ_width=640),
        "HOG only @640": DetectorSettings(use_occupancy=False),
    }
    print(f"\nUnthrottled cost per update at 640x480, one thread (cv2.setNumThreads(1)), {seconds:.0f} s each")
    print("| settings | updates/s | ms/update | CPU (cpu/wall) |\n|---|---|---|---|")
    for name, s in configs.items():
        det = CrowdDetector([(z.id, z.polygon) for z in ZONES], person, s)
        for k in range(WARMUP):  # learn the empty hall first, as in a live run
            det.process(maker.compose([], rng), ts=k * 0.5)
        n, w0, c0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - w0 < seconds:
            det.process(frames[n % len(frames)], ts=WARMUP * 0.5 + n * 0.5)
            n += 1
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        print(f"| {name} | {n / wall:.1f} | {1000 * wall / n:.1f} | {cpu / wall:.2f} |")

    with tempfile.TemporaryDirectory() as tmp:
        video = write_video(Path(tmp) / "hall.avi", frames, fps=10)
        cam = Camera(id="bench", url=str(video), zones=ZONES)
        stop = threading.Event()
        counter = CameraCounter(cam, FrameSource(str(video)), NullPublisher(), rate_hz=2.0, person=person, stop=stop)
        timer = threading.Timer(seconds * 2, stop.set)
        w0, c0 = time.perf_counter(), time.process_time()
        timer.start()
        counter.run()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        print(
            f"\nCameraCounter at --rate 2 on a 640x480 file for {wall:.1f} s: "
            f"{counter.updates / wall:.2f} updates/s, CPU {cpu / wall:.2f} of one core"
        )


SEATED = {"zone-a": 9, "zone-b": 5}
SEATED_BY_S = 120 + 360 + 30  # empty before opening, arrivals, the last walk to a seat


def waiting(maker: SceneMaker, seed: int, step: float, lighting: Lighting | None = None, **kw) -> WaitingScene:
    return WaitingScene(maker, geometries(), kw.pop("seated", SEATED), seed=seed, step_s=step, lighting=lighting, **kw)


def seated_run(sc: WaitingScene, dets: dict[str, CrowdDetector]) -> list[tuple[float, dict[str, int], dict]]:
    rows = []
    for f in sc.frames():
        rows.append((f.ts, f.truth, {m: d.process(f.image, f.ts) for m, d in dets.items()}))
    return rows


def seated(maker: SceneMaker, step: float) -> None:
    methods = ("reference", "mog2")

    def dets(persons: dict[str, PersonModel]) -> dict[str, CrowdDetector]:
        return {
            m: CrowdDetector(
                [(z.id, z.polygon) for z in ZONES],
                persons[m],
                DetectorSettings(use_hog=False, method=m, rate_hz=1 / step),
            )
            for m in methods
        }

    calib = seated_run(
        waiting(maker, 100, step, seated={"zone-a": 7, "zone-b": 10}, duration_s=11 * 60),
        dets(dict.fromkeys(methods, SCENE_PERSON)),
    )
    persons = {}
    for m in methods:
        rows = [(e[m][z].occupancy, t[z]) for ts, t, e in calib if ts >= SEATED_BY_S + 60 for z in t]
        persons[m] = fit_fill(SCENE_PERSON, [e for e, _ in rows], [t for _, t in rows])
    print(
        f"\nSeated waits: 45 simulated min, a frame every {step:.0f} s; fill fitted per method on a separate "
        "seated scene: " + ", ".join(f"{m} {persons[m].fill:.4f}" for m in methods)
    )
    print(
        "| scene | method | MAE arriving (2-8.5 min) | MAE seated 1-10 min | MAE seated 10-30 min | "
        "MAE seated 30+ min | count/truth seated 30+ min | relearnt |\n|---|---|---|---|---|---|---|---|"
    )
    lights = {
        "daylight drift": Lighting(),
        "drift + sun on the left + right lights off at 25 min": Lighting(window_side=0.35, switch_s=25 * 60.0),
    }
    phases = {
        "arriving": (120, SEATED_BY_S),
        "1-10": (SEATED_BY_S + 60, SEATED_BY_S + 600),
        "10-30": (SEATED_BY_S + 600, SEATED_BY_S + 1800),
        "30+": (SEATED_BY_S + 1800, 1e9),
    }
    for name, light in lights.items():
        sc = waiting(maker, 3, step, light, duration_s=45 * 60, leavers=3, leave_s=40 * 60.0, late=2, late_s=42 * 60.0)
        ds = dets(persons)
        rows = seated_run(sc, ds)
        for m in methods:
            cells = []
            for lo, hi in phases.values():
                err = [abs(e[m][z].fused - t[z]) for ts, t, e in rows if lo <= ts < hi for z in t]
                cells.append(f"{np.mean(err):.2f}")
            late = [(e[m][z].fused, t[z]) for ts, t, e in rows if ts >= phases["30+"][0] for z in t]
            ratio = sum(e for e, _ in late) / sum(t for _, t in late)
            relearnt = ds[m].occ.reference.relearned if m == "reference" else "-"
            print(f"| {name} | {m} | {' | '.join(cells)} | {ratio:.2f} | {relearnt} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int, default=48)
    ap.add_argument("--hold", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--step", type=float, default=5.0, help="simulated seconds between frames of the seated scenes")
    ap.add_argument("--only", choices=["accuracy", "seated", "speed"], help="run one part only")
    args = ap.parse_args()
    print(f"cv2 {cv2.__version__}, {os.cpu_count()} CPUs")
    cv2.setNumThreads(1)
    maker = SceneMaker.from_dir(DATA, SCENE_PERSON, SIZE)
    person = PersonModel(SCENE_PERSON.horizon, SCENE_PERSON.height_bottom, fill=0.315)  # as fitted in a full run
    if args.only in (None, "accuracy"):
        person = accuracy(maker, args.scenes, args.hold)
    if args.only in (None, "seated"):
        seated(maker, args.step)
    if args.only in (None, "speed"):
        speed(maker, person, args.seconds)


if __name__ == "__main__":
    main()
