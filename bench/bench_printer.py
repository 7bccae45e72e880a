"""Ticket printing figures (issue 3): build time, bytes per ticket, and time on a 9600-baud line.

    python bench/bench_printer.py

Baseline in the same run: python-escpos 3.1 building a comparable ticket through its own API
(`set`/`text`/`qr`), native and raster QR. Our layout adds Chinese mode and GB18030 it lacks.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
import warnings

from escpos.printer import Dummy

from tideq.drivers.printer.escpos_ticket import build_ticket
from tideq.drivers.printer.ticket import sample_ticket

BAUD_BYTES_PER_S = 9600 / 10  # 8N1: start + 8 data + stop bits


def per_call(fn, n: int) -> float:
    """Median seconds per call over 5 rounds of n calls."""
    rounds = []
    for _ in range(9):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        rounds.append((time.perf_counter() - start) / n)
    return statistics.median(rounds)


def escpos_baseline(t, native: bool) -> bytes:
    d = Dummy()
    d.set(align="center", bold=True)
    d.textln(t.hall_zh)
    d.set(align="center", bold=False)
    d.textln(t.hall_en)
    d.set(align="center", double_width=True, double_height=True)
    d.textln(t.service_zh)
    d.set(align="center", custom_size=True, width=8, height=8)
    d.textln(t.number)
    d.set(align="center", normal_textsize=True)
    d.textln(f"{t.ahead} people ahead")
    d.qr(t.verify, native=native, size=8, center=not native)
    d.textln(t.guidance_zh)
    d.cut()
    return d.output


def write_time(data_fn) -> float:
    """Ticket object -> bytes written to a local TCP socket (drained by a thread)."""
    a, b = socket.socketpair()
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            if not b.recv(1 << 16):
                return

    th = threading.Thread(target=drain, daemon=True)
    th.start()
    try:
        return per_call(lambda: a.sendall(data_fn()), 200)
    finally:
        stop.set()
        a.close()
        th.join(2)
        b.close()


def main() -> None:
    warnings.simplefilter("ignore")
    t = sample_ticket()
    rows = []
    for width in (58, 80):
        for native in (True, False):
            data = build_ticket(t, width, qr_native=native)
            build = per_call(lambda w=width, q=native: build_ticket(t, w, qr_native=q), 300 if native else 100)
            wrote = write_time(lambda w=width, q=native: build_ticket(t, w, qr_native=q))
            rows.append((f"tideq {width} mm {'native' if native else 'raster'} QR", build, wrote, len(data)))
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos prints profile warnings
        for native in (True, False):
            data = escpos_baseline(t, native)
            build = per_call(lambda q=native: escpos_baseline(t, q), 50)
            label = f"python-escpos {'native' if native else 'raster'} QR (baseline)"
            rows.append((label, build, float("nan"), len(data)))
    print(f"{'case':44} {'build ms':>9} {'to socket ms':>13} {'bytes':>7} {'9600 baud s':>12}")
    for name, build, wrote, size in rows:
        print(f"{name:44} {build * 1e3:9.3f} {wrote * 1e3:13.3f} {size:7d} {size / BAUD_BYTES_PER_S:12.2f}")
    ours_native = rows[2]  # 80 mm native
    ours_raster = rows[3]
    base_native, base_raster = rows[4], rows[5]
    print()
    print(
        f"80 mm raster/native QR: bytes x{ours_raster[3] / ours_native[3]:.1f}, "
        f"9600-baud time +{(ours_raster[3] - ours_native[3]) / BAUD_BYTES_PER_S:.1f} s"
    )
    print(
        f"build time tideq/python-escpos: native x{ours_native[1] / base_native[1]:.2f}, "
        f"raster x{ours_raster[1] / base_raster[1]:.2f}"
    )


if __name__ == "__main__":
    main()
