"""LED strip update latency and voice synthesis time (issue 5).

    python bench/bench_ledstrip_voice.py [--calls 100] [--sentences 30]

LED: a real Mosquitto, the LedStripController, a pty and the simulated strip line; the figure is
event/call published -> the SHOW_TEXT frame decoded at the far end of the pty.
Voice: espeak-ng vs the clip assembler, per sentence, uncached and cached.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tideq.config.schema import SerialBus, Text, Window
from tideq.contract import BusClient, now_iso
from tideq.drivers.audio import ClipSynth, EspeakSynth, Lang, build
from tideq.drivers.audio import clips as democlips
from tideq.drivers.ledstrip import LedStripBus, Mode
from tideq.drivers.ledstrip.sim import SimulatedStripBus
from tideq.signage.controller import LedStripController
from tideq.testing import Mosquitto


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def fmt_ms(xs: list[float]) -> str:
    ms = [x * 1000 for x in xs]
    return f"median {statistics.median(ms):.2f} ms, p95 {pct(ms, 95):.2f} ms, max {max(ms):.2f} ms (n={len(ms)})"


def bench_driver(n: int) -> list[float]:
    with SimulatedStripBus([1, 2, 3]) as sim, LedStripBus(sim.port, [1, 2, 3]) as bus:
        out = []
        for i in range(n):
            t0 = time.perf_counter()
            bus.show(1 + i % 3, f"请A{i:03d}号", Mode.FLASH)
            out.append(time.perf_counter() - t0)
        return out


def bench_led(n: int) -> list[float]:
    windows = [
        Window(id=str(i), name=Text(zh=f"{i}号窗口", en=f"Window {i}"), services=["a"], led_address=i)
        for i in (1, 2, 3)
    ]
    lat: list[float] = []
    with Mosquitto() as broker, SimulatedStripBus([1, 2, 3]) as sim:
        cfg = SerialBus(id="led-1", url=sim.port, kind="led")
        ctl_client = BusClient(broker.url, "bench", "display-led").connect()
        pub = BusClient(broker.url, "bench", "controller").connect()
        ctl = LedStripController(ctl_client, cfg, windows, flash_s=60).start()
        try:  # a retained state proves the subscriptions are in place before calls (not retained) flow
            pub.publish(
                pub.topics.state("windows"),
                {
                    "v": 1,
                    "ts": now_iso(),
                    "windows": [
                        {
                            "id": "1",
                            "name": {"zh": "1号窗口", "en": "Window 1"},
                            "status": "idle",
                            "ticket": None,
                            "services": ["a"],
                            "tidal": False,
                        }
                    ],
                },
                retain=True,
            )
            assert sim.wait_text(1, "1号窗口", timeout=3)
            for i in range(n):
                addr, ticket = 1 + i % 3, f"A{i:03d}"
                frames = len(sim.raw_frames)
                t0 = time.perf_counter()
                pub.publish(
                    pub.topics.event("call"),
                    {
                        "v": 1,
                        "ts": now_iso(),
                        "ticket": ticket,
                        "window": str(addr),
                        "service": "a",
                        "recall": False,
                        "announce": {"zh": "", "en": ""},
                    },
                )
                assert sim.wait_text(addr, f"请{ticket}号", Mode.FLASH, timeout=3)
                lat.append(sim.frame_times[frames] - t0)
        finally:
            ctl.stop()
            ctl_client.close()
            pub.close()
    return lat


def bench_voice(n: int) -> dict[str, list[float]]:
    sentences = [build(f"{'ABCD'[i % 4]}{i:03d}", str(1 + i % 22)) for i in range(n)]
    res: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        democlips.generate(root / "clips", letters="ABCD")
        espeak = EspeakSynth(root / "espeak")
        clips = ClipSynth(root / "clips", root / "clip-cache")
        for name, synth in (("espeak", espeak), ("clips", clips)):
            for lang in Lang:
                for phase in ("uncached", "cached"):
                    key = f"{name} {lang.value} {phase}"
                    res[key] = []
                    for s in sentences:
                        t0 = time.perf_counter()
                        synth.render(s, lang)
                        res[key].append(time.perf_counter() - t0)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--sentences", type=int, default=30)
    args = ap.parse_args()
    print(f"driver show() round trip over pty (send + ACK): {fmt_ms(bench_driver(args.calls))}")
    print(f"LED update latency, event/call published -> frame on the wire: {fmt_ms(bench_led(args.calls))}")
    for key, xs in bench_voice(args.sentences).items():
        print(f"synth {key:22s}: {fmt_ms(xs)}")


if __name__ == "__main__":
    main()
