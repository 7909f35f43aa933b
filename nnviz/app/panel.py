"""The base class of every dockable view, and the registry the main window reads.

Adding a panel is: subclass ``Panel``, set ``panel_id`` and ``title``, implement
``set_snapshot``, and decorate the class with ``@register_panel``. The main window makes
a dock for every registered panel, feeds it snapshots at the capped frame rate, and
saves its place in the layout.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from nnviz.engine.snapshot import Snapshot

PANELS: dict[str, type[Panel]] = {}


class Panel(QWidget):
    """A view fed by training snapshots. It must never call slow engine code.

    To change the training state a panel emits ``command(name, value)``; the main
    window forwards it to the worker thread. Names: "set_params" (a flat theta),
    "set_param" ((index, value)), "set_live" ((key, value), e.g. ("dropout", 0.3)),
    "pause", "play", "reset".
    """

    command = Signal(str, object)

    #: Set by the main window: True while the panel's dock is visible, so hidden panels
    #: can skip work.
    needs_layers: bool = False  # ask the worker for Snapshot.layer_outputs etc.

    panel_id: str = ""
    title: str = ""
    default_area: str = "right"  # left | right | top | bottom
    default_visible: bool = True

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Redraw from ``snapshot``. Called on the GUI thread at most ~30 times a second."""
        raise NotImplementedError

    def is_settled(self) -> bool:
        """False while the panel still waits for background work (a surface being
        refined). Headless export waits for every panel to settle before rendering."""
        return True

    def export_items(self) -> list:
        """pyqtgraph items or widgets to export as images (default: the whole panel)."""
        return [self]


def register_panel(cls: type[Panel]) -> type[Panel]:
    """Class decorator: make ``cls`` available to the main window."""
    if not cls.panel_id:
        raise ValueError(f"{cls.__name__} needs a panel_id")
    PANELS[cls.panel_id] = cls
    return cls
