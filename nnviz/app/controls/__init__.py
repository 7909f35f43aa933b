"""The control sidebar (data, features, network, training) and the training toolbar.

``ControlsPanel`` shows one ``Scenario`` and edits it in place. It emits
``liveChanged(key, value)`` for settings the running trainer takes without a reset and
``rebuildRequested()`` for those that need a new network (marked "↺" in the UI).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from nnviz.app.controls.base import ControlGroup
from nnviz.app.controls.data_controls import DataControls, FeatureControls, input_dim
from nnviz.app.controls.network_controls import NetworkControls
from nnviz.app.controls.toolbar import Banner, TrainingToolbar
from nnviz.app.controls.training_controls import TrainingControls
from nnviz.app.controls.widgets import RESET_MARK, RESET_TIP
from nnviz.engine.config import Scenario

__all__ = [
    "Banner", "ControlGroup", "ControlsPanel", "DataControls", "FeatureControls",
    "NetworkControls", "TrainingControls", "TrainingToolbar",
]


class ControlsPanel(QScrollArea):
    liveChanged = Signal(str, object)
    rebuildRequested = Signal()
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        host = QWidget()
        host.setObjectName("controls")
        lay = QVBoxLayout(host)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(8)
        legend = QLabel(f"<span style='color:#b35806'>{RESET_MARK}</span> = {RESET_TIP}")
        legend.setTextFormat(Qt.TextFormat.RichText)
        legend.setToolTip("All other settings apply live, while training runs.")
        lay.addWidget(legend)
        self.data = DataControls()
        self.features = FeatureControls()
        self.network = NetworkControls()
        self.training = TrainingControls()
        self.groups: list[ControlGroup] = [self.data, self.features, self.network, self.training]
        for g in self.groups:
            lay.addWidget(g)
            g.liveChanged.connect(self.liveChanged)
            g.rebuildRequested.connect(self._on_rebuild)
        self.data.csvError.connect(self.message)
        lay.addStretch(1)
        # Long choices ("sigmoid + binary cross-entropy") must not widen the sidebar:
        # combos show what fits and the full text in their list.
        for combo in host.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.setWidget(host)
        self.refit()
        self.scenario = Scenario()

    def refit(self, limit: int | None = None) -> int:
        """Make the sidebar as wide as its widgets need at the current font (at most
        ``limit`` px), so larger text never clips the controls; returns the width."""
        bar = self.verticalScrollBar().sizeHint().width()
        width = max(340, self.widget().minimumSizeHint().width() + bar + 4)
        if limit is not None:
            width = min(width, max(340, int(limit)))
        self.setMinimumWidth(width)
        return width

    def load(self, scenario: Scenario) -> None:
        """Show ``scenario``; the groups edit this very object from now on."""
        self.scenario = scenario
        self.features._dim = input_dim(scenario.data)
        for g in self.groups:
            g.load(scenario)

    def show_live_value(self, key: str, value: object) -> None:
        """A panel changed a live setting (the dropout panel's slider): show it here too,
        without sending it to the worker a second time."""
        training = self.scenario.training
        if hasattr(training, key):
            setattr(training, key, value)
            blockers = [QSignalBlocker(w) for w in self.training.findChildren(QWidget)]
            try:
                self.training.load(self.scenario)
            finally:
                del blockers

    def set_input_dim(self, dim: int) -> None:
        """The data actually built has ``dim`` inputs (for CSV files)."""
        if dim != self.features._dim:
            self.features.set_input_dim(dim)

    def _on_rebuild(self) -> None:
        # the data group may have changed the features (1-D data) and vice versa
        for g in (self.features, self.network):
            g.load(self.scenario)
        self.rebuildRequested.emit()
