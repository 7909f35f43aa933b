"""Optimisers and learning-rate schedules against hand-computed values.

Every expected value is worked out here with plain Python floats from the formulas of
shared/reference.md §2 (torch.optim's documentation), never by calling the optimiser.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import numpy as np
import pytest

from nnviz.engine.config import OPTIMIZERS, OptimizerConfig, ScheduleConfig
from nnviz.engine.optimizers import OptimizerError, make_optimizer
from nnviz.engine.schedules import scheduled_lr

THETA0 = [1.0, -2.0]
GRADS = [[0.5, -1.0], [0.2, 0.4], [-0.3, 0.1]]
LR = 0.1


def run(cfg: OptimizerConfig, grads=GRADS, theta0=THETA0, lrs=None) -> list[list[float]]:
    """Apply the optimiser to theta0 with the given gradients; theta after each step."""
    opt = make_optimizer(len(theta0), cfg)
    theta = np.array(theta0, dtype=float)
    out = []
    for i, g in enumerate(grads):
        opt.step(theta, np.array(g, dtype=float), LR if lrs is None else lrs[i])
        out.append(theta.tolist())
    assert opt.t == len(grads)
    return out


def check(actual: list[list[float]], expected: list[list[float]], rel: float = 1e-12) -> None:
    assert len(actual) == len(expected)
    for a_row, e_row in zip(actual, expected, strict=True):
        for a, e in zip(a_row, e_row, strict=True):
            assert a == pytest.approx(e, rel=rel, abs=1e-15)


# ----------------------------------------------------------------------------- SGD
def test_sgd_plain():
    expected, th = [], list(THETA0)
    for g in GRADS:
        th = [t - LR * gi for t, gi in zip(th, g, strict=True)]
        expected.append(th)
    check(run(OptimizerConfig(name="sgd", lr=LR)), expected)
    # by hand, first coordinate: 1 - 0.1*0.5 = 0.95; - 0.1*0.2 = 0.93; + 0.03 = 0.96
    assert run(OptimizerConfig(name="sgd"))[-1][0] == pytest.approx(0.96)


def test_sgd_momentum_first_buffer_is_the_gradient():
    mu = 0.9
    # b1 = g1; b2 = mu*b1 + g2; b3 = mu*b2 + g3
    b1 = [0.5, -1.0]
    b2 = [mu * 0.5 + 0.2, mu * -1.0 + 0.4]
    b3 = [mu * b2[0] - 0.3, mu * b2[1] + 0.1]
    th1 = [1.0 - LR * b1[0], -2.0 - LR * b1[1]]
    th2 = [th1[0] - LR * b2[0], th1[1] - LR * b2[1]]
    th3 = [th2[0] - LR * b3[0], th2[1] - LR * b3[1]]
    check(run(OptimizerConfig(name="sgd", momentum=mu)), [th1, th2, th3])
    assert th2[0] == pytest.approx(1.0 - 0.05 - 0.1 * 0.65)


def test_sgd_dampening_applies_from_the_second_step():
    mu, tau = 0.9, 0.5
    b1 = [0.5, -1.0]  # torch: no dampening on the first step
    b2 = [mu * b1[0] + (1 - tau) * 0.2, mu * b1[1] + (1 - tau) * 0.4]
    b3 = [mu * b2[0] + (1 - tau) * -0.3, mu * b2[1] + (1 - tau) * 0.1]
    th, expected = list(THETA0), []
    for b in (b1, b2, b3):
        th = [th[0] - LR * b[0], th[1] - LR * b[1]]
        expected.append(th)
    check(run(OptimizerConfig(name="sgd", momentum=mu, dampening=tau)), expected)


def test_sgd_nesterov():
    mu = 0.9
    b1 = [0.5, -1.0]
    b2 = [mu * b1[0] + 0.2, mu * b1[1] + 0.4]
    b3 = [mu * b2[0] - 0.3, mu * b2[1] + 0.1]
    th, expected = list(THETA0), []
    for g, b in zip(GRADS, (b1, b2, b3), strict=True):
        d = [g[0] + mu * b[0], g[1] + mu * b[1]]  # g <- g + mu*b_t
        th = [th[0] - LR * d[0], th[1] - LR * d[1]]
        expected.append(th)
    check(run(OptimizerConfig(name="sgd", momentum=mu, nesterov=True)), expected)
    # first step: 1 - 0.1*(0.5 + 0.9*0.5) = 0.905
    assert expected[0][0] == pytest.approx(0.905)


@pytest.mark.parametrize("momentum, dampening", [(0.0, 0.0), (0.9, 0.1)])
def test_sgd_nesterov_needs_momentum_and_no_dampening(momentum, dampening):
    cfg = OptimizerConfig(name="sgd", momentum=momentum, dampening=dampening, nesterov=True)
    with pytest.raises(OptimizerError, match="Nesterov"):
        make_optimizer(2, cfg)


# -------------------------------------------------------------------------- Adagrad
def test_adagrad_lr_decay_accumulator_and_eps_outside_the_root():
    eta, s0, eps = 0.5, 0.25, 0.1  # a large eps makes "inside the root" visibly different
    cfg = OptimizerConfig(name="adagrad", lr_decay=eta, initial_accumulator_value=s0, eps=eps)
    s = [s0, s0]
    th, expected = list(THETA0), []
    for t, g in enumerate(GRADS, start=1):
        clr = LR / (1 + (t - 1) * eta)
        s = [s[i] + g[i] ** 2 for i in range(2)]
        th = [th[i] - clr * g[i] / (math.sqrt(s[i]) + eps) for i in range(2)]
        expected.append(th)
    check(run(cfg), expected)
    # first coordinate by hand: s = 0.25 + 0.25 = 0.5; 1 - 0.1*0.5/(0.70710678 + 0.1)
    assert expected[0][0] == pytest.approx(1 - 0.05 / (math.sqrt(0.5) + 0.1))
    inside = 1 - 0.05 / math.sqrt(0.5 + 0.1)
    assert run(cfg)[0][0] != pytest.approx(inside, rel=1e-6)


def test_adagrad_default_eps_is_1e_10():
    opt = make_optimizer(2, OptimizerConfig(name="adagrad"))
    assert opt.eps == 1e-10
    theta = np.array([1.0, -2.0])
    opt.step(theta, np.array([0.5, -1.0]), LR)
    # s = g^2, so the first step is lr * g / (|g| + 1e-10)
    assert theta[0] == pytest.approx(1.0 - LR * 0.5 / (0.5 + 1e-10), rel=1e-15)
    assert theta[1] == pytest.approx(-2.0 + LR * 1.0 / (1.0 + 1e-10), rel=1e-15)


# -------------------------------------------------------------------------- RMSprop
def _rmsprop_by_hand(alpha, eps, centered, mu):
    v, gbar, b = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    th, expected = list(THETA0), []
    for g in GRADS:
        new = []
        for i in range(2):
            v[i] = alpha * v[i] + (1 - alpha) * g[i] ** 2
            vt = v[i]
            if centered:
                gbar[i] = alpha * gbar[i] + (1 - alpha) * g[i]
                vt = v[i] - gbar[i] ** 2
            if mu > 0:
                b[i] = mu * b[i] + g[i] / (math.sqrt(vt) + eps)
                new.append(th[i] - LR * b[i])
            else:
                new.append(th[i] - LR * g[i] / (math.sqrt(vt) + eps))
        th = new
        expected.append(th)
    return expected


@pytest.mark.parametrize(
    "centered, momentum", [(False, 0.0), (True, 0.0), (False, 0.8), (True, 0.8)],
    ids=["plain", "centered", "momentum", "centered+momentum"],
)
def test_rmsprop(centered, momentum):
    alpha, eps = 0.9, 1e-3
    cfg = OptimizerConfig(name="rmsprop", alpha=alpha, eps=eps, centered=centered, momentum=momentum)
    check(run(cfg), _rmsprop_by_hand(alpha, eps, centered, momentum))


def test_rmsprop_defaults_first_step_by_hand():
    opt = make_optimizer(2, OptimizerConfig(name="rmsprop"))
    assert (opt.alpha, opt.eps) == (0.99, 1e-8)
    theta = np.array([1.0, -2.0])
    opt.step(theta, np.array([0.5, -1.0]), LR)
    # v = 0.01 * 0.25 = 0.0025, sqrt = 0.05: step = 0.1 * 0.5 / (0.05 + 1e-8)
    assert theta[0] == pytest.approx(1.0 - 0.05 / (0.05 + 1e-8), rel=1e-14)


# ----------------------------------------------------------------------------- Adam
def _adam_by_hand(b1, b2, eps, amsgrad, grads=GRADS):
    m, v, vmax = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    th, expected = list(THETA0), []
    for t, g in enumerate(grads, start=1):
        new = []
        for i in range(2):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            vmax[i] = max(vmax[i], v[i])
            m_hat = m[i] / (1 - b1**t)
            v_hat = (vmax[i] if amsgrad else v[i]) / (1 - b2**t)
            new.append(th[i] - LR * m_hat / (math.sqrt(v_hat) + eps))
        th = new
        expected.append(th)
    return expected


def test_adam_divides_by_the_bias_correction():
    check(run(OptimizerConfig(name="adam")), _adam_by_hand(0.9, 0.999, 1e-8, False), rel=1e-10)
    # With correction by division, the first step is lr * sign(g) (m̂/√v̂ = g/|g|), whatever
    # |g| is. Multiplying by (1-βᵗ) instead (ConvNetJS's bug) would give a step of
    # 0.1*0.1/sqrt(0.001) ≈ 0.316 * lr.
    first = run(OptimizerConfig(name="adam"))[0]
    assert first[0] == pytest.approx(1.0 - LR, rel=1e-7)
    assert first[1] == pytest.approx(-2.0 + LR, rel=1e-7)


def test_adam_custom_betas_and_eps():
    cfg = OptimizerConfig(name="adam", beta1=0.5, beta2=0.8, eps=0.01)
    check(run(cfg), _adam_by_hand(0.5, 0.8, 0.01, False), rel=1e-12)


def test_amsgrad_keeps_the_running_max_of_the_uncorrected_v():
    grads = [[1.0, -1.0], [0.01, 0.02], [0.01, -0.01]]  # v shrinks after the first step
    cfg = OptimizerConfig(name="adam", beta1=0.9, beta2=0.9, amsgrad=True)
    ams = run(cfg, grads=grads)
    check(ams, _adam_by_hand(0.9, 0.9, 1e-8, True, grads), rel=1e-12)
    plain = run(replace(cfg, amsgrad=False), grads=grads)
    check(plain, _adam_by_hand(0.9, 0.9, 1e-8, False, grads), rel=1e-12)
    assert ams[0] == plain[0]  # identical until v first decreases
    assert abs(ams[2][0] - plain[2][0]) > 1e-4


# ---------------------------------------------------------------------------- Newton
def test_newton_solves_a_quadratic_in_one_step():
    # f(x) = ½ xᵀAx − bᵀx, gradient Ax − b, Hessian A; minimum A⁻¹b
    A = [[3.0, 1.0], [1.0, 2.0]]
    b = [1.0, -1.0]
    x = [5.0, -3.0]
    g = [A[0][0] * x[0] + A[0][1] * x[1] - b[0], A[1][0] * x[0] + A[1][1] * x[1] - b[1]]
    opt = make_optimizer(2, OptimizerConfig(name="newton", damping=0.0))
    theta = np.array(x)
    opt.step(theta, np.array(g), 1.0, hessian=np.array(A))
    # A⁻¹ = (1/5)[[2, −1], [−1, 3]], so A⁻¹b = (1/5)(2 + 1, −1 − 3) = (0.6, −0.8)
    assert theta.tolist() == pytest.approx([0.6, -0.8], rel=1e-12)


def test_newton_damping_and_lr():
    A, g = np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0])
    opt = make_optimizer(2, OptimizerConfig(name="newton", damping=1.0))
    theta = np.zeros(2)
    opt.step(theta, g, 0.5, hessian=A)
    # (H + I)⁻¹ g = (1/3, 1/5), times lr 0.5
    assert theta.tolist() == pytest.approx([-1 / 6, -1 / 10], rel=1e-12)


def test_newton_without_a_hessian_is_refused():
    opt = make_optimizer(2, OptimizerConfig(name="newton"))
    with pytest.raises(OptimizerError, match="Hessian"):
        opt.step(np.zeros(2), np.ones(2), 1.0)


# ------------------------------------------------------------- live configuration
def test_configure_keeps_the_momentum_buffer():
    cfg = OptimizerConfig(name="sgd", momentum=0.9)
    opt = make_optimizer(2, cfg)
    theta = np.array(THETA0)
    for g in GRADS[:2]:
        opt.step(theta, np.array(g), LR)
    buf = opt.s_momentum_buffer.copy()
    assert buf.tolist() == pytest.approx([0.9 * 0.5 + 0.2, 0.9 * -1.0 + 0.4])
    before = theta.copy()
    opt.configure(replace(cfg, momentum=0.5, lr=0.3))
    np.testing.assert_array_equal(opt.s_momentum_buffer, buf)
    assert opt.t == 2
    opt.step(theta, np.array(GRADS[2]), 0.3)  # b3 = 0.5*b2 + g3 with the old b2
    b3 = [0.5 * buf[0] - 0.3, 0.5 * buf[1] + 0.1]
    assert theta.tolist() == pytest.approx([before[0] - 0.3 * b3[0], before[1] - 0.3 * b3[1]])


def test_configure_keeps_adam_moments_and_step_count():
    cfg = OptimizerConfig(name="adam")
    opt = make_optimizer(2, cfg)
    theta = np.array(THETA0)
    opt.step(theta, np.array(GRADS[0]), LR)
    m, v = opt.s_exp_avg.copy(), opt.s_exp_avg_sq.copy()
    opt.configure(replace(cfg, beta1=0.5, beta2=0.9))
    assert opt.t == 1 and (opt.beta1, opt.beta2) == (0.5, 0.9)
    np.testing.assert_array_equal(opt.s_exp_avg, m)
    np.testing.assert_array_equal(opt.s_exp_avg_sq, v)
    opt.step(theta, np.array(GRADS[1]), LR)
    assert opt.s_exp_avg[0] == pytest.approx(0.5 * m[0] + 0.5 * 0.2)
    assert opt.s_exp_avg_sq[0] == pytest.approx(0.9 * v[0] + 0.1 * 0.04)


def test_state_arrays_round_trip():
    cfg = OptimizerConfig(name="rmsprop", centered=True, momentum=0.5)
    a = make_optimizer(2, cfg)
    ta = np.array(THETA0)
    a.step(ta, np.array(GRADS[0]), LR)
    b = make_optimizer(2, cfg)
    b.load_state(a.t, copy.deepcopy(a.state_arrays()))
    tb = ta.copy()
    for g in GRADS[1:]:
        a.step(ta, np.array(g), LR)
        b.step(tb, np.array(g), LR)
    np.testing.assert_array_equal(ta, tb)
    assert set(a.state_arrays()) == {"s_square_avg", "s_grad_avg", "s_momentum_buffer"}


def test_make_optimizer_rejects_unknown_names():
    with pytest.raises(OptimizerError, match="unknown optimizer 'lbfgs'") as info:
        make_optimizer(2, OptimizerConfig(name="lbfgs"))
    assert all(name in str(info.value) for name in OPTIMIZERS)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_works_on_matrices_and_keeps_the_shape(name):
    opt = make_optimizer((2, 3), OptimizerConfig(name=name, momentum=0.5 if name == "sgd" else 0.0))
    theta = np.ones((2, 3))
    hess = np.eye(6) if name == "newton" else None
    opt.step(theta, np.full((2, 3), 0.5), 0.1, hess)
    assert theta.shape == (2, 3) and np.all(theta < 1.0)


# ------------------------------------------------------------------------ schedules
@pytest.mark.parametrize(
    "cfg, epochs_and_values",
    [
        (ScheduleConfig(name="constant"), [(0, 0.2), (7, 0.2), (1000, 0.2)]),
        (ScheduleConfig(name="step", step_size=10, gamma=0.5), [(0, 0.2), (9, 0.2), (10, 0.1), (25, 0.05)]),
        (ScheduleConfig(name="inverse_time", k=0.5), [(0, 0.2), (2, 0.1), (4, 0.2 / 3)]),
        (ScheduleConfig(name="exponential", gamma=0.9), [(0, 0.2), (1, 0.18), (2, 0.2 * 0.81)]),
        (
            ScheduleConfig(name="cosine", t_max=10, lr_min=0.02),
            [(0, 0.2), (5, 0.11), (10, 0.02), (30, 0.02),
             (2, 0.02 + 0.18 * 0.5 * (1 + math.cos(math.pi * 0.2)))],
        ),
    ],
    ids=["constant", "step", "inverse_time", "exponential", "cosine"],
)
def test_schedule_values(cfg, epochs_and_values):
    for epoch, value in epochs_and_values:
        assert scheduled_lr(0.2, cfg, epoch) == pytest.approx(value, rel=1e-12), epoch


def test_unknown_schedule_is_refused():
    with pytest.raises(ValueError, match="unknown schedule"):
        scheduled_lr(0.1, ScheduleConfig(name="warmup"), 3)
