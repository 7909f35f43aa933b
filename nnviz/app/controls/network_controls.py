"""Network controls: hidden layers and neurons (Playground's −/+), activations,
output and loss, initialisation. Every one of them rebuilds the network."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from nnviz.app.controls.base import ControlGroup
from nnviz.app.controls.widgets import RESET_TIP, LinearSlider, Stepper, add_row
from nnviz.engine.config import ACTIVATIONS, INITIALIZERS

MAX_LAYERS = 8
MAX_NEURONS = 16

#: (label, output, loss) choices; "auto" picks the usual pair for the task.
HEADS: tuple[tuple[str, str, str], ...] = (
    ("auto (by task)", "auto", "auto"),
    ("sigmoid + binary cross-entropy", "sigmoid", "bce"),
    ("softmax + cross-entropy", "softmax", "ce"),
    ("tanh + MSE (Playground)", "tanh", "mse"),
    ("sigmoid + MSE", "sigmoid", "mse"),
    ("linear + MSE", "linear", "mse"),
)

ACTIVATION_LABELS = {
    "linear": "linear", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU",
    "leaky_relu": "leaky ReLU", "softplus": "softplus", "elu": "ELU",
}

INIT_LABELS = {
    "zeros": "zeros", "constant": "constant", "normal": "normal(0, std)",
    "uniform": "uniform(low, high)", "xavier_uniform": "Xavier/Glorot uniform",
    "xavier_normal": "Xavier/Glorot normal", "he_uniform": "He uniform",
    "he_normal": "He normal", "lecun_normal": "LeCun normal",
    "playground": "Playground U(−0.5, 0.5)",
}


def _activation_combo() -> QComboBox:
    combo = QComboBox()
    for name in ACTIVATIONS:
        combo.addItem(ACTIVATION_LABELS.get(name, name), name)
    return combo


class NetworkControls(ControlGroup):
    def __init__(self, parent: QWidget | None = None):
        super().__init__("Network", parent)
        self.layers = Stepper(0, MAX_LAYERS, 2)
        self.layers.setObjectName("hidden-layers")
        self.layers.valueChanged.connect(self._on_layers)
        add_row(self.form, "Hidden layers", self.layers, rebuild=True)

        self.activation = _activation_combo()
        self.activation.activated.connect(self._on_activation)
        add_row(self.form, "Activation", self.activation, rebuild=True,
                tip="the activation of every hidden layer")
        self.per_layer = QCheckBox("choose per layer")
        self.per_layer.toggled.connect(self._on_per_layer)
        self.form.addRow("", self.per_layer)

        self.layer_host = QWidget()
        self.layer_grid = QGridLayout(self.layer_host)
        self.layer_grid.setContentsMargins(0, 0, 0, 0)
        self.layer_grid.setVerticalSpacing(2)
        self.neurons: list[Stepper] = []
        self.layer_acts: list[QComboBox] = []
        self.layer_labels: list[QLabel] = []
        for i in range(MAX_LAYERS):
            label = QLabel(f"Layer {i + 1}")
            label.setToolTip(RESET_TIP)
            st = Stepper(1, MAX_NEURONS, 4, " neurons" if i == 0 else "")
            st.setObjectName(f"neurons-{i}")
            st.setToolTip(f"neurons in hidden layer {i + 1} — {RESET_TIP}")
            st.valueChanged.connect(lambda v, i=i: self._on_neurons(i, v))
            act = _activation_combo()
            act.setToolTip(f"activation of hidden layer {i + 1} — {RESET_TIP}")
            act.activated.connect(lambda _idx, i=i: self._on_layer_activation(i))
            self.layer_grid.addWidget(label, i, 0)
            self.layer_grid.addWidget(st, i, 1)
            self.layer_grid.addWidget(act, i, 2)
            self.layer_labels.append(label)
            self.neurons.append(st)
            self.layer_acts.append(act)
        self.form.addRow(self.layer_host)

        self.head = QComboBox()
        for label, _o, _l in HEADS:
            self.head.addItem(label)
        self.head.activated.connect(self._on_head)
        add_row(self.form, "Output + loss", self.head, rebuild=True)

        self.init = QComboBox()
        for name in INITIALIZERS:
            self.init.addItem(INIT_LABELS.get(name, name), name)
        self.init.activated.connect(self._on_init)
        add_row(self.form, "Initializer", self.init, rebuild=True)
        self.gain = LinearSlider(0.0, 4.0, 0.05, 1.0)
        self.gain.valueChanged.connect(self._on_gain)
        add_row(self.form, "Init gain", self.gain, rebuild=True,
                tip="multiplies the initializer's scale")
        self.bias = LinearSlider(-1.0, 1.0, 0.05, 0.0)
        self.bias.valueChanged.connect(self._on_bias)
        add_row(self.form, "Initial bias", self.bias, rebuild=True)

        seed_row = QWidget()
        lay = QHBoxLayout(seed_row)
        lay.setContentsMargins(0, 0, 0, 0)
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.valueChanged.connect(self._on_seed)
        new = QPushButton("New weights")
        new.setToolTip("draw new initial weights (next weight seed) — " + RESET_TIP)
        new.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1))
        lay.addWidget(self.seed, 1)
        lay.addWidget(new)
        add_row(self.form, "Weight seed", seed_row, rebuild=True,
                tip="the same seed always gives the same initial weights")

    # ------------------------------------------------------------------ display ------
    def _activations(self) -> list[str]:
        m = self.scenario.model
        n = len(m.hidden)
        return [m.activation] * n if isinstance(m.activation, str) else list(m.activation)

    def _show(self) -> None:
        m = self.scenario.model
        n = len(m.hidden)
        acts = self._activations()
        per_layer = not isinstance(m.activation, str)
        self.layers.setValue(n)
        self.per_layer.setChecked(per_layer)
        first = acts[0] if acts else (m.activation if isinstance(m.activation, str) else "tanh")
        self.activation.setCurrentIndex(max(0, self.activation.findData(first)))
        self.activation.setEnabled(not per_layer)
        for i in range(MAX_LAYERS):
            visible = i < n
            for w in (self.layer_labels[i], self.neurons[i], self.layer_acts[i]):
                w.setVisible(visible)
            if visible:
                self.neurons[i].setValue(m.hidden[i])
                self.layer_acts[i].setCurrentIndex(max(0, self.layer_acts[i].findData(acts[i])))
            self.layer_acts[i].setEnabled(per_layer)
        self.layer_host.setVisible(n > 0)
        idx = next((k for k, (_l, o, lo) in enumerate(HEADS) if (o, lo) == (m.output, m.loss)), -1)
        if idx < 0:
            self.head.addItem(f"{m.output} + {m.loss}")
            idx = self.head.count() - 1
        self.head.setCurrentIndex(idx)
        self.init.setCurrentIndex(max(0, self.init.findData(m.init.name)))
        self.gain.setValue(m.init.gain)
        self.bias.setValue(m.init.bias)
        self.seed.setValue(self.scenario.training.seed)

    # ------------------------------------------------------------------ edits --------
    def _set_activations(self, acts: list[str]) -> None:
        m = self.scenario.model
        if self.per_layer.isChecked() and acts:
            m.activation = list(acts)
        else:
            m.activation = acts[0] if acts else self.activation.currentData()

    def _on_layers(self, n: int) -> None:
        m = self.scenario.model
        acts = self._activations()
        old = list(m.hidden)
        if n > len(old):
            fill = old[-1] if old else 4
            m.hidden = old + [fill] * (n - len(old))
            acts = acts + [acts[-1] if acts else self.activation.currentData()] * (n - len(acts))
        else:
            m.hidden = old[:n]
            acts = acts[:n]
        if isinstance(m.activation, list):
            m.activation = acts if n else self.activation.currentData()
        with self.syncing():
            self._show()
        self._rebuild()

    def _on_neurons(self, i: int, v: int) -> None:
        if self._syncing:
            return
        m = self.scenario.model
        if i < len(m.hidden):
            m.hidden[i] = v
            self._rebuild()

    def _on_activation(self, _idx: int) -> None:
        self.scenario.model.activation = self.activation.currentData()
        with self.syncing():
            self._show()
        self._rebuild()

    def _on_per_layer(self, on: bool) -> None:
        if self._syncing:
            return
        m = self.scenario.model
        acts = self._activations()
        if on:
            m.activation = acts if acts else self.activation.currentData()
        else:
            m.activation = self.activation.currentData()
        with self.syncing():
            self._show()
        if not on:
            self._rebuild()

    def _on_layer_activation(self, i: int) -> None:
        acts = self._activations()
        if i < len(acts):
            acts[i] = self.layer_acts[i].currentData()
            self.scenario.model.activation = acts
            self._rebuild()

    def _on_head(self, idx: int) -> None:
        if idx >= len(HEADS):
            return
        _label, output, loss = HEADS[idx]
        self.scenario.model.output, self.scenario.model.loss = output, loss
        self._rebuild()

    def _on_init(self, _idx: int) -> None:
        self.scenario.model.init.name = self.init.currentData()
        self._rebuild()

    def _on_gain(self, v: float) -> None:
        self.scenario.model.init.gain = v
        self._rebuild()

    def _on_bias(self, v: float) -> None:
        self.scenario.model.init.bias = v
        self._rebuild()

    def _on_seed(self, v: int) -> None:
        self.scenario.training.seed = v
        self._rebuild()
