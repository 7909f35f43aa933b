"""Frame cost of the teaching panels: run `python benchmarks/bench_panels.py`.

The main window feeds every visible panel one snapshot per frame, at most 30 times a
second, so all open panels together must draw a frame in well under 33 ms. For each
panel this script times, per frame and on the GUI thread (offscreen platform):

* ``set_snapshot`` alone, with a new snapshot every frame (parameters and path move as
  in training);
* ``set_snapshot`` plus the event processing right after it (the scene's repaint and
  any surface the service delivered meanwhile), i.e. what the frame really costs.

The loss-surface panel is timed on the spiral 6×[8] network with a 2 000-point path
(the trajectory recorder's capacity) and on 1-D linear regression; the optimiser race
on the canyon (a timer tick: a few steps of seven racers plus the redraw, with paths of
a few thousand points). For the surface service it prints the latency from ``submit``
to the first (11×11) frame and to the full 51×51 surface, with ``workers=1``.

Figures are medians over ``FRAMES`` frames (the best of ``REPEATS`` for latencies): the
machine is shared. ``PANEL_BENCHES`` lists (name, factory, snapshots) entries; other
panels add theirs there, and ``main`` adds up a frame with all of them open.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from nnviz.app.main import make_app  # noqa: E402
from nnviz.engine.config import Scenario  # noqa: E402
from nnviz.engine.snapshot import Snapshot, take_snapshot  # noqa: E402
from nnviz.engine.trainer import Trainer  # noqa: E402

FRAMES = 60
REPEATS = 3
SIZE = (1280, 720)


def training_snapshots(dataset: str, hidden: list[int], frames: int = FRAMES, path_points: int = 2000,
                       data: dict | None = None) -> list[Snapshot]:
    """``frames`` snapshots of one run, each two steps further, with a long recorded path."""
    sc = Scenario()
    sc.data.dataset = dataset
    sc.model.hidden = hidden
    for k, v in (data or {}).items():
        setattr(sc.data, k, v)
    sc.training.trajectory_capacity = path_points
    t = Trainer(sc)
    while len(t.trajectory) < path_points - 2 * frames:  # fill the recorder (it thins itself when full)
        t.step_batch()
    snaps = []
    for _ in range(frames):
        t.step_batch()
        t.step_batch()
        snaps.append(take_snapshot(t))
    return snaps


def time_frames(widget, snaps: list[Snapshot], app, paint: bool) -> float:
    """Median milliseconds per frame of ``set_snapshot``, or (``paint``) of ``set_snapshot``
    plus the event processing that follows it: the scene's repaint and whatever the
    surface service delivered (its refinements are drawn on the GUI thread too)."""
    times = []
    for snap in snaps:
        t0 = time.perf_counter()
        widget.set_snapshot(snap)
        if paint:
            app.processEvents()
        times.append(time.perf_counter() - t0)
        if not paint:
            app.processEvents()
        time.sleep(1 / 60)  # frames come at most 30–60 times a second; let the service run
    return 1000.0 * statistics.median(times)


# ------------------------------------------------------------------ the panels' entries --
def surface_factory():
    from nnviz.app.panels.surface_panel import SurfacePanel

    return SurfacePanel()


def race_factory():
    from nnviz.app.panels.race_panel import RacePanel

    p = RacePanel()
    p.set_function("canyon")
    p.step(3000)  # long paths: thousands of points per racer
    return p


class _RaceTick:
    """Adapter: a race panel "frame" is one timer tick (steps + redraw)."""

    def __init__(self, panel):
        self.panel = panel

    def set_snapshot(self, snap) -> None:
        self.panel._tick()



#: (name, factory, snapshot source) for every panel benchmarked; the lead extends this.
PANEL_BENCHES: list[tuple[str, Callable[[], object], Callable[[], list[Snapshot]]]] = [
    ("surface (spiral 6x[8], 2000-point path)", surface_factory,
     lambda: training_snapshots("spiral", [8] * 6, data={"n": 500})),
    ("surface (1-D linear regression)", surface_factory,
     lambda: training_snapshots("line", [], path_points=500)),
    ("race (canyon, 7 racers, 3000-step paths)", race_factory, lambda: [None] * FRAMES),
]


def bench_panel(app, name: str, factory, source) -> tuple[float, float]:
    snaps = source()
    widget = factory()
    widget.resize(*SIZE)
    widget.show()
    app.processEvents()
    target = _RaceTick(widget) if widget.__class__.__name__ == "RacePanel" else widget
    if snaps and snaps[0] is not None:
        target.set_snapshot(snaps[0])  # first frame: model set-up, not a steady-state frame
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline and getattr(widget, "_shown", True) is None:
            app.processEvents()
            time.sleep(0.005)
    bare = time_frames(target, snaps, app, paint=False)
    painted = time_frames(target, snaps, app, paint=True)
    if hasattr(widget, "shutdown"):
        widget.shutdown()
    widget.close()
    return bare, painted


# ------------------------------------------------------------------ surface service ----
def bench_service(app, name: str, snap: Snapshot) -> tuple[float, float]:
    """Best-of latency (ms) from submit to the first frame and to the full 51×51 surface."""
    from nnviz.app.panels.surface_service import SurfaceRequest, SurfaceService
    from nnviz.engine.heads import make_head
    from nnviz.engine.snapshot import network_from_snapshot

    service = SurfaceService(workers=1)
    events: list[tuple[int, float, bool]] = []
    service.surfaceReady.connect(lambda rid, surf, final: events.append((rid, time.perf_counter(), final)))
    head = make_head(snap.output, snap.loss, snap.task, snap.n_classes)
    T = head.targets(snap.dataset.y_train)
    firsts, fulls = [], []
    try:
        for _ in range(REPEATS):
            events.clear()
            req = SurfaceRequest(net=network_from_snapshot(snap), X=snap.dataset.X_train, T=T,
                                 theta=snap.theta.copy(), kind="pca", trajectory=snap.trajectory,
                                 steps=snap.trajectory_steps)
            t0 = time.perf_counter()
            rid = service.submit(req)
            while not any(e[0] == rid and e[2] for e in events):
                app.processEvents()
                time.sleep(0.0005)
                if time.perf_counter() - t0 > 30:
                    raise TimeoutError(name)
            mine = [e for e in events if e[0] == rid]
            firsts.append(mine[0][1] - t0)
            fulls.append(mine[-1][1] - t0)
    finally:
        service.shutdown()
    return 1000 * min(firsts), 1000 * min(fulls)


def main() -> int:
    from nnviz.app.worker import SWITCH_INTERVAL

    sys.setswitchinterval(SWITCH_INTERVAL)  # as the app does while training (worker.py)
    app = make_app([])
    print(f"{'panel':48s} {'set_snapshot':>13s} {'+ paint':>10s}   (median ms per frame, "
          f"{SIZE[0]}x{SIZE[1]}, offscreen)")
    total = 0.0
    for name, factory, source in PANEL_BENCHES:
        bare, painted = bench_panel(app, name, factory, source)
        print(f"{name:48s} {bare:13.2f} {painted:10.2f}")
        total += painted
    print(f"{'all of the above in one frame':48s} {'':13s} {total:10.2f}   (budget at 30 fps: 33.3)")
    print()
    head = "surface service (PCA slice, workers=1)"
    print(f"{head:48s} {'first 11x11':>13s} {'full 51x51':>10s}   (best of {REPEATS}, ms)")
    for name, ds, hidden, extra in (
        ("spiral 6x[8], 250 training points", "spiral", [8] * 6, {"n": 500}),
        ("circle [4,2] (default)", "circle", [4, 2], {}),
        ("1-D linear regression", "line", [], {}),
    ):
        snap = training_snapshots(ds, hidden, frames=1, path_points=500, data=extra)[0]
        first, full = bench_service(app, name, snap)
        print(f"{name:48s} {first:13.1f} {full:10.1f}")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # Skip interpreter teardown: pyqtgraph's exit clean-up of many closed offscreen plot
    # widgets can crash PySide6 6.12 ("shared QObject was deleted directly") after all
    # figures are printed; a benchmark has nothing left to save at this point.
    os._exit(code)
