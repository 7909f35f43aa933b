"""Every built-in lesson loads, trains headless in well under 30 s, and shows its claim.

The claims are the lesson's point stated as numbers: if a change to the engine or to a
lesson file stops a lesson from teaching what its caption says, a test here fails.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from nnviz.data import transform_features
from nnviz.engine import DIVERGED, STOPPED_EARLY, Trainer
from nnviz.engine.landscape import closed_form_least_squares
from nnviz.engine.race import Race, default_racers
from nnviz.engine.testfunctions import get_test_function
from nnviz.lessons import find_lesson, list_lessons, load_lesson, variant_paths
from nnviz.scenario import load_scenario

SECONDS_PER_LESSON = 30.0


def trained(name: str, epochs: int | None = None, record_steps: bool = False) -> Trainer:
    """Load a lesson or variant by name and train it for its own number of epochs."""
    scenario = load_lesson(name)
    trainer = Trainer(scenario)
    trainer.record_steps = record_steps
    start = time.perf_counter()
    trainer.train(scenario.training.epochs if epochs is None else epochs)
    assert time.perf_counter() - start < SECONDS_PER_LESSON
    return trainer


def acc(trainer: Trainer) -> float:
    return trainer.current_stats.acc_test


def gap(trainer: Trainer) -> float:
    stats = trainer.current_stats
    return stats.loss_test - stats.loss_train


def truth_table(trainer: Trainer) -> np.ndarray:
    points = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    return (trainer.predict(transform_features(points, trainer.dataset.features))[:, 0] > 0.5).astype(int)


def test_there_are_sixteen_lessons_and_every_one_and_its_variants_load():
    lessons = [entry for entry in list_lessons() if entry.builtin]
    assert len(lessons) == 16
    for entry in lessons:
        scenario = load_scenario(entry.path)
        assert scenario.lesson.title and scenario.lesson.caption and scenario.lesson.panels
        for path in variant_paths(scenario, entry.path):
            Trainer(load_scenario(path))  # builds


def test_01_gradient_descent_reaches_the_closed_form():
    trainer = trained("linear-regression")
    w, b = closed_form_least_squares(trainer.dataset.X_train, trainer.dataset.y_train)
    assert trainer.net.W(0)[0, 0] == pytest.approx(float(np.ravel(w)[0]), abs=1e-3)
    assert trainer.net.b(0)[0] == pytest.approx(float(np.ravel(b)[0]), abs=1e-3)
    start = trainer.initial_theta
    assert abs(start[0] - float(np.ravel(w)[0])) > 1.0  # it starts far away


def test_02_logistic_regression_is_one_neuron_that_separates_two_gaussians():
    trainer = trained("logistic-regression")
    assert trainer.net.n_params == 3 and trainer.net.sizes == [2, 1]
    assert acc(trainer) > 0.97
    w = trainer.net.W(0)[:, 0]
    assert w[0] > 0 and w[1] > 0  # points from class 0 at (-2,-2) to class 1 at (2,2)


def test_03_xor_needs_a_hidden_layer():
    assert acc(trained("xor")) > 0.95
    assert acc(trained("xor-perceptron")) < 0.80


def test_04_hand_set_gates_compute_their_truth_tables_without_training():
    assert truth_table(trained("logic-gates")).tolist() == [1, 0, 0, 1]  # XNOR
    assert truth_table(trained("gate-and")).tolist() == [0, 0, 0, 1]
    assert truth_table(trained("gate-or")).tolist() == [0, 1, 1, 1]
    assert truth_table(trained("gate-nand")).tolist() == [1, 1, 1, 0]


def test_05_a_deep_linear_network_still_draws_a_straight_line():
    linear = trained("linear-collapse")
    assert acc(linear) < 0.75
    grid = linear.grid_outputs(30)
    xs, ys = np.meshgrid(grid.xs, grid.ys)
    p = np.clip(grid.output[..., 0], 1e-12, 1 - 1e-12)
    logit = np.log(p / (1 - p))
    design = np.column_stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    coef, residual, *_ = np.linalg.lstsq(design, logit.ravel(), rcond=None)
    assert float(residual[0]) < 1e-12 * max(1.0, float(np.sum(logit**2)))  # the logit is affine
    assert acc(trained("collapse-tanh")) > 0.95


def test_06_large_sigmoid_weights_start_saturated_and_learn_slower_than_relu():
    assert Trainer(load_lesson("activations")).initial_stats.layers[0].saturation > 0.4
    sigmoid, relu = trained("activations"), trained("activations-relu")
    assert relu.current_stats.loss_train < sigmoid.current_stats.loss_train / 5
    assert acc(relu) > 0.9


def test_07_backprop_example_reproduces_the_slide():
    trainer = Trainer(load_lesson("backprop"))
    hidden, out = trainer.layer_outputs()
    assert trainer.dataset.X_train[0].tolist() == [0.05, 0.10]
    # the slide cuts its numbers to two decimals
    assert [math.floor(v * 100) / 100 for v in hidden[0]] == [0.50, 0.51]
    assert math.floor(out[0, 0] * 100) / 100 == 0.59
    error = 0.5 * (0.1 - out[0, 0]) ** 2
    assert math.floor(error * 100) / 100 == 0.12
    trainer.train(1)
    assert trainer.current_stats.loss_train < error  # one update lowers the error


def test_08_learning_rate_too_small_right_too_large_and_divergence():
    right = trained("learning-rate").current_stats.loss_train
    small = trained("lr-too-small").current_stats.loss_train
    large = trained("lr-too-large")
    assert right < 0.1 < 0.5 < small
    assert large.current_stats.loss_train > 5 * right
    assert trained("lr-diverges").status == DIVERGED


def test_09_mini_batches_beat_full_batch_and_are_less_noisy_than_single_examples():
    mini = trained("batch-size", record_steps=True)
    full = trained("batch-full")
    one = trained("batch-one", record_steps=True)
    assert mini.current_stats.loss_train < full.current_stats.loss_train
    steps_one = np.array([s.batch_loss for s in one.step_log])[-500:]
    steps_mini = np.array([s.batch_loss for s in mini.step_log])[-500:]
    assert np.std(np.diff(steps_one)) > 2 * np.std(np.diff(steps_mini))


def test_10_momentum_beats_gradient_descent_on_the_canyon_and_newton_jumps_to_the_bottom():
    scenario = load_lesson("optimisers")
    function = get_test_function(scenario.lesson.race)
    race = Race(function, function.start, default_racers(scenario.lesson.race))
    race.step(100)
    loss = {r.label: r.losses[-1] for r in race.racers}
    gd = next(v for k, v in loss.items() if k.lower().startswith("gd"))
    momentum = next(v for k, v in loss.items() if k.lower().startswith("momentum"))
    newton = next(v for k, v in loss.items() if k.lower().startswith("newton"))
    assert momentum < gd / 10
    assert newton < 1e-12


def test_11_zero_initialisation_keeps_hidden_units_identical():
    zeros = trained("initialisation")
    for layer in range(2):
        W = zeros.net.W(layer)
        assert np.ptp(W, axis=1).max() == 0.0  # every unit has the same incoming weights
    assert acc(zeros) < 0.7
    assert acc(trained("init-xavier")) > 0.95
    assert acc(trained("init-he")) > 0.95
    assert acc(trained("init-too-small")) < 0.7
    large = Trainer(load_lesson("init-too-large"))
    assert large.initial_stats.layers[0].saturation > 0.5


def test_12_deep_sigmoid_first_layer_gradient_is_orders_of_magnitude_below_the_last():
    sigmoid = Trainer(load_lesson("vanishing-gradients"))
    layers = sigmoid.initial_stats.layers
    assert layers[0].grad_norm < 1e-6 * layers[-1].grad_norm
    relu = Trainer(load_lesson("vanishing-relu"))
    assert relu.initial_stats.layers[0].grad_norm > 1e-2 * relu.initial_stats.layers[-1].grad_norm
    assert acc(trained("vanishing-relu")) > 0.95
    assert acc(trained("vanishing-gradients")) < 0.7


def test_13_overfitting_gap_and_its_remedies():
    plain = trained("overfitting")
    assert plain.current_stats.loss_train < 0.1 and gap(plain) > 1.0
    for remedy in ("overfit-l2", "overfit-l1", "overfit-dropout"):
        assert gap(trained(remedy)) < 0.5, remedy
    early = trained("overfit-early-stopping")
    assert early.status == STOPPED_EARLY and early.epoch < 600
    assert early.current_stats.loss_test < plain.current_stats.loss_test


def test_14_softmax_separates_four_classes():
    trainer = trained("softmax")
    assert trainer.net.head.output == "softmax" and trainer.net.sizes[-1] == 4
    assert acc(trainer) > 0.95
    probabilities = trainer.predict(trainer.dataset.X_test)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_15_the_last_hidden_layer_makes_the_classes_linearly_separable():
    trainer = trained("representation")
    hidden = trainer.layer_outputs()[-2]  # the two-unit layer, over the training set
    assert hidden.shape[1] == 2
    design = np.column_stack([hidden, np.ones(len(hidden))])
    target = 2.0 * trainer.dataset.y_train - 1.0
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    assert np.mean(np.sign(design @ coef) == target) > 0.95  # a straight line in hidden space
    raw = np.column_stack([trainer.dataset.X_train, np.ones(trainer.n_train)])
    coef_raw, *_ = np.linalg.lstsq(raw, target, rcond=None)
    assert np.mean(np.sign(raw @ coef_raw) == target) < 0.75  # but not in the input plane


def test_16_hand_made_features_against_learned_ones():
    assert acc(trained("features")) > 0.97
    assert acc(trained("features-raw")) < 0.75
    assert acc(trained("features-learned")) > 0.95


def test_find_lesson_accepts_names_with_or_without_numbers():
    assert find_lesson("03-xor") == find_lesson("xor")
    assert find_lesson("xor-perceptron").parent.name == "variants"
