"""``nnviz export``: render panels to image files with no window shown.

Lecturers script their slide figures with it, so it is deterministic: the same scenario
and seed give the same pixels. It trains in this thread (no worker), takes one snapshot
with every extra, feeds it to fresh panels laid out at slide size, waits until panels
with background work (the loss surface) have settled, and writes PNG (and SVG) files
plus the scenario that made them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

DEFAULT_PANELS = ("output", "network", "loss")


def resolve_scenario(name: str):
    """A scenario file path, or a lesson name."""
    from nnviz.lessons import find_lesson
    from nnviz.scenario import load_scenario

    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return load_scenario(path)
    return load_scenario(find_lesson(name))


def export_panels(
    scenario_name: str,
    out_dir: str | Path,
    epochs: int | None = None,
    width: int = 1920,
    panels: list[str] | None = None,
    svg: bool = False,
    transparent: bool = False,
    timeout: float = 30.0,
    theme_name: str = "projector",
) -> list[Path]:
    """Train, render each panel, and write the files; returns the paths written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    import nnviz.app.panels  # noqa: F401  (registers the panels)
    import nnviz.app.views  # noqa: F401
    from nnviz.app import theme
    from nnviz.app.export import SLIDE_SIZE, export_png, export_svg
    from nnviz.app.panel import PANELS
    from nnviz.app.style import apply_slide_fonts
    from nnviz.app.theming import apply_palette
    from nnviz.engine import Trainer
    from nnviz.engine.snapshot import take_snapshot
    from nnviz.scenario import save_scenario

    scenario = resolve_scenario(scenario_name)
    wanted = list(panels or scenario.lesson.panels or DEFAULT_PANELS)
    unknown = [p for p in wanted if p not in PANELS]
    if unknown:
        raise ValueError(f"unknown panel(s) {', '.join(unknown)}; choose from {', '.join(sorted(PANELS))}")
    app = QApplication.instance() or QApplication([])
    apply_slide_fonts(app)
    # Slides are white: black ink and bold plot text read best from the back of a hall.
    apply_palette(app, theme.set_current(theme_name))
    trainer = Trainer(scenario)
    trainer.train(scenario.training.epochs if epochs is None else epochs)
    snapshot = take_snapshot(trainer, with_layers=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for panel_id in wanted:
        panel = PANELS[panel_id]()
        try:
            panel.resize(SLIDE_SIZE)
            panel.show()  # the offscreen platform shows nothing; panels skip work while hidden
            _configure_for_lesson(panel, scenario)
            panel.set_snapshot(snapshot)
            _settle(app, panel, timeout)
            written.append(export_png(panel, out / f"{panel_id}.png", width, transparent))
            if svg:
                written.append(export_svg(panel, out / f"{panel_id}.svg", panel.title))
        finally:
            if hasattr(panel, "shutdown"):
                panel.shutdown()
            panel.deleteLater()
    save_scenario(scenario, out / "scenario.toml")
    written.append(out / "scenario.toml")
    app.processEvents()
    return written


def _configure_for_lesson(panel, scenario) -> None:
    """Apply a lesson's panel settings (surface parameters, race function)."""
    lesson = scenario.lesson
    if lesson.surface and hasattr(panel, "set_parameters") and len(lesson.surface) == 2:
        panel.set_parameters(*lesson.surface)
    if lesson.race and hasattr(panel, "set_function"):
        panel.set_function(lesson.race)


def _settle(app, panel, timeout: float) -> None:
    """Process events until the panel has no background work left (bounded)."""
    deadline = time.monotonic() + timeout
    app.processEvents()
    while not panel.is_settled() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(3):
        app.processEvents()
