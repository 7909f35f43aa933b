"""Output heads: the output activation paired with its loss.

The pairing matters for exactness and stability. Binary cross-entropy is computed
from the logits (softplus(z) - y·z) and cross-entropy with a log-sum-exp, so neither
takes the log of a rounded probability. Every loss is a mean over examples; squared
error is ½‖ŷ - y‖² per example, as in the lectures' worked backprop example.

Each head also knows how to turn dataset labels into training targets (0/1 for a
sigmoid, ±1 for tanh as in TF Playground, one-hot for softmax) and how to read a class
back from an output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine.activations import Activation, get_activation, log_sum_exp, softmax, softplus

Array = np.ndarray

_VALID_PAIRS = {
    ("sigmoid", "bce"),
    ("softmax", "ce"),
    ("sigmoid", "mse"),
    ("tanh", "mse"),
    ("linear", "mse"),
}


class HeadError(ValueError):
    """An output/loss pair that makes no sense for the data."""


@dataclass(frozen=True)
class Head:
    """Output activation + loss for a task with ``n_out`` output units."""

    output: str
    loss: str
    task: str  # classification | regression
    n_classes: int
    n_out: int

    # -- targets and predictions ----------------------------------------------------------
    def targets(self, y: Array) -> Array:
        """Dataset labels → float64 targets of shape (n, n_out)."""
        y = np.asarray(y)
        if self.task == "regression":
            return np.ascontiguousarray(y, dtype=np.float64).reshape(len(y), self.n_out)
        labels = y.astype(np.int64)
        if self.output == "softmax":
            t = np.zeros((len(labels), self.n_out))
            t[np.arange(len(labels)), labels] = 1.0
            return t
        positive = (labels == 1).astype(np.float64)[:, None]
        if self.output == "sigmoid":
            return positive
        return 2.0 * positive - 1.0  # tanh / linear: Playground's ±1 labels

    def predict_class(self, a: Array) -> Array:
        """Network outputs (n, n_out) → class indices (n,)."""
        if self.output == "softmax":
            return np.argmax(a, axis=-1)
        threshold = 0.5 if self.output == "sigmoid" else 0.0
        return (a[..., 0] > threshold).astype(np.int64)

    @property
    def activation(self) -> Activation:
        return get_activation("linear" if self.output == "softmax" else self.output)

    # -- fast path (real arrays, preallocated, column layout: (n_out, examples)) ---------
    def activate(self, z: Array, out: Array) -> Array:
        """Output activation ŷ = g(z) into ``out``; z is (n_out, examples)."""
        if self.output == "softmax":
            out[...] = softmax(z.T).T
            return out
        return self.activation.forward(z, out=out)

    def delta(self, z: Array, a: Array, t: Array, out: Array, scratch: Array) -> Array:
        """∂L/∂z of the mean loss over the examples (columns), into ``out``."""
        n = z.shape[1]
        np.subtract(a, t, out=out)  # sigmoid+BCE, softmax+CE and linear+MSE: (ŷ - y)
        if self.loss == "mse" and self.output != "linear":
            self.activation.derivative(z, a, out=scratch)
            out *= scratch
        out *= 1.0 / n
        return out

    def loss_value(self, z: Array, a: Array, t: Array) -> float:
        """Mean loss over the rows (examples × units), from logits where that is stable."""
        return float(np.mean(self.per_example_loss(z, a, t)))

    def per_example_loss(self, z: Array, a: Array, t: Array) -> Array:
        if self.loss == "bce":
            return np.sum(softplus(z) - t * z, axis=-1)
        if self.loss == "ce":
            return log_sum_exp(z) - np.sum(t * z, axis=-1)
        diff = a - t
        return 0.5 * np.sum(diff * diff, axis=-1)

    # -- generic path (batched and/or complex; allocates) --------------------------------
    def forward_generic(self, z: Array) -> Array:
        if self.output == "softmax":
            return softmax(z)
        return self.activation.forward(z)

    def loss_and_delta_generic(self, z: Array, t: Array) -> tuple[Array, Array]:
        """Mean loss over the row axis (-2) and ∂L/∂z, for z of shape (..., n, n_out)."""
        a = self.forward_generic(z)
        n = z.shape[-2]
        loss = np.mean(self.per_example_loss(z, a, t), axis=-1)
        delta = a - t
        if self.loss == "mse" and self.output != "linear":
            delta = delta * self.activation.derivative(z, a)
        return loss, delta / n


def make_head(output: str, loss: str, task: str, n_classes: int) -> Head:
    """Resolve "auto" choices and check that the output/loss pair fits the task.

    auto: binary classification → sigmoid + BCE (the lectures' logistic regression),
    k classes → softmax + cross-entropy, regression → linear + MSE.
    """
    if output == "auto" and loss == "auto":
        if task == "regression":
            output, loss = "linear", "mse"
        elif n_classes > 2:
            output, loss = "softmax", "ce"
        else:
            output, loss = "sigmoid", "bce"
    elif loss == "auto":
        loss = {"sigmoid": "bce", "softmax": "ce"}.get(output, "mse")
    elif output == "auto":
        if loss == "bce":
            output = "sigmoid"
        elif loss == "ce":
            output = "softmax"
        else:
            output = "linear" if task == "regression" else "tanh"
    if (output, loss) not in _VALID_PAIRS:
        raise HeadError(
            f"output '{output}' with loss '{loss}' is not a sensible pair; use one of "
            + ", ".join(f"{o}+{loss_name}" for o, loss_name in sorted(_VALID_PAIRS))
        )
    if task == "classification":
        if n_classes > 2 and output != "softmax":
            raise HeadError(f"{n_classes}-class data needs the softmax output with loss 'ce'")
        n_out = n_classes if output == "softmax" else 1
    else:
        if output == "softmax":
            raise HeadError("regression data needs a linear, tanh or sigmoid output")
        n_out = 1
    return Head(output=output, loss=loss, task=task, n_classes=n_classes, n_out=n_out)
