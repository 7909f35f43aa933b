"""The training toolbar: play/pause, step, reset, speed, counters, status and metrics,
and the banner that says when training diverged or a setting was refused."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QToolBar,
    QToolButton,
    QWidget,
)

from nnviz.app.worker import SPEEDS, Speed
from nnviz.engine.snapshot import Snapshot

STATUS_TEXT = {
    "ready": "Ready",
    "running": "Training…",
    "paused": "Paused",
    "diverged": "Diverged",
    "stopped_early": "Stopped early",
}


def _pct(v: float) -> str:
    return "–" if not math.isfinite(v) else f"{100 * v:.1f} %"


def _num(v: float) -> str:
    return "–" if not math.isfinite(v) else f"{v:.4f}"


class TrainingToolbar(QToolBar):
    """Play/pause (Space), step batch, step epoch (only while paused), reset (Ctrl+R)."""

    playToggled = Signal(bool)
    stepBatch = Signal()
    stepEpoch = Signal()
    resetRequested = Signal()
    speedChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Training", parent)
        self.setObjectName("toolbar-training")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_action = QAction("Play", self)
        # Standard icons: the ▶/⏸ characters are missing from many fonts (a box instead).
        self._icons = (
            self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay),
            self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause),
        )
        self.play_action.setIcon(self._icons[0])
        self.play_action.setCheckable(True)
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.play_action.setToolTip("Play / pause training (Space)")
        self.play_action.toggled.connect(self._on_play)
        self.step_batch_action = QAction("Step batch", self)
        self.step_batch_action.setShortcut(QKeySequence("B"))
        self.step_batch_action.setToolTip("Train on one mini-batch (B; only while paused)")
        self.step_batch_action.triggered.connect(self.stepBatch)
        self.step_epoch_action = QAction("Step epoch", self)
        self.step_epoch_action.setShortcut(QKeySequence("E"))
        self.step_epoch_action.setToolTip("Train one whole epoch (E; only while paused)")
        self.step_epoch_action.triggered.connect(self.stepEpoch)
        self.reset_action = QAction("↺  Reset", self)
        self.reset_action.setShortcut(QKeySequence("Ctrl+R"))
        self.reset_action.setToolTip("Back to epoch 0 with the same initial weights (Ctrl+R)")
        self.reset_action.triggered.connect(self.resetRequested)
        for a in (self.play_action, self.step_batch_action, self.step_epoch_action,
                  self.reset_action):
            self.addAction(a)
        play_button = self.widgetForAction(self.play_action)
        if isinstance(play_button, QToolButton):
            play_button.setMinimumWidth(110)
            play_button.setObjectName("play-button")
        self.addSeparator()

        self.speed = QComboBox()
        self.speed.setToolTip("Training speed: from one step a second (for explaining) "
                              "to as fast as the computer can")
        for s in SPEEDS:
            self.speed.addItem(s.label, s)
        self.speed.setCurrentIndex(len(SPEEDS) - 1)
        self.speed.currentIndexChanged.connect(
            lambda i: self.speedChanged.emit(self.speed.itemData(i)))
        self.addWidget(QLabel(" Speed "))
        self.addWidget(self.speed)
        self.addSeparator()

        info = QWidget()
        lay = QHBoxLayout(info)
        lay.setContentsMargins(8, 0, 8, 0)
        lay.setSpacing(18)
        # Two short lines each, so that everything stays on the toolbar at 1280 px.
        self.counter = QLabel("<b>Epoch 0</b><br>step 0")
        self.counter.setObjectName("counter")
        self.counter.setTextFormat(Qt.TextFormat.RichText)
        self.counter.setMinimumWidth(110)
        self.counter.setToolTip("epochs (passes over the training data) and steps "
                                "(mini-batch updates) so far")
        self.metrics = QLabel("")
        self.metrics.setObjectName("metrics")
        self.metrics.setTextFormat(Qt.TextFormat.RichText)
        self.metrics.setToolTip("train / test, at the current weights")
        self.status = QLabel("Ready")
        self.status.setObjectName("status")
        self.status.setMinimumWidth(90)
        f = self.status.font()
        f.setBold(True)
        self.status.setFont(f)
        lay.addWidget(self.counter)
        lay.addWidget(self.metrics)
        lay.addStretch(1)
        lay.addWidget(self.status)
        info.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(info)
        self.set_playing(False)

    # ------------------------------------------------------------------ state -------
    def _on_play(self, on: bool) -> None:
        self._show_playing(on)
        self.playToggled.emit(on)

    def _show_playing(self, on: bool) -> None:
        self.play_action.setText("Pause" if on else "Play")
        self.play_action.setIcon(self._icons[1] if on else self._icons[0])
        self.step_batch_action.setEnabled(not on)
        self.step_epoch_action.setEnabled(not on)

    def set_playing(self, on: bool) -> None:
        """Show the play state without emitting ``playToggled``."""
        self.play_action.blockSignals(True)
        self.play_action.setChecked(on)
        self.play_action.blockSignals(False)
        self._show_playing(on)

    def set_status(self, status: str) -> None:
        self.status.setText(STATUS_TEXT.get(status, status))
        self.set_playing(status == "running")

    def current_speed(self) -> Speed:
        return self.speed.currentData()

    def show_snapshot(self, snap: Snapshot) -> None:
        self.counter.setText(f"<b>Epoch {snap.epoch:,}</b><br>step {snap.step:,}")
        s = snap.latest
        if snap.task == "classification":
            second = f"acc {_pct(s.acc_train)} / {_pct(s.acc_test)}"
        else:
            second = f"R² {_num(s.r2_train)} / {_num(s.r2_test)}"
        self.metrics.setText(f"loss {_num(s.loss_train)} / {_num(s.loss_test)}"
                             f"<br>{second} · lr {snap.lr:.3g}")


class Banner(QToolBar):
    """A full-width message under the toolbar: red for divergence, amber for a refused
    setting, blue for information. Hidden when there is nothing to say."""

    STYLES = {
        "error": ("#fde0dd", "#a50f15"),
        "warning": ("#fff3cd", "#7a4d00"),
        "info": ("#deebf7", "#08306b"),
    }

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Messages", parent)
        self.setObjectName("toolbar-banner")
        self.setMovable(False)
        self.setFloatable(False)
        self.label = QLabel("")
        self.label.setObjectName("banner")
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        f = self.label.font()
        f.setPointSizeF(f.pointSizeF() * 1.15)
        f.setBold(True)
        self.label.setFont(f)
        self.addWidget(self.label)
        close = QAction("✕", self)
        close.setToolTip("Hide this message")
        close.triggered.connect(self.clear)
        self.addAction(close)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "warning") -> None:
        bg, fg = self.STYLES.get(kind, self.STYLES["warning"])
        self.kind = kind
        self.label.setText(text)
        self.setStyleSheet(f"QToolBar {{ background: {bg}; border: none; }}"
                           f"QLabel#banner {{ color: {fg}; padding: 6px; }}")
        self.show()

    def clear(self) -> None:
        self.kind = ""
        self.label.setText("")
        self.hide()

    def text(self) -> str:
        return self.label.text()
