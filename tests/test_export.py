"""Export for slides: PNG at the requested width, vector SVG, and deterministic
headless `nnviz export`."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from nnviz.app.export import ExportError, export_png, export_svg, render_image
from nnviz.cli import main


@pytest.fixture
def loss_panel(qtbot):
    import nnviz.app.views  # noqa: F401
    from nnviz.app.panel import PANELS
    from nnviz.engine import Scenario, Trainer
    from nnviz.engine.snapshot import take_snapshot

    trainer = Trainer(Scenario())
    trainer.train(5)
    panel = PANELS["loss"]()
    qtbot.addWidget(panel)
    panel.resize(800, 450)
    panel.set_snapshot(take_snapshot(trainer))
    return panel


@pytest.mark.parametrize("width", [640, 1920, 3840])
def test_png_has_the_requested_width_and_the_aspect_ratio(loss_panel, tmp_path, width):
    path = export_png(loss_panel, tmp_path / "loss.png", width=width)
    image = QImage(str(path))
    assert image.width() == width
    assert image.height() == round(450 * width / 800)


def test_transparent_png_has_transparent_pixels_and_opaque_ones_do_not(loss_panel):
    clear = render_image(loss_panel, 400, transparent=True)
    solid = render_image(loss_panel, 400, transparent=False)
    corners = [(0, clear.height() // 2), (clear.width() - 1, clear.height() - 1)]
    assert any(clear.pixelColor(x, y).alpha() == 0 for x, y in corners)
    assert all(solid.pixelColor(x, y).alpha() == 255 for x, y in corners)


def test_svg_is_xml_with_paths_and_text(loss_panel, tmp_path):
    root = ET.parse(export_svg(loss_panel, tmp_path / "loss.svg")).getroot()
    assert root.tag.endswith("svg")
    assert any(e.tag.endswith("path") for e in root.iter())
    assert any(e.tag.endswith("text") for e in root.iter())


def test_bad_width_is_refused(loss_panel):
    with pytest.raises(ExportError, match="width"):
        render_image(loss_panel, 3)


def test_headless_export_gives_the_same_pixels_twice(tmp_path, qapp):
    args = ["export", "xor", "--epochs", "20", "--width", "960", "--panels", "output", "loss", "--svg"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    for name in ("output.png", "loss.png"):
        a, b = (tmp_path / d / name for d in "ab")
        assert QImage(str(a)).width() == 960
        assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a" / "scenario.toml").exists()
    assert (tmp_path / "a" / "output.svg").exists()


def test_headless_export_reports_bad_input_in_one_line(tmp_path, capsys, qapp):
    assert main(["export", "no-such-lesson", "--out", str(tmp_path)]) == 1
    assert main(["export", "xor", "--out", str(tmp_path), "--panels", "nope"]) == 1
    err = capsys.readouterr().err
    assert "no lesson called" in err and "unknown panel" in err and "Traceback" not in err
