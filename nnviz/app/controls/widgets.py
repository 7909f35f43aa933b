"""Small reusable control widgets: log and list sliders with a typed value, a
Playground-style −/+ stepper, and the "↺ resets the network" marker."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSlider,
    QToolButton,
    QWidget,
)

RESET_MARK = "↺"
RESET_TIP = "changing this resets the network"


def fmt(value: float) -> str:
    """A short, readable number: 0.03, 1e-05, 3, 0.999."""
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e")
    return f"{value:.4g}"


def field_label(text: str, rebuild: bool = False) -> QWidget:
    """A form label; rebuild controls get a "↺" and the tooltip saying so."""
    text = text.replace("\n", "<br>")  # rich text: a newline needs <br>
    label = QLabel(f"{text} <span style='color:#b35806'>{RESET_MARK}</span>" if rebuild else text)
    label.setTextFormat(Qt.TextFormat.RichText)
    if rebuild:
        label.setToolTip(RESET_TIP)
        label.setProperty("resets", True)
    return label


def add_row(form: QFormLayout, text: str, widget: QWidget, rebuild: bool = False,
            tip: str = "") -> QWidget:
    """Add ``widget`` to ``form`` under ``text``; returns the label."""
    label = field_label(text, rebuild)
    tips = [t for t in (tip, RESET_TIP if rebuild else "") if t]
    if tips:
        widget.setToolTip(" — ".join(tips))
    if rebuild:
        widget.setProperty("resets", True)
    form.addRow(label, widget)
    return label


class _ValueSlider(QWidget):
    """A horizontal slider with an editable value box; subclasses map ticks to values."""

    valueChanged = Signal(float)

    def __init__(self, ticks: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, ticks)
        self.slider.setMinimumWidth(90)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.edit = QLineEdit()
        self.edit.setFixedWidth(72)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.edit)
        self._value = 0.0
        self.slider.valueChanged.connect(self._from_slider)
        self.edit.editingFinished.connect(self._from_edit)

    # mapping, implemented by subclasses
    def _to_tick(self, value: float) -> int:
        raise NotImplementedError

    def _from_tick(self, tick: int) -> float:
        raise NotImplementedError

    def _clamp(self, value: float) -> float:
        return value

    def value(self) -> float:
        return self._value

    def setValue(self, value: float) -> None:
        """Set without emitting ``valueChanged``."""
        self._value = self._clamp(float(value))
        self.slider.blockSignals(True)
        self.slider.setValue(self._to_tick(self._value))
        self.slider.blockSignals(False)
        self.edit.setText(fmt(self._value))

    def _from_slider(self, tick: int) -> None:
        self._value = self._from_tick(tick)
        self.edit.setText(fmt(self._value))
        self.valueChanged.emit(self._value)

    def _from_edit(self) -> None:
        text = self.edit.text().strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            self.edit.setText(fmt(self._value))
            return
        if not math.isfinite(value):
            self.edit.setText(fmt(self._value))
            return
        value = self._clamp(value)
        if value == self._value:
            self.edit.setText(fmt(value))
            return
        self.setValue(value)
        self.valueChanged.emit(self._value)


class LogSlider(_ValueSlider):
    """A value on a log scale from ``low`` to ``high`` (e.g. a learning rate)."""

    def __init__(self, low: float, high: float, value: float, steps_per_decade: int = 20,
                 parent: QWidget | None = None):
        self.lo, self.hi = math.log10(low), math.log10(high)
        self.per = steps_per_decade
        super().__init__(round((self.hi - self.lo) * steps_per_decade), parent)
        self.edit.setValidator(QDoubleValidator(low, high, 10))
        self.setValue(value)

    def _clamp(self, value: float) -> float:
        return min(max(value, 10**self.lo), 10**self.hi)

    def _to_tick(self, value: float) -> int:
        return round((math.log10(value) - self.lo) * self.per)

    def _from_tick(self, tick: int) -> float:
        return float(f"{10 ** (self.lo + tick / self.per):.3g}")


class LinearSlider(_ValueSlider):
    """A value from ``low`` to ``high`` in steps of ``step``."""

    def __init__(self, low: float, high: float, step: float, value: float,
                 parent: QWidget | None = None):
        self.low, self.high, self.step = low, high, step
        super().__init__(round((high - low) / step), parent)
        self.setValue(value)

    def _clamp(self, value: float) -> float:
        return min(max(value, self.low), self.high)

    def _to_tick(self, value: float) -> int:
        return round((value - self.low) / self.step)

    def _from_tick(self, tick: int) -> float:
        return round(self.low + tick * self.step, 10)


class ChoiceSlider(_ValueSlider):
    """A slider over a fixed list of values (Playground's regularisation rates); the box
    accepts any value in range."""

    def __init__(self, values: Sequence[float], value: float, parent: QWidget | None = None):
        self.values = list(values)
        super().__init__(len(self.values) - 1, parent)
        self.setValue(value)

    def _clamp(self, value: float) -> float:
        return min(max(value, self.values[0]), self.values[-1])

    def _to_tick(self, value: float) -> int:
        return min(range(len(self.values)), key=lambda i: abs(self.values[i] - value))

    def _from_tick(self, tick: int) -> float:
        return self.values[tick]


class Stepper(QWidget):
    """Playground's "− 4 +" control for a small whole number."""

    valueChanged = Signal(int)

    def __init__(self, low: int, high: int, value: int, suffix: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.low, self.high, self.suffix = low, high, suffix
        self.minus = QToolButton()
        self.minus.setText("−")
        self.plus = QToolButton()
        self.plus.setText("+")
        for b in (self.minus, self.plus):
            b.setFixedSize(30, 28)
            b.setAutoRepeat(True)
            f = b.font()
            f.setBold(True)
            b.setFont(f)
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setMinimumWidth(28)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.minus)
        lay.addWidget(self.label)
        lay.addWidget(self.plus)
        lay.addStretch(1)
        self.minus.clicked.connect(lambda: self._bump(-1))
        self.plus.clicked.connect(lambda: self._bump(+1))
        self._value = low
        self.setValue(value)

    def value(self) -> int:
        return self._value

    def setValue(self, value: int) -> None:
        self._value = max(self.low, min(self.high, int(value)))
        self.label.setText(f"{self._value}{self.suffix}")
        self.minus.setEnabled(self._value > self.low)
        self.plus.setEnabled(self._value < self.high)

    def _bump(self, d: int) -> None:
        old = self._value
        self.setValue(old + d)
        if self._value != old:
            self.valueChanged.emit(self._value)
