"""The optimiser race: the engine's optimisers side by side on a 2-D test function.

Each racer is the *same* optimiser class the trainer uses (``make_optimizer((2,),
cfg)``), stepping a 2-vector with the test function's analytic gradient (and, for
Newton, its analytic Hessian). What students see on the contour plot is therefore
exactly what happens inside a network's training, one parameter pair at a time.

A racer that leaves the finite range (or exceeds ``limit`` in size, past which the
next steps overflow anyway) is flagged ``diverged`` and stops where it last was
finite; the race never raises, because "too large a learning rate blows up" is one of
the things it exists to show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from nnviz.engine.config import OptimizerConfig
from nnviz.engine.optimizers import Optimizer, make_optimizer
from nnviz.engine.testfunctions import TestFunction, get_test_function

Array = np.ndarray

#: Default most points kept per racer path (older points are thinned beyond this).
PATH_CAPACITY = 4000


@dataclass(frozen=True)
class RacerSpec:
    """One entry of the race: a label, the optimiser settings and its learning rate."""

    label: str
    config: OptimizerConfig
    lr: float


@dataclass
class Racer:
    """A racer's live state. ``path`` and ``losses`` start with the start point."""

    spec: RacerSpec
    optimizer: Optimizer
    theta: Array
    path: list[Array] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    diverged: bool = False
    message: str = ""
    t: int = 0

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def path_array(self) -> Array:
        """The recorded points (m, 2), oldest first."""
        return np.array(self.path) if self.path else np.empty((0, 2))

    @property
    def loss(self) -> float:
        return self.losses[-1] if self.losses else math.nan


@dataclass(frozen=True)
class NewtonInfo:
    """What Newton's next step will do, for display.

    ``step`` = −lr·(H + λI)⁻¹∇f, exactly the update ``optimizers.Newton`` applies;
    ``eigenvalues`` of H explain its behaviour (a negative one: the step heads
    uphill along that eigenvector, which is why Newton is drawn to saddles).
    """

    theta: Array
    gradient: Array
    hessian: Array
    damping: float
    lr: float
    step: Array
    next_theta: Array
    eigenvalues: Array
    eigenvectors: Array


class Race:
    """Several optimisers started from one point of one test function."""

    def __init__(
        self,
        function: TestFunction | str,
        start: tuple[float, float] | Array | None = None,
        racers: list[RacerSpec] | None = None,
        capacity: int = PATH_CAPACITY,
        limit: float = 1e8,
    ):
        self.function = get_test_function(function) if isinstance(function, str) else function
        self.specs = list(default_racers(self.function.name) if racers is None else racers)
        labels = [s.label for s in self.specs]
        if len(set(labels)) != len(labels):
            raise ValueError("racer labels must be unique")
        self.capacity = max(10, int(capacity))
        self.limit = float(limit)
        self.racers: list[Racer] = []
        self.reset(start)

    # ---------------------------------------------------------------------------------
    def reset(self, start: tuple[float, float] | Array | None = None) -> None:
        """Every racer back to ``start`` (default: the previous start, else the function's)
        with fresh optimiser state."""
        if start is not None:
            s = np.asarray(start, dtype=np.float64).reshape(2)
            if not np.all(np.isfinite(s)):
                raise ValueError("the start point must be finite")
            self.start = s.copy()
        elif not hasattr(self, "start"):
            self.start = np.array(self.function.start, dtype=np.float64)
        self.t = 0
        self.racers = []
        f0 = float(self.function.value(self.start))
        for spec in self.specs:
            racer = Racer(spec, make_optimizer((2,), spec.config), self.start.copy())
            racer.path.append(self.start.copy())
            racer.losses.append(f0)
            racer.steps.append(0)
            self.racers.append(racer)

    def racer(self, label: str) -> Racer:
        for r in self.racers:
            if r.label == label:
                return r
        raise KeyError(label)

    @property
    def running(self) -> bool:
        return any(not r.diverged for r in self.racers)

    # ---------------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        """Advance every racer that has not diverged by ``n`` steps."""
        f = self.function
        with np.errstate(all="ignore"):
            for _ in range(max(0, int(n))):
                self.t += 1
                for racer in self.racers:
                    if not racer.diverged:
                        self._step_one(racer, f)

    def _step_one(self, racer: Racer, f: TestFunction) -> None:
        theta = racer.theta
        before = theta.copy()
        grad = f.gradient(theta)
        try:
            if not np.all(np.isfinite(grad)):
                raise FloatingPointError("the gradient is not finite")
            hess = f.hessian(theta) if racer.optimizer.needs_hessian else None
            racer.optimizer.step(theta, grad, racer.spec.lr, hess)
            value = float(f.value(theta))
            if not (np.all(np.isfinite(theta)) and math.isfinite(value)):
                raise FloatingPointError("the position became infinite or NaN")
        except (ArithmeticError, np.linalg.LinAlgError, ValueError) as exc:
            self._stop(racer, before, f"{exc}. Try a smaller learning rate.")
            return
        if float(np.max(np.abs(theta))) > self.limit:
            # Unbounded functions (the saddle) run away at any rate: say so, no advice.
            self._stop(racer, before, f"it ran off beyond |x|, |y| = {self.limit:g}.")
            return
        racer.t += 1
        racer.path.append(theta.copy())
        racer.losses.append(value)
        racer.steps.append(racer.t)
        if len(racer.path) > self.capacity:
            self._thin(racer)

    @staticmethod
    def _stop(racer: Racer, before: Array, why: str) -> None:
        """Flag a racer as diverged and put it back on its last finite point."""
        np.copyto(racer.theta, before)
        racer.diverged = True
        racer.message = f"{racer.label} stopped at step {racer.t + 1}: {why}"

    @staticmethod
    def _thin(racer: Racer) -> None:
        """Keep the start, every other older point and the newest half as is."""
        half = len(racer.path) // 2
        keep = list(range(0, half, 2)) + list(range(half, len(racer.path)))
        racer.path = [racer.path[i] for i in keep]
        racer.losses = [racer.losses[i] for i in keep]
        racer.steps = [racer.steps[i] for i in keep]

    # ---------------------------------------------------------------------------------
    def newton_info(self, label: str | None = None) -> NewtonInfo | None:
        """The Newton racer's next step with its Hessian (None without a Newton racer).

        ``label`` picks a racer; by default the first one using Newton's method.
        """
        if label is None:
            racer = next((r for r in self.racers if r.optimizer.needs_hessian), None)
            if racer is None:
                return None
        else:
            racer = self.racer(label)
        theta = racer.theta.copy()
        g = self.function.gradient(theta)
        h = self.function.hessian(theta)
        damping = float(racer.spec.config.damping)
        lr = racer.spec.lr
        probe = theta.copy()
        with np.errstate(all="ignore"):
            make_optimizer((2,), replace(racer.spec.config, name="newton")).step(probe, g, lr, h)
            w, v = np.linalg.eigh(h)
        return NewtonInfo(theta, g, h, damping, lr, probe - theta, probe, w, v)


# ------------------------------------------------------------------------ defaults --
#: Learning rates per function, chosen so that every racer makes visible progress in a
#: few hundred steps without diverging. GD on the canyon sits just under its stability
#: limit 2/κ to show the zig-zag; momentum and Nesterov use GD's rate where they are
#: stable with it (the fair comparison: same rate, plus momentum), and a smaller one on
#: the canyon, where Nesterov with μ = 0.9 is stable only below ~1.36/κ.
_RATE_KEYS = ("gd", "momentum", "adagrad", "rmsprop", "adam", "newton")
_DEFAULT_LR: dict[str, dict[str, float]] = {
    name: dict(zip(_RATE_KEYS, rates, strict=True))
    for name, rates in {
        #                 GD     momentum Adagrad RMSprop Adam  Newton
        "rosenbrock": (1e-3, 1e-3, 0.5, 0.01, 0.05, 1.0),
        "beale": (1e-3, 1e-3, 0.5, 0.01, 0.05, 1.0),
        "himmelblau": (0.01, 2e-3, 0.5, 0.05, 0.1, 1.0),
        "saddle": (0.05, 0.01, 0.5, 0.01, 0.05, 1.0),
        "canyon": (0.018, 0.01, 1.0, 0.05, 0.2, 1.0),
        "rotated_canyon": (0.018, 0.01, 1.0, 0.05, 0.2, 1.0),
        "rastrigin": (2e-3, 2e-3, 0.5, 0.02, 0.1, 1.0),
    }.items()
}


def default_racers(function: str = "rosenbrock") -> list[RacerSpec]:
    """GD, momentum, Nesterov, Adagrad, RMSprop, Adam and Newton with sensible rates.

    Momentum and Nesterov use μ = 0.9; Newton is undamped (λ = 0) so that it shows
    its true behaviour, attraction to saddles and maxima included. Unknown function
    names get Rosenbrock's rates.
    """
    lr = _DEFAULT_LR.get(function, _DEFAULT_LR["rosenbrock"])
    return [
        RacerSpec("GD", OptimizerConfig(name="sgd"), lr["gd"]),
        RacerSpec("Momentum", OptimizerConfig(name="sgd", momentum=0.9), lr["momentum"]),
        RacerSpec("Nesterov", OptimizerConfig(name="sgd", momentum=0.9, nesterov=True), lr["momentum"]),
        RacerSpec("Adagrad", OptimizerConfig(name="adagrad"), lr["adagrad"]),
        RacerSpec("RMSprop", OptimizerConfig(name="rmsprop"), lr["rmsprop"]),
        RacerSpec("Adam", OptimizerConfig(name="adam"), lr["adam"]),
        RacerSpec("Newton", OptimizerConfig(name="newton", damping=0.0), lr["newton"]),
    ]
