"""GUI figures (issue 3 §6): run `QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py`.

Prints, for the default configuration (circle, [4, 2], tanh, tanh output, lr 0.03,
batch 10) and the spiral with 6 hidden layers of 8:

* time to first paint (window created → first snapshot drawn);
* the GUI event loop's gaps while training at full speed: a 2 ms timer on the GUI
  thread records the time between its ticks; p50 and p99 of (gap − 2 ms);
* epochs per second while the views are live, against headless epochs per second.

``--all-panels`` shows every teaching panel as well (the heaviest case).
Targets: p99 gap ≤ 30 ms, ≥ 50 % of headless throughput, ≥ 300 epochs/s live on the
default configuration and ≥ 100 on the spiral.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_engine import scenario as engine_scenario  # noqa: E402  (same folder)
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402

from nnviz.engine import Scenario, Trainer  # noqa: E402

TIMER_MS = 2
MEASURE_S = 6.0


def scenario(name: str) -> Scenario:
    """The engine benchmark's configurations, at Playground's batch size 10."""
    return engine_scenario(name, 10)


def headless_epochs_per_second(name: str) -> float:
    trainer = Trainer(scenario(name))
    trainer.train(5)
    start = time.perf_counter()
    trainer.train(300)
    return 300 / (time.perf_counter() - start)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(app, name: str, all_panels: bool) -> dict[str, float]:
    import tempfile

    from PySide6.QtCore import QSettings

    from nnviz.app.main_window import MainWindow

    # A fresh settings file: a layout saved by an earlier session (more docks open)
    # would change what is measured.
    settings = QSettings(tempfile.mktemp(suffix=".ini"), QSettings.Format.IniFormat)
    created = time.perf_counter()
    window = MainWindow(scenario(name), settings=settings)
    if all_panels:
        for dock in window.docks.values():
            dock.show()
    window.resize(1920, 1080)
    window.show()
    deadline = time.perf_counter() + 15
    while window.first_paint is None and time.perf_counter() < deadline:
        app.processEvents()
    first_paint = (window.first_paint or time.perf_counter()) - created

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6 - TIMER_MS)
        last[0] = now

    probe = QTimer()
    probe.setInterval(TIMER_MS)
    probe.timeout.connect(tick)
    window.play()
    app.processEvents()
    e0 = window.session.call(lambda t: t.epoch)
    frames0 = window.frames_drawn
    redraws0 = dict(window.redraws)
    probe.start()
    start = time.perf_counter()
    loop = QEventLoop()  # the real event loop, as in the app (not a polling loop)
    QTimer.singleShot(int(MEASURE_S * 1000), loop.quit)
    loop.exec()
    probe.stop()
    elapsed = time.perf_counter() - start
    e1 = window.session.call(lambda t: t.epoch)
    frames = window.frames_drawn - frames0
    redraws = {pid: (n - redraws0.get(pid, 0)) / (time.perf_counter() - start)
               for pid, n in window.redraws.items()}
    window.close()
    window.shutdown()
    app.processEvents()
    gaps = gaps[5:] or [0.0]
    return {
        "first_paint_s": first_paint,
        "gap_p50_ms": max(0.0, statistics.median(gaps)),
        "gap_p99_ms": max(0.0, percentile(gaps, 0.99)),
        "gap_max_ms": max(gaps),
        "epochs_per_s": (e1 - e0) / elapsed,
        "fps": frames / elapsed,
        "redraws": redraws,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all-panels", action="store_true", help="show every teaching panel too")
    args = parser.parse_args()
    from nnviz.app.main import make_app

    app = make_app()
    which = "all panels" if args.all_panels else "default panels"
    print(f"platform {app.platformName()}, window 1920x1080, {which}")
    for name in ("default", "spiral 6x8"):
        headless = headless_epochs_per_second(name)
        r = measure(app, name, args.all_panels)
        print(
            f"{name:11s} first paint {r['first_paint_s']:.2f} s | "
            f"event-loop gap p50 {r['gap_p50_ms']:.1f} ms, "
            f"p99 {r['gap_p99_ms']:.1f} ms, max {r['gap_max_ms']:.0f} ms | live {r['epochs_per_s']:.0f} "
            f"epochs/s at {r['fps']:.0f} fps = {100 * r['epochs_per_s'] / headless:.0f} % of headless "
            f"({headless:.0f} epochs/s)"
        )
        views = ", ".join(f"{pid} {rate:.0f}" for pid, rate in sorted(r["redraws"].items()))
        print(f"{'':11s} redraws per second by view: {views}")
    sys.stdout.flush()
    os._exit(0)  # pyqtgraph can crash PySide6 during interpreter teardown offscreen


if __name__ == "__main__":
    main()
