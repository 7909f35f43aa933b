"""1-D regression sets: y as a function of one input x.

They are small on purpose (30 points by default) so a wide network visibly
overfits the noise, the classic under/overfitting lesson. Points are (n, 1).
Noise is Gaussian with standard deviation noise * (the curve's scale): 1 for the
sine, 2 for the cubic; noise 0 gives the exact curve.
"""

from __future__ import annotations

import numpy as np

from .raw import RawData, data_extent

CURVE_N = 30


def _curve(x: np.ndarray, clean: np.ndarray, scale: float, noise: float,
           rng: np.random.Generator) -> RawData:
    y = clean + noise * scale * rng.standard_normal(x.shape[0])
    return RawData(
        points=x[:, None].astype(np.float64),
        labels=y.astype(np.float64),
        task="regression",
        n_classes=0,
        extent=data_extent(x, y),
    )


def sine(
    rng: np.random.Generator, *, n: int = CURVE_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """y = sin(x) for x ~ U(-3, 3) (about one period), sorted by x."""
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    return _curve(x, np.sin(x), 1.0, noise, rng)


def poly(
    rng: np.random.Generator, *, n: int = CURVE_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """The cubic y = 0.5 x^3 - 2 x for x ~ U(-2.5, 2.5), sorted by x.

    It has two turning points (at x = +-1.15) inside the range, so a straight line
    underfits and a quadratic is not enough either.
    """
    x = np.sort(rng.uniform(-2.5, 2.5, n))
    return _curve(x, 0.5 * x**3 - 2.0 * x, 2.0, noise, rng)


def line(
    rng: np.random.Generator, *, n: int = CURVE_N, noise: float = 0.0, classes: int = 2
) -> RawData:
    """y = 0.8 x + 0.5 for x ~ U(-3, 3), sorted by x: linear regression's data.

    With one input the model y = w x + b has exactly two parameters, so its loss
    surface over (w, b) is exact and its least-squares optimum has a closed form.
    """
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    return _curve(x, 0.8 * x + 0.5, 1.0, noise, rng)
