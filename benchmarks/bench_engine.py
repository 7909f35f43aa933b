"""Engine speed figures (issue 2 §7): run `python benchmarks/bench_engine.py`.

Prints, for TF Playground's default configuration (circle, 500 points, 50 % train,
x1 x2, hidden [4, 2], tanh, tanh output + squared error, lr 0.03) and its largest
(spiral, 6 hidden layers of 8):

* training examples per second at batch 10 and 30 (stepping only, as Playground's
  figure; and with the per-epoch evaluation included);
* one 100×100 grid forward pass of every neuron;
* one whole epoch including the train and test loss and all instrumentation;
* a straightforward NumPy loop (allocating, per-layer bias adds, np.mean/np.sum) on the
  same configuration, as the baseline reference.md quotes.

Each figure is the best of several repeats (the machine is shared; the best run is the
one least disturbed).
"""

from __future__ import annotations

import time

import numpy as np

from nnviz.engine.config import Scenario
from nnviz.engine.trainer import Trainer

PLAYGROUND = {
    "default": {"ex_s": 1.28e6, "grid_ms": 5.6, "epoch_ms": 7.0},
    "spiral 6x8": {"ex_s": 125e3, "grid_ms": 58.0, "epoch_ms": 66.0},
}


def scenario(name: str, batch: int) -> Scenario:
    sc = Scenario()
    sc.model.output, sc.model.loss = "tanh", "mse"
    sc.model.init.name = "playground"
    sc.training.optimizer.lr = 0.03
    sc.training.batch_size = batch
    sc.data.n = 500
    sc.data.train_fraction = 0.5
    if name == "default":
        sc.data.dataset, sc.model.hidden = "circle", [4, 2]
    else:
        sc.data.dataset, sc.model.hidden = "spiral", [8] * 6
    return sc


def best_of(fn, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def stepping_rate(trainer: Trainer, epochs: int) -> float:
    """Examples/s of the update loop alone (the per-epoch evaluation switched off)."""
    n = trainer.n_train
    trainer._end_epoch = lambda: None  # measure the hot loop only
    try:
        seconds = best_of(lambda: [trainer._run_batches(-1) for _ in range(epochs)])
    finally:
        del trainer._end_epoch
    return epochs * n / seconds


def naive_rate(trainer: Trainer, batch: int, epochs: int) -> float:
    """The straightforward loop: allocate everything, separate bias adds, np.mean."""
    X, T = trainer.dataset.X_train, trainer.T_train
    Ws = [W.copy() for W, _ in trainer.net.param_views(trainer.net.theta)]
    bs = [b.copy() for _, b in trainer.net.param_views(trainer.net.theta)]
    lr = 0.03

    def epoch() -> None:
        for s in range(0, len(X), batch):
            xb, tb = X[s : s + batch], T[s : s + batch]
            acts = [xb]
            for W, b in zip(Ws, bs, strict=True):
                acts.append(np.tanh(acts[-1] @ W + b))
            d = (acts[-1] - tb) * (1 - acts[-1] ** 2) / len(xb)
            for layer in range(len(Ws) - 1, -1, -1):
                gW, gb = acts[layer].T @ d, np.sum(d, axis=0)
                if layer:
                    d = (d @ Ws[layer].T) * (1 - acts[layer] ** 2)
                Ws[layer] -= lr * gW
                bs[layer] -= lr * gb

    seconds = best_of(lambda: [epoch() for _ in range(epochs)])
    return epochs * len(X) / seconds


def main() -> None:
    print(f"numpy {np.__version__}; best of 5 repeats\n")
    for name in ("default", "spiral 6x8"):
        ref = PLAYGROUND[name]
        print(f"== {name} (Playground: {ref['ex_s'] / 1e3:.0f} k ex/s, grid {ref['grid_ms']} ms, "
              f"epoch {ref['epoch_ms']} ms)")
        for batch in (10, 30):
            trainer = Trainer(scenario(name, batch))
            trainer.train(2)
            steps = stepping_rate(trainer, 40)
            with_eval = 40 * trainer.n_train / best_of(lambda t=trainer: t.train(40))
            naive = naive_rate(trainer, batch, 20)
            print(f"  batch {batch:2d}: {steps / 1e3:7.0f} k ex/s stepping "
                  f"({steps / ref['ex_s']:.2f}x Playground), {with_eval / 1e3:6.0f} k ex/s with "
                  f"per-epoch evaluation; naive NumPy loop {naive / 1e3:5.0f} k ex/s")
        trainer = Trainer(scenario(name, 10))
        trainer.train(2)
        trainer.grid_outputs(100)
        grid = best_of(lambda t=trainer: [t.grid_outputs(100) for _ in range(20)]) / 20
        epoch = best_of(lambda t=trainer: t.train(20)) / 20
        print(f"  100x100 grid forward pass, all neurons: {grid * 1e3:.2f} ms "
              f"({ref['grid_ms'] / (grid * 1e3):.1f}x faster than Playground)")
        print(f"  whole epoch (train at batch 10, train+test loss, instrumentation): "
              f"{epoch * 1e3:.2f} ms ({ref['epoch_ms'] / (epoch * 1e3):.1f}x faster)\n")


if __name__ == "__main__":
    main()
