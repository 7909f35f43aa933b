"""The base of the sidebar's control groups.

Each group edits the shared ``Scenario`` in place when the user changes a widget and
then says what must happen: ``liveChanged(key, value)`` for a setting the running
trainer takes as it is, or ``rebuildRequested()`` for one that needs a new network.
``load(scenario)`` shows a scenario without emitting anything.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QWidget

from nnviz.engine.config import Scenario


class ControlGroup(QGroupBox):
    liveChanged = Signal(str, object)
    rebuildRequested = Signal()

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.scenario = Scenario()
        self._syncing = False
        self.form = QFormLayout(self)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setContentsMargins(8, 6, 8, 6)
        self.form.setVerticalSpacing(6)

    @contextlib.contextmanager
    def syncing(self):
        """Within this block, widget changes are not user edits."""
        old, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = old

    def load(self, scenario: Scenario) -> None:
        """Show ``scenario`` (kept by reference and edited in place)."""
        self.scenario = scenario
        with self.syncing():
            self._show()

    def _show(self) -> None:
        raise NotImplementedError

    def _live(self, key: str, value: object) -> None:
        if not self._syncing:
            self.liveChanged.emit(key, value)

    def _rebuild(self) -> None:
        if not self._syncing:
            self.rebuildRequested.emit()
