"""Training controls. All of them apply live, without a reset: optimiser and its
parameters, learning rate, schedule, batch size, shuffle, L1/L2, dropout, early stopping."""

from __future__ import annotations

import copy
import dataclasses

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QSpinBox, QWidget

from nnviz.app.controls.base import ControlGroup
from nnviz.app.controls.widgets import ChoiceSlider, LinearSlider, LogSlider, add_row
from nnviz.engine.config import OPTIMIZERS, SCHEDULES

OPTIMIZER_LABELS = {
    "sgd": "SGD (momentum, Nesterov)", "adagrad": "Adagrad", "rmsprop": "RMSprop",
    "adam": "Adam", "newton": "Newton (damped, small nets)",
}
SCHEDULE_LABELS = {
    "constant": "constant", "step": "step decay", "inverse_time": "inverse time",
    "exponential": "exponential", "cosine": "cosine",
}
DEFAULT_EPS = {"sgd": 0.0, "adagrad": 1e-10, "rmsprop": 1e-8, "adam": 1e-8, "newton": 0.0}

#: Which optimiser parameters each optimiser reads.
OPTIMIZER_PARAMS = {
    "sgd": ("momentum", "dampening", "nesterov"),
    "adagrad": ("lr_decay", "initial_accumulator_value", "eps"),
    "rmsprop": ("alpha", "eps", "momentum", "centered"),
    "adam": ("beta1", "beta2", "eps", "amsgrad"),
    "newton": ("damping",),
}
SCHEDULE_PARAMS = {
    "constant": (),
    "step": ("step_size", "gamma"),
    "inverse_time": ("k",),
    "exponential": ("gamma",),
    "cosine": ("t_max", "lr_min"),
}

#: Playground's regularisation rates (plus two smaller ones).
REG_RATES = (0.0, 1e-4, 3e-4, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


class TrainingControls(ControlGroup):
    def __init__(self, parent: QWidget | None = None):
        super().__init__("Training", parent)
        f = self.form
        self.optimizer = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(OPTIMIZER_LABELS.get(name, name), name)
        self.optimizer.activated.connect(self._on_optimizer)
        add_row(f, "Optimizer", self.optimizer,
                tip="switching keeps the weights; the new optimiser starts with fresh state")

        self.lr = LogSlider(1e-5, 10.0, 0.03)
        self.lr.setObjectName("learning-rate")
        self.lr.valueChanged.connect(self._on_lr)
        add_row(f, "Learning rate", self.lr, tip="log scale from 0.00001 to 10; type a value")

        self.p: dict[str, QWidget] = {}
        self.p["momentum"] = LinearSlider(0.0, 0.99, 0.01, 0.0)
        self.p["dampening"] = LinearSlider(0.0, 0.99, 0.01, 0.0)
        self.p["nesterov"] = QCheckBox("Nesterov momentum")
        self.p["lr_decay"] = ChoiceSlider((0.0, 1e-4, 1e-3, 0.01, 0.1), 0.0)
        self.p["initial_accumulator_value"] = LinearSlider(0.0, 1.0, 0.01, 0.0)
        self.p["alpha"] = LinearSlider(0.5, 0.999, 0.001, 0.99)
        self.p["centered"] = QCheckBox("centered")
        self.p["beta1"] = LinearSlider(0.0, 0.999, 0.001, 0.9)
        self.p["beta2"] = LinearSlider(0.9, 0.9999, 0.0001, 0.999)
        self.p["amsgrad"] = QCheckBox("AMSGrad")
        self.p["eps"] = LogSlider(1e-12, 1e-1, 1e-8, steps_per_decade=4)
        self.p["damping"] = LogSlider(1e-8, 1.0, 1e-4, steps_per_decade=4)
        labels = {
            "momentum": "Momentum μ", "dampening": "Dampening τ", "nesterov": "",
            "lr_decay": "LR decay η", "initial_accumulator_value": "Accumulator s₀",
            "alpha": "Alpha α", "centered": "", "beta1": "Beta₁", "beta2": "Beta₂",
            "amsgrad": "", "eps": "Epsilon ε", "damping": "Damping",
        }
        for key, w in self.p.items():
            w.setObjectName(f"opt-{key}")
            if isinstance(w, QCheckBox):
                w.toggled.connect(lambda on, k=key: self._on_opt_param(k, on))
            else:
                w.valueChanged.connect(lambda v, k=key: self._on_opt_param(k, v))
            add_row(f, labels[key], w)

        self.schedule = QComboBox()
        for name in SCHEDULES:
            self.schedule.addItem(SCHEDULE_LABELS.get(name, name), name)
        self.schedule.activated.connect(self._on_schedule_name)
        add_row(f, "LR schedule", self.schedule, tip="a factor of the learning rate per epoch")
        self.s: dict[str, QWidget] = {}
        self.s["step_size"] = QSpinBox()
        self.s["step_size"].setRange(1, 10_000)
        self.s["gamma"] = LinearSlider(0.01, 1.0, 0.01, 0.5)
        self.s["k"] = LogSlider(1e-4, 1.0, 0.01, steps_per_decade=10)
        self.s["t_max"] = QSpinBox()
        self.s["t_max"].setRange(1, 100_000)
        self.s["lr_min"] = ChoiceSlider((0.0, 1e-5, 1e-4, 1e-3, 0.01), 0.0)
        slabels = {"step_size": "every (epochs)", "gamma": "factor γ", "k": "k",
                   "t_max": "period (epochs)", "lr_min": "minimum LR"}
        for key, w in self.s.items():
            w.setObjectName(f"sched-{key}")
            w.valueChanged.connect(lambda v, k=key: self._on_schedule_param(k, v))
            add_row(f, "   " + slabels[key], w)

        batch_row = QWidget()
        lay = QHBoxLayout(batch_row)
        lay.setContentsMargins(0, 0, 0, 0)
        self.batch = LinearSlider(1, 100, 1, 10)
        self.batch.setObjectName("batch-size")
        self.batch.valueChanged.connect(self._on_batch)
        self.full_batch = QCheckBox("full")
        self.full_batch.setToolTip("full-batch gradient descent: one step per epoch")
        self.full_batch.toggled.connect(self._on_full)
        lay.addWidget(self.batch, 1)
        lay.addWidget(self.full_batch)
        add_row(f, "Batch size", batch_row)

        self.shuffle = QCheckBox("reshuffle every epoch")
        self.shuffle.toggled.connect(self._on_shuffle)
        add_row(f, "Order", self.shuffle)

        self.l1 = ChoiceSlider(REG_RATES, 0.0)
        self.l1.valueChanged.connect(lambda v: self._on_reg("l1", v))
        add_row(f, "L1 strength", self.l1, tip="penalty λ·Σ|w| on the weights (not biases)")
        self.l2 = ChoiceSlider(REG_RATES, 0.0)
        self.l2.valueChanged.connect(lambda v: self._on_reg("l2", v))
        add_row(f, "L2 strength", self.l2, tip="penalty ½λ·Σw² on the weights (not biases)")

        self.dropout = LinearSlider(0.0, 0.9, 0.05, 0.0)
        self.dropout.setObjectName("dropout")
        self.dropout.valueChanged.connect(self._on_dropout)
        add_row(f, "Dropout: drop\nprobability p", self.dropout,
                tip="p = probability of DROPPING each hidden unit while training "
                    "(kept units are scaled by 1/(1−p)); p = 0 is no dropout")

        es_row = QWidget()
        lay = QHBoxLayout(es_row)
        lay.setContentsMargins(0, 0, 0, 0)
        self.early = QCheckBox("on")
        self.early.toggled.connect(self._on_early)
        self.patience = QSpinBox()
        self.patience.setRange(1, 9_999)
        self.patience.setSuffix(" epochs")
        self.patience.valueChanged.connect(self._on_early)
        lay.addWidget(self.early)
        lay.addWidget(self.patience, 1)
        add_row(f, "Early stopping", es_row,
                tip="stop when the test loss has not improved for this many epochs, "
                    "and restore the best weights")

    # ------------------------------------------------------------------ display ------
    def _show(self) -> None:
        t = self.scenario.training
        o = t.optimizer
        self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(o.name)))
        self.lr.setValue(o.lr)
        for key, w in self.p.items():
            value = getattr(o, key)
            if key == "eps" and value is None:
                value = DEFAULT_EPS.get(o.name, 1e-8) or 1e-8
            if isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            else:
                w.setValue(value)
            self.form.setRowVisible(w, key in OPTIMIZER_PARAMS[o.name])
        sc = t.schedule
        self.schedule.setCurrentIndex(max(0, self.schedule.findData(sc.name)))
        for key, w in self.s.items():
            w.setValue(getattr(sc, key))
            self.form.setRowVisible(w, key in SCHEDULE_PARAMS[sc.name])
        full = t.batch_size == "full"
        self.full_batch.setChecked(full)
        self.batch.setEnabled(not full)
        if not full:
            self.batch.setValue(int(t.batch_size))
        self.shuffle.setChecked(t.shuffle)
        self.l1.setValue(t.l1)
        self.l2.setValue(t.l2)
        p = t.dropout if not isinstance(t.dropout, list) else (max(t.dropout) if t.dropout else 0)
        self.dropout.setValue(p)
        self.early.setChecked(t.early_stopping.enabled)
        self.patience.setValue(t.early_stopping.patience)
        self.patience.setEnabled(t.early_stopping.enabled)

    # ------------------------------------------------------------------ edits --------
    def _on_optimizer(self, _idx: int) -> None:
        o = self.scenario.training.optimizer
        name = self.optimizer.currentData()
        o.name = name
        if name == "sgd" and o.nesterov and o.momentum <= 0:
            o.nesterov = False
        with self.syncing():
            self._show()
        self._live("optimizer", dataclasses.asdict(o))

    def _on_lr(self, v: float) -> None:
        # keep the scenario in step, or the next rebuild would bring back the old rate
        self.scenario.training.optimizer.lr = float(v)
        self._live("lr", float(v))

    def _on_opt_param(self, key: str, value: object) -> None:
        if self._syncing:
            return
        o = self.scenario.training.optimizer
        value = bool(value) if key in ("nesterov", "centered", "amsgrad") else float(value)
        setattr(o, key, value)
        params = {key: value}
        if key == "momentum" and not value and o.nesterov:
            o.nesterov = False  # Nesterov needs momentum > 0
            params["nesterov"] = False
            with self.syncing():
                self.p["nesterov"].setChecked(False)
        self._live("optimizer_params", params)

    def _on_schedule_name(self, _idx: int) -> None:
        self.scenario.training.schedule.name = self.schedule.currentData()
        with self.syncing():
            self._show()
        self._live("schedule", copy.deepcopy(self.scenario.training.schedule))

    def _on_schedule_param(self, key: str, value: float) -> None:
        if self._syncing:
            return
        sc = self.scenario.training.schedule
        setattr(sc, key, int(value) if key in ("step_size", "t_max") else float(value))
        self._live("schedule", copy.deepcopy(sc))

    def _on_batch(self, v: float) -> None:
        self.scenario.training.batch_size = int(round(v))
        self._live("batch_size", int(round(v)))

    def _on_full(self, on: bool) -> None:
        if self._syncing:
            return
        t = self.scenario.training
        t.batch_size = "full" if on else int(round(self.batch.value()))
        self.batch.setEnabled(not on)
        self._live("batch_size", t.batch_size)

    def _on_shuffle(self, on: bool) -> None:
        if self._syncing:
            return
        self.scenario.training.shuffle = on
        self._live("shuffle", on)

    def _on_reg(self, key: str, v: float) -> None:
        setattr(self.scenario.training, key, v)
        self._live(key, v)

    def _on_dropout(self, v: float) -> None:
        self.scenario.training.dropout = v
        self._live("dropout", v)

    def _on_early(self, *_args) -> None:
        if self._syncing:
            return
        es = self.scenario.training.early_stopping
        es.enabled = self.early.isChecked()
        es.patience = self.patience.value()
        self.patience.setEnabled(es.enabled)
        self._live("early_stopping", copy.deepcopy(es))
