"""The training loop: one object that owns a network, its data and its optimiser.

A ``Trainer`` is built from a ``Scenario`` and advanced by ``step_batch`` (one
mini-batch) or ``run_epoch`` (the rest of the current epoch). It is deliberately
single-threaded and Qt-free: the GUI's worker thread owns one, the command line owns
another, tests own many.

Speed. A step at batch size 10 is a few dozen NumPy calls on tiny arrays, so the loop
is written to minimise calls: the epoch's shuffled inputs are gathered once per epoch,
batches are zero-copy row slices, buffers come from per-batch-size workspaces,
regularisation and the update work on one flat vector, and divergence is detected from
a single dot product of the update.

Reproducibility. Three independent streams are spawned from the training seed (weights,
shuffling, dropout), so changing the dropout rate does not change the shuffle order:
two runs that differ in one setting stay comparable.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from nnviz.engine import functional
from nnviz.engine.activations import get_activation
from nnviz.engine.config import OptimizerConfig, Scenario, ScheduleConfig
from nnviz.engine.heads import make_head
from nnviz.engine.initializers import init_bias, init_weights
from nnviz.engine.network import Network, Workspace, backward, columns_with_ones, forward
from nnviz.engine.optimizers import make_optimizer
from nnviz.engine.schedules import scheduled_lr
from nnviz.engine.stats import (
    EpochStats,
    LayerStats,
    StepStats,
    histogram,
    moments,
    r_squared,
    saturation_fraction,
    update_ratio,
)
from nnviz.engine.trajectory import TrajectoryRecorder

Array = np.ndarray


class EngineError(ValueError):
    """A configuration the engine cannot build; the message is meant for a person."""


#: Per-step records kept when ``record_steps`` is on (the most recent ones).
STEP_LOG_CAPACITY = 10_000

#: The most per-epoch rows kept in ``Trainer.history`` (older ones are thinned).
HISTORY_CAPACITY = 20_000

# Training status values.
READY, RUNNING, DIVERGED, STOPPED_EARLY = "ready", "running", "diverged", "stopped_early"


@dataclass(frozen=True)
class GridOutputs:
    """Every neuron's output over a grid of the input plane (or line, for 1-D data)."""

    xs: Array  # (G,) grid coordinates along x1
    ys: Array | None  # (G,) along x2, None for 1-D data
    layers: tuple[Array, ...]  # per layer: (G, G, width), or (G, width) for 1-D data
    extent: tuple[float, float, float, float]

    @property
    def output(self) -> Array:
        return self.layers[-1]


class Trainer:
    """Trains one network on one dataset, recording what the panels need."""

    #: Record a ``StepStats`` for every mini-batch step (off by default: it costs a few
    #: NumPy calls a step). Per-epoch statistics are always recorded.
    record_steps: bool = False

    def __init__(self, scenario: Scenario, dataset=None):
        from nnviz.data import DataError, build_dataset  # data is pure NumPy too

        self.scenario = copy.deepcopy(scenario)
        sc = self.scenario
        try:
            self.dataset = dataset if dataset is not None else build_dataset(sc.data)
        except DataError as exc:
            raise EngineError(str(exc)) from exc
        ds = self.dataset
        try:
            self.head = make_head(sc.model.output, sc.model.loss, ds.task, ds.n_classes)
        except ValueError as exc:
            raise EngineError(f"model: {exc}") from exc
        hidden = list(sc.model.hidden)
        names = sc.model.activation
        names = [names] * len(hidden) if isinstance(names, str) else list(names)
        if len(names) != len(hidden):
            raise EngineError(
                f"model.activation lists {len(names)} activations for {len(hidden)} hidden layers"
            )
        acts = [get_activation(n, sc.model.leaky_slope, sc.model.elu_alpha) for n in names]
        sizes = [ds.X_train.shape[1], *hidden, self.head.n_out]
        self.net = Network(sizes, acts, self.head)
        self._trainable = self._build_trainable_mask()

        seeds = np.random.SeedSequence(sc.training.seed).spawn(3)
        self._init_seed, self._shuffle_seed, self._dropout_seed = seeds
        self._load_data(ds)
        self._grid_cache: dict[tuple, tuple[Array, Array, Array | None, Workspace]] = {}
        self.reset()

    # ------------------------------------------------------------------ construction --
    def _load_data(self, ds) -> None:
        """Targets (n, n_out) for people, and column-layout copies for the hot path."""
        self.dataset = ds
        self.n_train = ds.X_train.shape[0]
        self.T_train = self.head.targets(ds.y_train)
        self.T_test = self.head.targets(ds.y_test)
        self._xt_train = columns_with_ones(ds.X_train)
        self._xt_test = columns_with_ones(ds.X_test)
        self._tt_train = np.ascontiguousarray(self.T_train.T)
        self._tt_test = np.ascontiguousarray(self.T_test.T)
        self._x_epoch, self._t_epoch = self._xt_train, self._tt_train

    def _build_trainable_mask(self) -> Array | None:
        fz = self.scenario.model.freeze
        mask = np.ones(self.net.n_params)
        for layer, s in enumerate(self.net.slots):
            block = s.block(mask)
            if layer in fz.layers:
                block[...] = 0.0
            if layer in fz.weights:
                block[:, :-1] = 0.0
            if fz.biases:
                block[:, -1] = 0.0
        return None if mask.all() else mask

    def _initial_theta(self) -> Array:
        sc, net = self.scenario, self.net
        rng = np.random.default_rng(self._init_seed)
        theta = np.empty(net.n_params)
        for (W, b), s in zip(net.param_views(theta), net.slots, strict=True):
            W[...] = init_weights(sc.model.init, s.fan_in, s.fan_out, rng)
            b[...] = init_bias(sc.model.init, s.fan_out)
        for lp in sc.model.initial_params:
            if not 0 <= lp.layer < net.n_layers:
                raise EngineError(
                    f"model.initial_params: layer {lp.layer} does not exist "
                    f"(the network has layers 0..{net.n_layers - 1})"
                )
            W, b = net.param_views(theta)[lp.layer]
            if lp.W is not None:
                given = np.asarray(lp.W, dtype=np.float64)
                if given.shape != W.shape:
                    raise EngineError(
                        f"model.initial_params: layer {lp.layer} W has shape {given.shape}, "
                        f"expected {W.shape} (fan_in, fan_out)"
                    )
                W[...] = given
            if lp.b is not None:
                given = np.asarray(lp.b, dtype=np.float64).reshape(-1)
                if given.shape != b.shape:
                    raise EngineError(
                        f"model.initial_params: layer {lp.layer} b has {given.size} values, "
                        f"expected {b.size}"
                    )
                b[...] = given
        return theta

    def reset(self, theta: Array | None = None) -> None:
        """Back to epoch 0: initial (or given) weights, fresh optimiser, empty history.

        The same seed always gives the same initial weights ("same weights on reset").
        """
        tr = self.scenario.training
        self.initial_theta = self._initial_theta() if theta is None else np.array(theta, float)
        self.net.set_theta(self.initial_theta)
        if tr.optimizer.name == "newton" and self.net.n_params > functional.MAX_NEWTON_PARAMS:
            raise EngineError(
                f"Newton's method is limited to {functional.MAX_NEWTON_PARAMS} parameters; "
                f"this network has {self.net.n_params}. Use a smaller network or another optimiser."
            )
        try:
            self.optimizer = make_optimizer(self.net.n_params, tr.optimizer)
        except ValueError as exc:
            raise EngineError(f"training.optimizer: {exc}") from exc
        self._shuffle_rng = np.random.default_rng(self._shuffle_seed)
        self._dropout_rng = np.random.default_rng(self._dropout_seed)
        self.grad = np.zeros(self.net.n_params)
        self.last_update = np.zeros(self.net.n_params)  # θ_old - θ_new of the last step
        self._theta_before = np.zeros(self.net.n_params)
        self._last_good_theta = self.net.theta.copy()  # parameters at the last healthy epoch end
        self._last_good_epoch = 0
        self._best_train_loss = math.inf
        self._penalty_tmp = np.empty(self.net.n_params)
        self.epoch = 0
        self.step = 0
        self.status = READY
        self.message = ""
        self.history: list[EpochStats] = []
        self._cursor = 0
        self._perm: Array | None = None
        self._x_epoch, self._t_epoch = self._xt_train, self._tt_train
        self._workspaces: dict[int, Workspace] = {}
        self._configure_regularisation()
        self._configure_dropout()
        self.trajectory = TrajectoryRecorder(self.net.n_params, tr.trajectory_every, tr.trajectory_capacity)
        self.trajectory.offer(0, self.net.theta)
        self._best_loss = math.inf
        self._best_theta: Array | None = None
        self._wait = 0
        self.step_log: deque[StepStats] = deque(maxlen=STEP_LOG_CAPACITY)
        self.initial_stats = self.evaluate()
        self.current_stats = self.initial_stats  # evaluation at the current parameters
        loss0 = self.initial_stats.loss_train
        self._best_train_loss = loss0 if math.isfinite(loss0) else math.inf

    # ------------------------------------------------------------- live settings ------
    @property
    def base_lr(self) -> float:
        return self.scenario.training.optimizer.lr

    @property
    def lr(self) -> float:
        """The learning rate of the current epoch, after the schedule."""
        return scheduled_lr(self.base_lr, self.scenario.training.schedule, self.epoch)

    def set_lr(self, lr: float) -> None:
        if not (lr > 0 and math.isfinite(lr)):
            raise EngineError(f"learning rate must be a positive number, not {lr!r}")
        self.scenario.training.optimizer.lr = float(lr)

    def set_optimizer_params(self, **params) -> None:
        """Change momentum, betas, alpha, eps, damping… keeping the optimiser's state."""
        cfg = replace(self.scenario.training.optimizer, **params)
        self._apply_optimizer_config(cfg)

    def _apply_optimizer_config(self, cfg: OptimizerConfig) -> None:
        try:
            if cfg.name != self.optimizer.name:
                if cfg.name == "newton" and self.net.n_params > functional.MAX_NEWTON_PARAMS:
                    raise ValueError(
                        f"Newton's method is limited to {functional.MAX_NEWTON_PARAMS} "
                        f"parameters; this network has {self.net.n_params}"
                    )
                self.optimizer = make_optimizer(self.net.n_params, cfg)
            else:
                self.optimizer.configure(cfg)
        except ValueError as exc:
            raise EngineError(f"training.optimizer: {exc}") from exc
        self.scenario.training.optimizer = cfg

    def set_optimizer(self, name: str, **params) -> None:
        """Switch optimiser mid-run (fresh state for the new one; weights kept)."""
        self._apply_optimizer_config(replace(self.scenario.training.optimizer, name=name, **params))

    def set_schedule(self, cfg: ScheduleConfig) -> None:
        self.scenario.training.schedule = copy.deepcopy(cfg)

    def set_regularisation(self, l1: float | None = None, l2: float | None = None) -> None:
        tr = self.scenario.training
        for name, value in (("L1", l1), ("L2", l2)):
            if value is not None and not (value >= 0 and math.isfinite(value)):
                raise EngineError(f"{name} strength must be a number ≥ 0, not {value!r}")
        if l1 is not None:
            tr.l1 = float(l1)
        if l2 is not None:
            tr.l2 = float(l2)
        self._configure_regularisation()

    def _configure_regularisation(self) -> None:
        tr = self.scenario.training
        self._l1_mask = tr.l1 * self.net.weight_mask if tr.l1 > 0 else None
        self._l2_mask = tr.l2 * self.net.weight_mask if tr.l2 > 0 else None

    def set_dropout(self, p: float | list[float]) -> None:
        """Drop probability (one for all hidden layers, or a list); applies from the next step."""
        n_hidden = self.net.n_layers - 1
        ps = [p] * n_hidden if not isinstance(p, list) else list(p)
        if len(ps) != n_hidden:
            raise EngineError(f"dropout lists {len(ps)} drop probabilities for {n_hidden} hidden layers")
        for value in ps:
            if not 0.0 <= value < 1.0:
                raise EngineError(f"dropout drop probability must be in [0, 1), not {value}")
        self.scenario.training.dropout = p if not isinstance(p, list) else list(p)
        self._configure_dropout()

    def _configure_dropout(self) -> None:
        p = self.scenario.training.dropout
        n_hidden = self.net.n_layers - 1
        ps = [float(p)] * n_hidden if not isinstance(p, list) else [float(v) for v in p]
        ps = (ps + [0.0] * n_hidden)[:n_hidden]
        self.dropout = ps
        self._workspaces = {}

    def set_batch_size(self, batch_size: int | str) -> None:
        if batch_size != "full" and (not isinstance(batch_size, int) or batch_size < 1):
            raise EngineError(f"batch size must be a whole number ≥ 1 or 'full', not {batch_size!r}")
        self.scenario.training.batch_size = batch_size

    def set_shuffle(self, shuffle: bool) -> None:
        self.scenario.training.shuffle = bool(shuffle)

    def set_params(self, theta: Array) -> None:
        """Hand-set parameters (e.g. an edited weight); the optimiser state is kept."""
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != self.net.theta.shape or not np.all(np.isfinite(theta)):
            raise EngineError("parameters must be finite and match the network's size")
        self.net.set_theta(theta)
        np.copyto(self._last_good_theta, theta)
        if self.status == DIVERGED:
            self.status, self.message = READY, ""

    def set_param(self, index: int, value: float) -> None:
        """Hand-set one weight or bias (a click in the network view); the rest is kept."""
        if not 0 <= index < self.net.n_params:
            raise EngineError(f"there is no parameter {index}; the network has {self.net.n_params}")
        if not math.isfinite(value):
            raise EngineError(f"a weight must be a finite number, not {value!r}")
        self.net.theta[index] = float(value)
        np.copyto(self._last_good_theta, self.net.theta)
        if self.status == DIVERGED:
            self.status, self.message = READY, ""

    def replace_dataset(self, dataset) -> None:
        """Train on new points with the same features (e.g. a point added by a click).

        Weights and optimiser state are kept; the current epoch restarts.
        """
        if tuple(dataset.features) != tuple(self.dataset.features) or dataset.task != self.dataset.task:
            raise EngineError("the new data must have the same features and task")
        if dataset.task == "classification" and dataset.n_classes != self.dataset.n_classes:
            raise EngineError("the new data must have the same number of classes")
        self._load_data(dataset)
        self._cursor = 0
        self._workspaces = {}

    @property
    def batch_size(self) -> int:
        b = self.scenario.training.batch_size
        n = self.n_train
        return n if b == "full" else max(1, min(int(b), n))

    # ------------------------------------------------------------------ training ------
    def _workspace(self, rows: int) -> Workspace:
        ws = self._workspaces.get(rows)
        if ws is None:
            ws = self._workspaces[rows] = Workspace.create(self.net, rows, self.dropout)
        return ws

    def _begin_epoch(self) -> None:
        if self.scenario.training.shuffle:
            perm = self._shuffle_rng.permutation(self.n_train)
            self._perm = perm
            self._x_epoch = self._xt_train.take(perm, axis=1)
            self._t_epoch = self._tt_train.take(perm, axis=1)
        else:
            self._perm = None
            self._x_epoch, self._t_epoch = self._xt_train, self._tt_train

    @property
    def can_train(self) -> bool:
        return self.status not in (DIVERGED, STOPPED_EARLY)

    def step_batch(self) -> bool:
        """Train on the next mini-batch. Returns True when it finished an epoch."""
        if not self.can_train:
            return False
        return self._run_batches(1)

    def run_epoch(self) -> EpochStats | None:
        """Train until the current epoch ends; returns its stats (None if it cannot train)."""
        if not self.can_train:
            return None
        self._run_batches(-1)
        return self.history[-1] if self.history else None

    def train(self, epochs: int, callback=None) -> None:
        """Run ``epochs`` epochs (or until divergence or early stopping)."""
        for _ in range(epochs):
            stats = self.run_epoch()
            if stats is None:
                break
            if callback is not None:
                callback(stats)
            if not self.can_train:
                break

    def _run_batches(self, count: int) -> bool:
        """The hot loop: up to ``count`` batches (-1: to the end of the epoch)."""
        net, opt, grad = self.net, self.optimizer, self.grad
        theta, delta, before = net.theta, self.last_update, self._theta_before
        n = self.n_train
        b = self.batch_size
        lr = self.lr
        dropout = self.dropout if any(self.dropout) else None
        drop_rng = self._dropout_rng
        l1_mask, l2_mask, tmp = self._l1_mask, self._l2_mask, self._penalty_tmp
        trainable = self._trainable
        newton = opt.needs_hessian
        record = self.trajectory.offer
        done = 0
        with np.errstate(all="ignore"):
            while count < 0 or done < count:
                if self._cursor == 0:
                    self._begin_epoch()
                start = self._cursor
                stop = min(n, start + b)
                xb = self._x_epoch[:, start:stop]
                tb = self._t_epoch[:, start:stop]
                ws = self._workspace(stop - start)
                forward(net, ws, xb, dropout, drop_rng)
                backward(net, ws, xb, tb, grad)
                if l2_mask is not None:
                    np.multiply(theta, l2_mask, out=tmp)
                    grad += tmp
                if l1_mask is not None:
                    np.sign(theta, out=tmp)
                    tmp *= l1_mask
                    grad += tmp
                if trainable is not None:
                    grad *= trainable
                np.copyto(before, theta)
                if newton:
                    self._newton_step(xb, tb, lr)
                else:
                    opt.step(theta, grad, lr)
                np.subtract(before, theta, out=delta)  # the update just applied
                if not math.isfinite(float(np.dot(delta, delta))):
                    self._diverge()
                    return False
                self.step += 1
                record(self.step, theta)
                if self.record_steps:
                    self._log_step(ws, tb, delta)
                self._ws_last = ws
                self._last_range = (start, stop)
                done += 1
                self._cursor = stop
                if stop >= n:
                    self._cursor = 0
                    self._end_epoch()
                    return True
        return False

    def _log_step(self, ws: Workspace, tb: Array, delta: Array) -> None:
        net, grad = self.net, self.grad
        layer_norms = tuple(
            math.sqrt(float(np.sum(net.layer_weights(layer, grad) ** 2))) for layer in range(net.n_layers)
        )
        self.step_log.append(
            StepStats(
                step=self.step,
                epoch=self.epoch,
                batch_loss=net.head.loss_value(ws.z[-1].T, ws.y_hat.T, tb.T),
                grad_norm=math.sqrt(float(np.dot(grad, grad))),
                layer_grad_norms=layer_norms,
                update_norm=math.sqrt(float(np.dot(delta, delta))),
            )
        )

    def _newton_step(self, xb: Array, tb: Array, lr: float) -> None:
        """Damped Newton on the batch, with the exact Hessian; frozen parameters stay put.

        Newton's method ignores dropout: the gradient and the Hessian are both those of
        the deterministic batch objective, so the step solves one consistent model.
        """
        tr = self.scenario.training
        theta = self.net.theta
        x, t = xb[:-1].T, tb.T
        h = functional.hessian(self.net, theta, x, t, tr.l1, tr.l2)
        g = functional.loss_and_grad_batched(self.net, theta[None], x, t, tr.l1, tr.l2)[1][0]
        if self._trainable is not None:
            g *= self._trainable
        self.grad[...] = g
        if self._trainable is None:
            self.optimizer.step(theta, g, lr, h)
            return
        idx = np.flatnonzero(self._trainable)
        sub = theta[idx]
        self.optimizer.step(sub, g[idx], lr, h[np.ix_(idx, idx)])
        theta[idx] = sub

    def _diverge(self) -> None:
        """Undo the non-finite update, keep the last finite parameters, stop.

        The optimiser's state (momentum, second moments) is poisoned by the NaN, so it
        starts afresh if the user lowers the learning rate and trains on.
        """
        # The parameters just before the failing step are finite but often already huge
        # (1e150): training on from there would diverge again at once, whatever the
        # learning rate. Go back to the end of the last healthy epoch instead.
        self.net.set_theta(self._last_good_theta)
        self.last_update.fill(0.0)
        self.optimizer.reset_state()
        self.status = DIVERGED
        self.message = (
            f"Training diverged at epoch {self.epoch + 1}: the loss became infinite or NaN. "
            f"The weights are back to those of epoch {self._last_good_epoch}. "
            "Try a smaller learning rate."
        )

    def _end_epoch(self) -> None:
        lr_used = self.lr  # the rate of the epoch that just ended
        self.epoch += 1
        stats = self.evaluate(lr=lr_used)
        self._append_history(stats)
        self.current_stats = stats
        if not (math.isfinite(stats.loss_train) and math.isfinite(stats.objective)):
            self.net.set_theta(self._last_good_theta)
            self.status = DIVERGED
            self.message = (
                f"Training diverged at epoch {self.epoch}: the loss became infinite or NaN. "
                "Try a smaller learning rate."
            )
            return
        # A restore point for divergence: an epoch whose loss has not blown up (a run
        # that is diverging has finite but exploding losses for a few epochs first).
        if stats.loss_train <= 10.0 * self._best_train_loss:
            np.copyto(self._last_good_theta, self.net.theta)
            self._last_good_epoch = self.epoch
        self._best_train_loss = min(self._best_train_loss, stats.loss_train)
        es = self.scenario.training.early_stopping
        if es.enabled:
            if stats.loss_test < self._best_loss - es.min_delta:
                self._best_loss = stats.loss_test
                self._best_theta = self.net.theta.copy()
                self._best_epoch = self.epoch
                self._wait = 0
            else:
                self._wait += 1
                if self._wait >= es.patience and self._best_theta is not None:
                    self.net.set_theta(self._best_theta)
                    self.current_stats = self.evaluate(lr=lr_used)
                    self.status = STOPPED_EARLY
                    self.message = (
                        f"Early stopping at epoch {self.epoch}: the test loss has not improved "
                        f"for {es.patience} epochs; restored the best weights (epoch {self._best_epoch})."
                    )

    def _append_history(self, stats: EpochStats) -> None:
        """Keep at most HISTORY_CAPACITY rows: past that, the older half is thinned by 2.

        Recent epochs stay at full resolution and old ones get sparser, so a run of a
        million epochs costs the same memory as one of twenty thousand.
        """
        history = self.history
        history.append(stats)
        if len(history) > HISTORY_CAPACITY:
            half = HISTORY_CAPACITY // 2
            self.history = history[: len(history) - half][::2] + history[len(history) - half :]

    # ---------------------------------------------------------------- evaluation ------
    def predict(self, X: Array) -> Array:
        """Network outputs for feature rows ``X`` (evaluation mode: no dropout)."""
        return functional.forward_batched(self.net, self.net.theta, X)[-1][0]

    def evaluate(self, lr: float | None = None) -> EpochStats:
        """Losses, metrics and per-layer statistics at the current parameters.

        ``lr`` is recorded with the row (default: the current epoch's scheduled rate).
        """
        net = self.net
        tr = self.scenario.training
        with np.errstate(all="ignore"):
            ws = self._eval_workspace(self.n_train)
            y_train = forward(net, ws, self._xt_train).T.copy()
            loss_train = net.head.loss_value(ws.z[-1].T, y_train, self.T_train)
            full_grad = np.empty(net.n_params)
            backward(net, ws, self._xt_train, self._tt_train, full_grad)
            self.full_grad = full_grad
            layers = self._layer_stats(ws, full_grad)
            y_test, z_test = self._forward_rows(self._xt_test)
            loss_test = net.head.loss_value(z_test, y_test, self.T_test) if len(y_test) else math.nan
            penalty = 0.0
            w = net.theta * net.weight_mask
            if tr.l1:
                penalty += tr.l1 * float(np.sum(np.abs(w)))
            if tr.l2:
                penalty += 0.5 * tr.l2 * float(np.dot(w, w))
            kwargs = {}
            if net.head.task == "classification":
                predicted = net.head.predict_class(y_train)
                kwargs["acc_train"] = float(np.mean(predicted == self.dataset.y_train))
                if len(y_test):
                    predicted = net.head.predict_class(y_test)
                    kwargs["acc_test"] = float(np.mean(predicted == self.dataset.y_test))
            else:
                kwargs["r2_train"] = r_squared(y_train, self.T_train)
                if len(y_test):
                    kwargs["r2_test"] = r_squared(y_test, self.T_test)
        return EpochStats(
            epoch=self.epoch, step=self.step, lr=self.lr if lr is None else lr, loss_train=loss_train,
            loss_test=loss_test, objective=loss_train + penalty, layers=layers, **kwargs,
        )

    def _eval_workspace(self, cols: int) -> Workspace:
        key = ("eval", cols)
        ws = self._workspaces.get(key)  # type: ignore[call-overload]
        if ws is None:
            ws = Workspace.create(self.net, cols, [0.0] * (self.net.n_layers - 1))
            self._workspaces[key] = ws  # type: ignore[index]
        return ws

    def _forward_rows(self, xt: Array) -> tuple[Array, Array]:
        """Outputs and logits, as (examples, n_out) copies, for column-layout inputs."""
        if xt.shape[1] == 0:
            return np.empty((0, self.net.sizes[-1])), np.empty((0, self.net.sizes[-1]))
        ws = self._eval_workspace(xt.shape[1])
        y = forward(self.net, ws, xt).T.copy()
        return y, ws.z[-1].T.copy()

    def _layer_stats(self, ws: Workspace, full_grad: Array) -> tuple[LayerStats, ...]:
        """Per-layer statistics from moments (sums and dot products): a few µs a layer."""
        net, theta, upd = self.net, self.net.theta, self.last_update
        out = []
        for layer, s in enumerate(net.slots):
            z = ws.z[layer]
            a = ws.h[layer] if layer < net.n_layers - 1 else ws.y_hat
            g = net.layer_weights(layer, full_grad).ravel()
            w = net.layer_weights(layer, theta).ravel()
            abs_g = np.abs(g)
            z_mean, z_std = moments(z)
            a_mean, a_std = moments(a)
            delta = ws.delta[layer]
            out.append(
                LayerStats(
                    z_mean=z_mean, z_std=z_std, a_mean=a_mean, a_std=a_std,
                    saturation=saturation_fraction(net.layer_activation(layer), z, a),
                    weight_norm=math.sqrt(float(np.dot(w, w))),
                    grad_norm=math.sqrt(float(np.dot(g, g))),
                    grad_mean_abs=float(np.add.reduce(abs_g)) / max(1, g.size),
                    grad_max_abs=float(np.maximum.reduce(abs_g)) if g.size else 0.0,
                    delta_mean_abs=float(np.add.reduce(np.abs(delta), axis=None)) / max(1, delta.size),
                    update_ratio=update_ratio(upd[s.start : s.stop], theta[s.start : s.stop])
                    if self.step else math.nan,
                )
            )
        return tuple(out)

    def activation_histograms(self, bins: int = 40) -> list[tuple[Array, Array]]:
        """Per-layer histograms of pre-activations over the training set (on request)."""
        ws = self._eval_workspace(self.n_train)
        with np.errstate(all="ignore"):
            forward(self.net, ws, self._xt_train)
        return [histogram(z, bins) for z in ws.z]

    def layer_outputs(self, X: Array | None = None, with_preactivations: bool = False):
        """Every layer's activation as (examples, units) copies, for feature rows ``X``
        (default: the training set), in evaluation mode. With ``with_preactivations``,
        returns (activations, pre-activations)."""
        xt = self._xt_train if X is None else columns_with_ones(X)
        ws = self._eval_workspace(xt.shape[1])
        with np.errstate(all="ignore"):
            y = forward(self.net, ws, xt)
        outputs = [h.T.copy() for h in ws.h] + [y.T.copy()]
        if with_preactivations:
            return outputs, [z.T.copy() for z in ws.z]
        return outputs

    def batch_outputs(self) -> list[Array]:
        """The last training batch's hidden activations after dropout, (batch, units)."""
        ws = getattr(self, "_ws_last", None)
        if ws is None:
            return [np.empty((0, w)) for w in self.net.sizes[1:-1]]
        return [ws.a_aug[layer + 1][:-1].T.copy() for layer in range(self.net.n_layers - 1)]

    @property
    def dropout_masks(self) -> list[Array | None]:
        """The last training batch's dropout masks per hidden layer, bool (batch, units)
        with True where the unit was kept; None where dropout is off."""
        ws = getattr(self, "_ws_last", None)
        if ws is None:
            return [None] * (self.net.n_layers - 1)
        return [None if m is None else (m > 0).T for m in ws.masks]

    # ------------------------------------------------------------------ grid pass -----
    def grid_outputs(self, resolution: int = 100, extent=None) -> GridOutputs:
        """Every neuron's output over a resolution×resolution grid of the input plane.

        The grid's transformed features (x1², sin x1, …) and the buffers are cached, so
        repeated calls cost just the forward pass.
        """
        from nnviz.data import transform_features

        ds = self.dataset
        extent = tuple(ds.extent if extent is None else extent)
        key = (resolution, extent)
        cached = self._grid_cache.get(key)
        if cached is None:
            xs = np.linspace(extent[0], extent[1], resolution)
            if ds.input_dim == 1:
                ys = None
                points = xs[:, None]
            else:
                ys = np.linspace(extent[2], extent[3], resolution)
                gx, gy = np.meshgrid(xs, ys)
                points = np.column_stack([gx.ravel(), gy.ravel()])
            x_aug = columns_with_ones(transform_features(points, ds.features))
            ws = Workspace.create(self.net, x_aug.shape[1], [0.0] * (self.net.n_layers - 1))
            cached = (xs, x_aug, ys, ws)
            self._grid_cache[key] = cached
        xs, x_aug, ys, ws = cached
        with np.errstate(all="ignore"):
            y = forward(self.net, ws, x_aug)
        shape = (resolution,) if ys is None else (resolution, resolution)
        # Copies: the workspace is reused by the next call, and snapshots must not change.
        layers = tuple(h.T.reshape(*shape, h.shape[0]).copy() for h in ws.h)
        layers += (y.T.reshape(*shape, y.shape[0]).copy(),)
        return GridOutputs(xs=xs, ys=ys, layers=layers, extent=extent)  # type: ignore[arg-type]
