"""Loss-surface speed figures: run `python benchmarks/bench_landscape.py`.

For a 51×51 slice along two random filter-normalised directions (seed 0) through the
initial parameters, on the whole training set, it prints:

* ``landscape.surface`` (batched, one thread and two);
* ``functional.loss_batched`` over chunks of 64 parameter sets (the generic batched path);
* the honest point-by-point loop: for each grid point, form θ and evaluate the training
  objective with the engine's single-θ evaluation ``functional.loss_batched(net, θ[None], X, T)``;
* the speed-up of ``surface`` over that loop;
* the hidden activations alone (the same number of tanh evaluations in cache-sized
  blocks): a floor that the batched surface and the loop share, so it bounds the speed-up;
* coarse-to-fine: the latency of the first (11×11) frame and of the whole 11/26/51 sequence;
* two-parameter slices (the lecture picture): two weights of the first, a middle and the
  output layer, against the same point-by-point loop. Layers before the first moving
  parameter are shared by every grid point and computed once.

Configurations: spiral with 6 hidden layers of 8 (500 points → 250 training points, tanh,
sigmoid + cross-entropy) and the default scenario (circle, [4, 2]). Every figure is the
best of 3: the machine is shared, and the best run is the least disturbed.
"""

from __future__ import annotations

import numpy as np
from bench_engine import best_of as engine_best_of

from nnviz.engine import functional
from nnviz.engine.config import Scenario
from nnviz.engine.landscape import random_directions, surface, surface_coarse_to_fine, two_param_slice
from nnviz.engine.network import flat_index
from nnviz.engine.trainer import Trainer

G = 51
REPEATS = 3


def best_of(fn, repeats: int = REPEATS) -> float:
    return engine_best_of(fn, repeats)


def configurations() -> dict[str, Scenario]:
    spiral = Scenario()
    spiral.data.dataset = "spiral"
    spiral.model.hidden = [8] * 6
    spiral.data.n = 500
    return {"spiral 6x[8]": spiral, "circle [4,2] (default)": Scenario()}


def run(name: str, sc: Scenario) -> None:
    tr = Trainer(sc)
    net, X, T = tr.net, tr.dataset.X_train, tr.T_train
    l1, l2 = sc.training.l1, sc.training.l2
    origin = net.theta.copy()
    dirs = random_directions(net, origin, 0)
    grid = np.linspace(-1.0, 1.0, G)
    aa, bb = np.meshgrid(grid, grid)
    alphas, betas = aa.ravel(), bb.ravel()

    def fast(workers: int = 1) -> np.ndarray:
        return surface(net, origin, dirs.d1, dirs.d2, grid, grid, X, T, l1, l2, workers=workers)

    def generic_batched() -> np.ndarray:
        thetas = origin + alphas[:, None] * dirs.d1 + betas[:, None] * dirs.d2
        starts = range(0, thetas.shape[0], 64)
        parts = [functional.loss_batched(net, thetas[s : s + 64], X, T, l1, l2) for s in starts]
        return np.concatenate(parts)

    def point_by_point() -> np.ndarray:
        out = np.empty(alphas.size)
        for k in range(alphas.size):
            theta = origin + alphas[k] * dirs.d1 + betas[k] * dirs.d2
            out[k] = functional.loss_batched(net, theta[None], X, T, l1, l2)[0]
        return out

    def first_frame() -> None:
        gen = surface_coarse_to_fine(net, origin, dirs.d1, dirs.d2, (-1, 1), (-1, 1), X, T, l1, l2)
        next(gen)
        gen.close()

    def all_frames() -> None:
        for _ in surface_coarse_to_fine(net, origin, dirs.d1, dirs.d2, (-1, 1), (-1, 1), X, T, l1, l2):
            pass

    def activation_floor() -> None:
        """The hidden activations alone: every grid point's forward pass needs them."""
        block = np.random.default_rng(0).normal(size=(32, max(net.sizes[1:-1], default=1), len(X)))
        calls = -(-(G * G) // 32)
        for layer, act in enumerate(net.activations):
            sub = block[:, : net.sizes[layer + 1]]
            for _ in range(calls):
                act.forward(sub, out=sub)

    ref = point_by_point()
    err = float(np.max(np.abs(fast().ravel() - ref) / np.abs(ref)))
    t_fast = best_of(fast)
    t_fast2 = best_of(lambda: fast(2))
    t_generic = best_of(generic_batched)
    t_loop = best_of(point_by_point)
    t_first = best_of(first_frame, 5)
    t_all = best_of(all_frames)
    t_floor = best_of(activation_floor)
    n_act = G * G * len(X) * sum(net.sizes[1:-1])
    print(f"\n{name}: sizes {net.sizes}, {net.n_params} parameters, {len(X)} training points, "
          f"{net.head.output}+{net.head.loss}, {G}x{G} grid (max rel. diff to the loop {err:.1e})")
    print(f"  surface, 1 thread                    {1e3 * t_fast:8.1f} ms")
    print(f"  surface, 2 threads                   {1e3 * t_fast2:8.1f} ms")
    print(f"  functional.loss_batched, chunks 64   {1e3 * t_generic:8.1f} ms")
    print(f"  point-by-point loop                  {1e3 * t_loop:8.1f} ms")
    print(f"  hidden activations alone ({n_act / 1e6:.1f} M)   {1e3 * t_floor:8.1f} ms  (a floor for both)")
    print(f"  speed-up over the loop, 1 thread     {t_loop / t_fast:8.1f} x")
    print(f"  speed-up over the loop, 2 threads    {t_loop / t_fast2:8.1f} x")
    print(f"  coarse-to-fine first frame (11x11)   {1e3 * t_first:8.1f} ms")
    print(f"  coarse-to-fine 11 + 26 + 51          {1e3 * t_all:8.1f} ms")
    two_parameter_slices(tr)


def two_parameter_slices(tr: Trainer) -> None:
    net, X, T = tr.net, tr.dataset.X_train, tr.T_train
    l1, l2 = tr.scenario.training.l1, tr.scenario.training.l2
    theta = net.theta
    last = net.n_layers - 1
    for layer in sorted({0, last // 2, last}):
        i = flat_index(net.sizes, layer, 0, 0)
        j = flat_index(net.sizes, layer, min(1, net.sizes[layer] - 1), 0)
        if i == j:
            j = flat_index(net.sizes, layer, net.sizes[layer], 0)  # the bias

        def fast(i: int = i, j: int = j) -> np.ndarray:
            return two_param_slice(tr, None, i, j, span=1.0, resolution=G).loss

        def loop(i: int = i, j: int = j) -> np.ndarray:
            values = np.linspace(-1.0, 1.0, G)
            out = np.empty((G, G))
            th = theta.copy()
            for b, vb in enumerate(theta[j] + values):
                for a, va in enumerate(theta[i] + values):
                    th[i], th[j] = va, vb
                    out[b, a] = functional.loss_batched(net, th[None], X, T, l1, l2)[0]
            return out

        err = float(np.max(np.abs(fast() - loop()) / np.abs(loop())))
        t_fast, t_loop = best_of(fast), best_of(loop)
        print(f"  two weights of layer {layer} ({net.param_name(i)}, {net.param_name(j)}): "
              f"{1e3 * t_fast:6.1f} ms against {1e3 * t_loop:6.1f} ms point by point = "
              f"{t_loop / t_fast:5.1f} x (max rel. diff {err:.0e})")


def main() -> None:
    print(f"best of {REPEATS}; NumPy {np.__version__}")
    for name, sc in configurations().items():
        run(name, sc)


if __name__ == "__main__":
    main()
