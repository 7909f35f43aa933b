"""Tests for nnviz.scenario: reading, checking and writing scenario TOML files."""

from __future__ import annotations

import copy
import math
import os
import random
import re
import stat
import tomllib
from pathlib import Path

import pytest

from nnviz import atomicfile
from nnviz.engine.config import (
    ACTIVATIONS,
    DATASETS,
    FEATURES,
    INITIALIZERS,
    OPTIMIZERS,
    SCHEDULES,
    DataConfig,
    EarlyStoppingConfig,
    FreezeConfig,
    InitConfig,
    LayerParams,
    LessonInfo,
    ModelConfig,
    OptimizerConfig,
    Scenario,
    ScheduleConfig,
    TrainingConfig,
)
from nnviz.scenario import (
    ScenarioError,
    dumps_scenario,
    load_scenario,
    parse_scenario,
    save_scenario,
    scenario_from_dict,
    scenario_to_dict,
    validate,
)
from nnviz.scenario.schema import tables
from nnviz.scenario.suggest import suggest
from nnviz.scenario.toml_writer import dumps_toml

DOCS = Path(__file__).resolve().parent.parent / "docs" / "scenario.md"

AND_TOML = """
[lesson]
title = "AND from one neuron"
caption = "..."
[data]
dataset = "gate-and"
[model]
hidden = []
output = "sigmoid"
loss = "bce"
[[model.initial_params]]
layer = 0
W = [[20.0], [20.0]]
b = [-30.0]
[training]
epochs = 0
"""


def error_of(text: str) -> str:
    """The message parse_scenario raises for `text` (the test fails if it raises none)."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text)
    return str(info.value)


# -- defaults ---------------------------------------------------------------------------


def test_empty_text_is_the_default_scenario():
    assert parse_scenario("") == Scenario()


def test_missing_keys_take_the_defaults():
    s = parse_scenario("[training.optimizer]\nname = 'adam'\n")
    assert s.training.optimizer.name == "adam"
    assert s.training.optimizer.lr == OptimizerConfig().lr
    assert s.training.schedule == ScheduleConfig()
    assert s.data == DataConfig()
    assert s.model == ModelConfig()
    assert s.lesson == LessonInfo()


def test_and_gate_example_loads():
    s = parse_scenario(AND_TOML)
    assert s.lesson.title == "AND from one neuron"
    assert s.data.dataset == "gate-and"
    assert s.model.hidden == []
    assert (s.model.output, s.model.loss) == ("sigmoid", "bce")
    assert s.model.initial_params == [LayerParams(layer=0, W=[[20.0], [20.0]], b=[-30.0])]
    assert s.training.epochs == 0


def test_ints_are_widened_where_floats_are_expected():
    s = parse_scenario(
        "[training]\ndropout = [0, 1e-1]\n[training.optimizer]\nlr = 1\n"
        "[model]\nhidden = [2, 1]\n[[model.initial_params]]\nlayer = 1\nW = [[1], [2]]\nb = [0]\n"
    )
    assert type(s.training.optimizer.lr) is float
    assert all(type(v) is float for v in s.training.dropout)
    assert type(s.model.initial_params[0].W[0][0]) is float
    assert type(s.model.initial_params[0].b[0]) is float
    # ...but ints stay ints where the field may be an int
    s = parse_scenario("[training]\nbatch_size = 5\n[data]\ncsv_label_column = 2\n")
    assert type(s.training.batch_size) is int
    assert type(s.data.csv_label_column) is int


def test_from_dict_does_not_alias_the_input_lists():
    d = {"model": {"hidden": [3]}, "data": {"features": ["x1"]}}
    assert scenario_from_dict(d).data.features == ["x1"]
    s = scenario_from_dict(d)
    d["model"]["hidden"].append(5)
    d["data"]["features"].append("x2")
    assert s.model.hidden == [3]
    assert s.data.features == ["x1"]


def test_to_dict_is_independent_of_the_scenario():
    s = parse_scenario(AND_TOML)
    d = scenario_to_dict(s)
    d["model"]["initial_params"][0]["W"][0][0] = 99.0
    assert s.model.initial_params[0].W[0][0] == 20.0


# -- round trips ------------------------------------------------------------------------


def _variants() -> list[Scenario]:
    """Hand-picked scenarios that exercise every kind of value the writer must handle."""
    and_gate = parse_scenario(AND_TOML)
    per_layer = Scenario(
        data=DataConfig(dataset="spiral", n=400, noise=0.25, train_fraction=0.8, seed=7,
                        features=list(FEATURES)[::-1]),
        model=ModelConfig(
            hidden=[8, 8, 3], activation=["relu", "leaky_relu", "elu"], leaky_slope=0.2,
            elu_alpha=0.5, output="tanh", loss="mse",
            init=InitConfig(name="uniform", gain=2.0, bias=0.1, low=-1.0, high=2.5),
            initial_params=[LayerParams(layer=1, W=[[0.5] * 8 for _ in range(8)]),
                            LayerParams(layer=3, b=[0.25])],
            freeze=FreezeConfig(biases=True, layers=[0, 3], weights=[1]),
        ),
        training=TrainingConfig(
            optimizer=OptimizerConfig(name="sgd", lr=0.5, momentum=0.9, nesterov=True),
            schedule=ScheduleConfig(name="cosine", t_max=50, lr_min=1e-5),
            batch_size="full", shuffle=False, epochs=1_000_000, l1=1e-3, l2=0.0,
            dropout=[0.1, 0.0, 0.5],
            early_stopping=EarlyStoppingConfig(enabled=True, patience=3, min_delta=1e-9),
            seed=12345, trajectory_every=5, trajectory_capacity=10,
        ),
    )
    adam = Scenario(
        data=DataConfig(dataset="csv", csv_path="data/points.csv", csv_label_column="label"),
        model=ModelConfig(hidden=[], output="softmax", loss="ce"),
        training=TrainingConfig(
            optimizer=OptimizerConfig(name="adam", lr=100, beta1=0.0, beta2=0.5, eps=1e-12,
                                      amsgrad=True),
            schedule=ScheduleConfig(name="step", step_size=1, gamma=1.0),
        ),
    )
    tricky_text = Scenario(
        lesson=LessonInfo(
            title='Quotes " and \\ backslashes \\n (not a newline)',
            caption="Line 1\nLine 2\ttabbed\r\n\x07bell \x7f del \x00 nul — Ünïcødé σ(z) ✓",
            panels=["loss-surface", "weights"],
            hidden_controls=["optimizer", ""],
        ),
    )
    blobs = Scenario(
        data=DataConfig(dataset="blobs", classes=10, n=4, noise=1.0),
        model=ModelConfig(hidden=[256] * 32, activation="softplus", output="softmax",
                          loss="auto", init=InitConfig(name="normal", std=1e-300)),
        training=TrainingConfig(
            optimizer=OptimizerConfig(name="newton", lr=1e-6, damping=0.0),
            schedule=ScheduleConfig(name="inverse_time", k=0.0),
            dropout=0.99, batch_size=1, epochs=0,
        ),
    )
    gates = Scenario(data=DataConfig(dataset="gate-xor", train_fraction=1.0),
                     model=ModelConfig(hidden=[2], activation="sigmoid"))
    weird_floats = Scenario(
        model=ModelConfig(
            hidden=[2],
            initial_params=[LayerParams(layer=0, W=[[1e300, -1e-300], [5e-324, -0.0]],
                                        b=[0.1 + 0.2, 1 / 3])],
        ),
        training=TrainingConfig(optimizer=OptimizerConfig(
            name="rmsprop", alpha=0.5, centered=True, momentum=0.5, lr_decay=2.0,
            initial_accumulator_value=0.1)),
    )
    return [Scenario(), and_gate, per_layer, adam, tricky_text, blobs, gates, weird_floats]


def _random_scenario(rng: random.Random) -> Scenario:
    """A random valid scenario: random choices within every documented range."""
    # widths kept small so the hand-set weight matrices stay quick to write and read
    hidden = [rng.choice([1, 2, 3, 8, 13]) for _ in range(rng.randint(0, 5))]
    output, loss = rng.choice([("auto", "auto"), ("sigmoid", "bce"), ("softmax", "ce"),
                               ("linear", "mse"), ("tanh", "auto"), ("auto", "mse")])
    momentum = rng.choice([0.0, rng.uniform(0.01, 0.99)])
    params = []
    for layer in rng.sample(range(len(hidden) + 1), rng.randint(0, len(hidden) + 1)):
        fan_in = hidden[layer - 1] if layer > 0 else rng.randint(1, 7)
        fan_out = hidden[layer] if layer < len(hidden) else rng.randint(1, 3)
        W = [[rng.uniform(-5, 5) for _ in range(fan_out)] for _ in range(fan_in)]
        b = [rng.uniform(-5, 5) for _ in range(fan_out)]
        params.append(LayerParams(layer=layer, W=rng.choice([W, None]), b=rng.choice([b, None])))
    return Scenario(
        data=DataConfig(
            dataset=rng.choice([d for d in DATASETS if d != "csv"]),
            n=rng.choice([None, rng.randint(4, 5000)]),
            noise=rng.random(), train_fraction=rng.uniform(0.01, 0.99),
            seed=rng.randint(0, 2**63 - 1),
            features=rng.choice([None, rng.sample(list(FEATURES), rng.randint(1, 7))]),
            classes=rng.randint(2, 10),
            csv_path=rng.choice([None, "a b/ü.csv"]),
            csv_label_column=rng.choice([-1, 0, "y"]),
        ),
        model=ModelConfig(
            hidden=hidden,
            activation=rng.choice([rng.choice(ACTIVATIONS),
                                   [rng.choice(ACTIVATIONS) for _ in hidden]]),
            leaky_slope=rng.uniform(0, 1), elu_alpha=rng.uniform(0, 3),
            output=output, loss=loss,
            init=InitConfig(name=rng.choice(INITIALIZERS), gain=rng.uniform(0.1, 3),
                            bias=rng.uniform(-1, 1), std=rng.uniform(1e-3, 1),
                            low=-rng.random(), high=rng.random() + 1e-3, value=rng.random()),
            initial_params=params,
            freeze=FreezeConfig(biases=rng.random() < 0.5,
                                layers=[rng.randint(0, len(hidden))],
                                weights=[]),
        ),
        training=TrainingConfig(
            optimizer=OptimizerConfig(
                name=rng.choice(OPTIMIZERS), lr=rng.uniform(1e-6, 100), momentum=momentum,
                dampening=0.0 if momentum else rng.random(),
                nesterov=bool(momentum) and rng.random() < 0.5,
                lr_decay=rng.random(), alpha=rng.uniform(0.01, 0.99),
                beta1=rng.random() * 0.999, beta2=rng.random() * 0.999,
                eps=rng.choice([None, 1e-8]), amsgrad=rng.random() < 0.5,
            ),
            schedule=ScheduleConfig(name=rng.choice(SCHEDULES), step_size=rng.randint(1, 99),
                                    gamma=rng.uniform(0.01, 1), k=rng.random(),
                                    t_max=rng.randint(1, 999), lr_min=rng.random()),
            batch_size=rng.choice(["full", rng.randint(1, 512)]),
            shuffle=rng.random() < 0.5, epochs=rng.randint(0, 10**6),
            l1=rng.random(), l2=rng.random(),
            dropout=rng.choice([rng.random() * 0.9, [rng.random() * 0.9 for _ in hidden]]),
            early_stopping=EarlyStoppingConfig(enabled=rng.random() < 0.5,
                                               patience=rng.randint(1, 50),
                                               min_delta=rng.random()),
            seed=rng.randint(0, 10**9), trajectory_every=rng.randint(1, 10),
            trajectory_capacity=rng.randint(10, 10**5),
        ),
        lesson=rng.choice([LessonInfo(), LessonInfo(title="T", caption="a\nb", panels=["x"])]),
    )


@pytest.mark.parametrize("index", range(len(_variants())))
def test_round_trip_of_hand_picked_variants(index):
    s = _variants()[index]
    validate(s)
    text = dumps_scenario(s)
    assert parse_scenario(text) == s
    assert scenario_from_dict(scenario_to_dict(s)) == s
    assert dumps_scenario(parse_scenario(text)) == text  # writing is stable


def test_round_trip_of_random_variants():
    rng = random.Random(20240611)
    for _ in range(300):
        s = _random_scenario(rng)
        validate(s)
        assert parse_scenario(dumps_scenario(s)) == s


def test_round_trip_through_a_file(tmp_path):
    for i, s in enumerate(_variants()):
        path = tmp_path / f"s{i}.toml"
        save_scenario(s, path)
        loaded = load_scenario(path)
        if s.data.csv_path:  # made absolute on load; see the csv tests
            loaded.data.csv_path = s.data.csv_path
        assert loaded == s


def test_none_fields_are_omitted_and_load_back_as_none():
    s = Scenario(model=ModelConfig(hidden=[2], initial_params=[LayerParams(layer=0, b=[1, 2])]))
    text = dumps_scenario(s)
    doc = tomllib.loads(text)
    assert not {"n", "csv_path", "features"} & set(doc["data"])
    assert "eps" not in doc["training"]["optimizer"]
    assert "W" not in doc["model"]["initial_params"][0]
    back = parse_scenario(text)
    assert back.data.n is None and back.data.csv_path is None and back.data.features is None
    assert back.training.optimizer.eps is None
    assert back.model.initial_params[0].W is None


def test_default_lesson_is_left_out_but_a_real_one_is_written_first():
    assert "lesson" not in scenario_to_dict(Scenario())
    assert "[lesson]" not in dumps_scenario(Scenario())
    d = scenario_to_dict(parse_scenario(AND_TOML))
    assert list(d) == ["lesson", "data", "model", "training"]


def test_numpy_weights_are_written_as_plain_lists():
    np = pytest.importorskip("numpy")
    s = Scenario(model=ModelConfig(hidden=[2], initial_params=[
        LayerParams(layer=0, W=np.array([[0.14, 0.24], [0.19, 0.29]]), b=np.zeros(2)),
        LayerParams(layer=1, W=np.array([[np.float64(0.35)], [np.float32(0.5)]])),
    ]))
    validate(s)
    text = dumps_scenario(s)
    assert "np." not in text and "array" not in text
    back = parse_scenario(text)
    assert back.model.initial_params[0].W == [[0.14, 0.24], [0.19, 0.29]]
    assert back.model.initial_params[0].b == [0.0, 0.0]
    assert back.model.initial_params[1].W == [[0.35], [0.5]]


def test_dumps_refuses_an_invalid_scenario():
    s = Scenario()
    s.training.optimizer.lr = -1.0
    with pytest.raises(ScenarioError, match=r"training\.optimizer\.lr"):
        dumps_scenario(s)


# -- the TOML writer --------------------------------------------------------------------


def test_writer_handles_every_kind_of_value():
    doc = {
        "top": 1,
        "s": 'a "q" \\ \n\t\r\b\f \x00\x1f\x7f é ✓',
        "i": -(2**63),
        "big": 2**63 - 1,
        "f": [0.1, -0.0, 1e300, 5e-324, 1e16, 3.0],
        "b": [True, False],
        "nested": [[1, 2], [], [[3.5]]],
        "mixed": [1, "two", [3.0], {"k": "v"}],
        "empty": [],
        "inline": [{}, {"a": 1, "b": [1, 2]}],
        "weird key": {"also.weird": 1, "": 2, "ünï": 3},
        "t": {"x": 1, "sub": {"y": [1], "deeper": {"z": "w"}}, "after": 2},
        "arr": [{"a": 1, "inner": {"b": 2}, "rows": [{"c": 3}, {"c": 4}]}, {"a": 5}],
    }
    assert tomllib.loads(dumps_toml(doc)) == doc


def test_writer_inf_and_nan():
    back = tomllib.loads(dumps_toml({"a": math.inf, "b": -math.inf, "c": math.nan}))
    assert back["a"] == math.inf and back["b"] == -math.inf and math.isnan(back["c"])


def test_writer_writes_floats_as_floats():
    back = tomllib.loads(dumps_toml({"x": 1.0, "y": 1e20}))
    assert type(back["x"]) is float and type(back["y"]) is float


def test_writer_refuses_what_toml_cannot_hold():
    with pytest.raises(TypeError, match="null"):
        dumps_toml({"a": None})
    with pytest.raises(TypeError):
        dumps_toml({"a": object()})
    with pytest.raises(TypeError):
        dumps_toml({1: "a"})
    with pytest.raises(ValueError, match="64-bit"):
        dumps_toml({"a": 2**63})


# -- validation messages ----------------------------------------------------------------

CASES = [
    # (TOML text, substrings the message must contain)
    # [data]
    ('[data]\ndataset = "circel"', ["data.dataset", "'circel'", "spiral", "did you mean 'circle'"]),
    ('[data]\ndataset = "and"', ["data.dataset", "did you mean 'gate-and'"]),
    ("[data]\nn = 3", ["data.n", "3 must be >= 4"]),
    ("[data]\nn = 5.5", ["data.n", "5.5 must be an integer >= 4"]),
    ("[data]\nnoise = 1.5", ["data.noise", "1.5 must be >= 0 and <= 1"]),
    ("[data]\nnoise = -0.1", ["data.noise", ">= 0 and <= 1"]),
    ("[data]\nnoise = nan", ["data.noise", "nan must be a finite number"]),
    ('[data]\nnoise = "0.1"', ["data.noise", "write 0.1 without quotes"]),
    ("[data]\ntrain_fraction = 1.0", ["data.train_fraction", "1.0 must be > 0 and < 1"]),
    ("[data]\ntrain_fraction = 0", ["data.train_fraction", "> 0 and < 1"]),
    ("[data]\nseed = -1", ["data.seed", "-1 must be >= 0"]),
    ("[data]\nfeatures = []", ["data.features", "at least one of", "sin_x1"]),
    ('[data]\nfeatures = "x1"', ["data.features", "must be a list"]),
    ('[data]\nfeatures = ["x1", "x1"]', ["data.features", "'x1' is listed twice"]),
    ('[data]\nfeatures = ["x1", "X2"]', ["data.features[1]", "'X2'", "did you mean 'x2'"]),
    ('[data]\nfeatures = ["x3"]', ["data.features[0]", "'x3' is not one of x1, x2, x1^2"]),
    ('[data]\nfeatures = ["sin(x2)"]', ["data.features[0]", "did you mean 'sin_x2'"]),
    ("[data]\nclasses = 1", ["data.classes", "1 must be >= 2 and <= 10"]),
    ("[data]\nclasses = 11", ["data.classes", "<= 10"]),
    ('[data]\ndataset = "csv"', ["data.csv_path", "required", "dataset = 'csv'"]),
    ("[data]\ncsv_path = 3", ["data.csv_path", "3 must be a string"]),
    ("[data]\ncsv_label_column = 1.5", ["data.csv_label_column", "column index"]),
    ("[data]\ncsv_label_column = true", ["data.csv_label_column", "column name"]),
    # [model]
    ('[model]\nactivation = "tanhh"',
     ["model.activation: 'tanhh' is not one of linear, sigmoid, tanh, relu, leaky_relu, "
      "softplus, elu (did you mean 'tanh'?)"]),
    ('[model]\nactivation = "ReLU"', ["model.activation", "did you mean 'relu'"]),
    ('[model]\nactivation = ["relu"]', ["model.activation", "1 name", "2 layers"]),
    ('[model]\nactivation = ["relu", "sigmoidd"]',
     ["model.activation[1]", "did you mean 'sigmoid'"]),
    ("[model]\nactivation = 3", ["model.activation", "or a list"]),
    ("[model]\nhidden = 4", ["model.hidden", "must be a list"]),
    ("[model]\nhidden = [4, 0]", ["model.hidden[1]", "0 must be >= 1 and <= 256"]),
    ("[model]\nhidden = [257]", ["model.hidden[0]", "<= 256"]),
    ("[model]\nhidden = [2.0]", ["model.hidden[0]", "2.0 must be an integer"]),
    ("[model]\nhidden = [true]", ["model.hidden[0]", "true must be an integer"]),
    (f"[model]\nhidden = {[1] * 33}", ["model.hidden", "33 layers", "at most 32"]),
    ("[model]\nleaky_slope = inf", ["model.leaky_slope", "finite"]),
    ('[model]\noutput = "softmaxx"', ["model.output", "did you mean 'softmax'"]),
    ('[model]\nloss = "cross_entropy"', ["model.loss", "did you mean 'ce'"]),
    ('[model]\nloss = "binary_crossentropy"', ["model.loss", "did you mean 'bce'"]),
    ('[model]\noutput = "softmax"\nloss = "bce"',
     ["model.loss", "'bce' needs model.output 'sigmoid'", "'softmax'", "use loss 'ce'"]),
    ('[model]\noutput = "sigmoid"\nloss = "ce"', ["model.loss", "'ce' needs", "'softmax'"]),
    ('[model]\noutput = "softmax"\nloss = "mse"',
     ["model.loss", "'mse' needs model.output 'sigmoid' or 'tanh' or 'linear'"]),
    ('[model]\noutput = "linear"\nloss = "bce"', ["model.loss", "use loss 'mse'"]),
    # [model.init]
    ('[model.init]\nname = "glorot_uniform"',
     ["model.init.name", "did you mean 'xavier_uniform'"]),
    ('[model.init]\nname = "kaiming_normal"', ["model.init.name", "did you mean 'he_normal'"]),
    ("[model.init]\ngain = 0", ["model.init.gain", "0 must be > 0"]),
    ("[model.init]\nstd = -1", ["model.init.std", "must be > 0"]),
    ("[model.init]\nlow = 1\nhigh = 1", ["model.init.low", "must be < model.init.high"]),
    ('[model]\ninit = "he_normal"', ["model.init", "must be a table", 'name = "he_normal"']),
    # [[model.initial_params]]
    ("[model]\nhidden = [2]\n[[model.initial_params]]\nlayer = 2",
     ["model.initial_params[0].layer", "2 must be >= 0 and <= 1", "1 the output layer"]),
    ("[[model.initial_params]]\nW = [[1.0]]",
     ["model.initial_params[0].layer", "missing"]),
    ("[[model.initial_params]]\nlayer = 0\n[[model.initial_params]]\nlayer = 0",
     ["model.initial_params[1].layer", "already set by model.initial_params[0]"]),
    ("[model]\nhidden = [2]\n[[model.initial_params]]\nlayer = 0\nW = [[1.0, 2.0], [3.0]]",
     ["model.initial_params[0].W", "row 1 has 1 numbers", "rectangular"]),
    ("[model]\nhidden = [2]\n[[model.initial_params]]\nlayer = 0\nW = [1.0, 2.0]",
     ["model.initial_params[0].W", "row 0", "fan_in, fan_out"]),
    ("[model]\nhidden = [2]\n[[model.initial_params]]\nlayer = 0\nW = []",
     ["model.initial_params[0].W", "non-empty"]),
    ('[model]\nhidden = [1]\n[[model.initial_params]]\nlayer = 0\nW = [["a"]]',
     ["model.initial_params[0].W[0][0]", "'a' must be a finite number"]),
    ("[model]\nhidden = [1]\n[[model.initial_params]]\nlayer = 0\nW = [[nan]]",
     ["model.initial_params[0].W[0][0]", "finite"]),
    ("[model]\nhidden = [1]\n[[model.initial_params]]\nlayer = 0\nb = [[1.0]]",
     ["model.initial_params[0].b[0]", "must be a finite number"]),
    ("[model]\nhidden = [1]\n[[model.initial_params]]\nlayer = 0\nb = 1.0",
     ["model.initial_params[0].b", "must be a non-empty list"]),
    ("[model]\nhidden = []\n[[model.initial_params]]\nlayer = 0\nW = [[1.0], [2.0]]\nb = [1, 2]",
     ["model.initial_params[0].b", "has 2 numbers but W has 1 columns"]),
    ("[model]\nhidden = [3]\n[[model.initial_params]]\nlayer = 0\nW = [[1.0, 2.0]]",
     ["model.initial_params[0].W", "2 columns", "hidden layer 0 has 3 units"]),
    ("[model]\nhidden = [3]\n[[model.initial_params]]\nlayer = 0\nb = [1.0]",
     ["model.initial_params[0].b", "1 numbers", "3 units"]),
    ("[model]\nhidden = [3, 2]\n[[model.initial_params]]\nlayer = 1\nW = [[1.0, 2.0]]",
     ["model.initial_params[0].W", "1 rows (fan_in)", "hidden layer 0, has 3 units"]),
    ('[model]\ninitial_params = "x"', ["model.initial_params", "array of tables"]),
    # [model.freeze]
    ("[model.freeze]\nbiases = 1", ["model.freeze.biases", "1 must be true or false"]),
    ('[model.freeze]\nbiases = "true"', ["model.freeze.biases", "write true without quotes"]),
    ("[model.freeze]\nlayers = [3]", ["model.freeze.layers[0]", "3 must be >= 0 and <= 2"]),
    ("[model.freeze]\nweights = [-1]", ["model.freeze.weights[0]", ">= 0 and <= 2"]),
    ("[model.freeze]\nweights = 1", ["model.freeze.weights", "must be a list"]),
    # [training.optimizer]
    ("[training.optimizer]\nlr = -1.0", ["training.optimizer.lr: -1.0 must be > 0"]),
    ("[training.optimizer]\nlr = 0", ["training.optimizer.lr", "> 0 and <= 100"]),
    ("[training.optimizer]\nlr = 101", ["training.optimizer.lr", "<= 100"]),
    ('[training.optimizer]\nname = "adamm"', ["training.optimizer.name", "did you mean 'adam'"]),
    ('[training.optimizer]\nname = "gradient_descent"',
     ["training.optimizer.name", "did you mean 'sgd'"]),
    ("[training.optimizer]\nmomentum = 1", ["training.optimizer.momentum", ">= 0 and < 1"]),
    ("[training.optimizer]\ndampening = 1.5",
     ["training.optimizer.dampening", ">= 0 and <= 1"]),
    ("[training.optimizer]\nnesterov = true",
     ["training.optimizer.nesterov", "momentum > 0 and dampening = 0", "momentum = 0.0"]),
    ("[training.optimizer]\nnesterov = true\nmomentum = 0.9\ndampening = 0.1",
     ["training.optimizer.nesterov", "dampening = 0.1"]),
    ("[training.optimizer]\nnesterov = 1", ["training.optimizer.nesterov", "true or false"]),
    ("[training.optimizer]\nalpha = 1", ["training.optimizer.alpha", "> 0 and < 1"]),
    ("[training.optimizer]\nalpha = 0", ["training.optimizer.alpha", "> 0 and < 1"]),
    ("[training.optimizer]\nbeta1 = 1", ["training.optimizer.beta1", ">= 0 and < 1"]),
    ("[training.optimizer]\nbeta2 = -0.1", ["training.optimizer.beta2", ">= 0 and < 1"]),
    ("[training.optimizer]\neps = 0", ["training.optimizer.eps", "0 must be > 0"]),
    ("[training.optimizer]\ndamping = -1", ["training.optimizer.damping", ">= 0"]),
    ("[training.optimizer]\nlr_decay = -1", ["training.optimizer.lr_decay", ">= 0"]),
    ("[training.optimizer]\ninitial_accumulator_value = -1",
     ["training.optimizer.initial_accumulator_value", ">= 0"]),
    ("[training.optimizer]\ncentered = 0", ["training.optimizer.centered", "true or false"]),
    ("[training.optimizer]\namsgrad = 'no'", ["training.optimizer.amsgrad", "true or false"]),
    ('[training]\noptimizer = "adam"',
     ["training.optimizer", "must be a table", "[training.optimizer]", 'name = "adam"']),
    # [training.schedule]
    ('[training.schedule]\nname = "cosin"', ["training.schedule.name", "did you mean 'cosine'"]),
    ("[training.schedule]\nstep_size = 0", ["training.schedule.step_size", "0 must be >= 1"]),
    ("[training.schedule]\ngamma = 0", ["training.schedule.gamma", "> 0 and <= 1"]),
    ("[training.schedule]\ngamma = 1.1", ["training.schedule.gamma", "> 0 and <= 1"]),
    ("[training.schedule]\nk = -0.5", ["training.schedule.k", ">= 0"]),
    ("[training.schedule]\nt_max = 0", ["training.schedule.t_max", ">= 1"]),
    ("[training.schedule]\nlr_min = -1", ["training.schedule.lr_min", ">= 0"]),
    # [training]
    ('[training]\nbatch_size = "ful"',
     ["training.batch_size", "'ful' must be an integer >= 1 or 'full'", "did you mean 'full'"]),
    ("[training]\nbatch_size = 0", ["training.batch_size", "0 must be >= 1", "'full'"]),
    ("[training]\nbatch_size = 2.5", ["training.batch_size", "must be an integer"]),
    ("[training]\nepochs = -1", ["training.epochs", ">= 0 and <= 1000000"]),
    ("[training]\nepochs = 1000001", ["training.epochs", "<= 1000000"]),
    ('[training]\nepochs = "100"', ["training.epochs", "write 100 without quotes"]),
    ("[training]\nl1 = -0.1", ["training.l1", ">= 0"]),
    ("[training]\nl2 = -0.1", ["training.l2", ">= 0"]),
    ("[training]\ndropout = 1.0", ["training.dropout", "1.0 must be >= 0 and < 1"]),
    ("[training]\ndropout = [0.5]", ["training.dropout", "1 rate", "2 layers"]),
    ("[training]\ndropout = [0.5, 1]", ["training.dropout[1]", ">= 0 and < 1"]),
    ("[training]\nshuffle = 'yes'", ["training.shuffle", "'yes' must be true or false"]),
    ("[training]\nseed = 1.5", ["training.seed", "must be an integer"]),
    ("[training]\ntrajectory_every = 0", ["training.trajectory_every", ">= 1"]),
    ("[training]\ntrajectory_capacity = 9", ["training.trajectory_capacity", ">= 10"]),
    ("[training.early_stopping]\npatience = 0", ["training.early_stopping.patience", ">= 1"]),
    ("[training.early_stopping]\nmin_delta = -1", ["training.early_stopping.min_delta", ">= 0"]),
    ("[training.early_stopping]\nenabled = 'on'",
     ["training.early_stopping.enabled", "true or false"]),
    # [lesson]
    ("[lesson]\ntitle = 3", ["lesson.title", "must be a string"]),
    ("[lesson]\ncaption = []", ["lesson.caption", "must be a string"]),
    ("[lesson]\npanels = 'loss'", ["lesson.panels", "must be a list"]),
    ("[lesson]\nhidden_controls = [1]", ["lesson.hidden_controls[0]", "must be a string"]),
    # unknown keys and sections
    ("[training.optimizer]\nlearning_rate = 0.1",
     ["unknown key 'learning_rate' in [training.optimizer] (did you mean 'lr'?)"]),
    ("[trainig]\nepochs = 1", ["unknown section [trainig] (did you mean [training]?)"]),
    ("[training.optimiser]\nlr = 1",
     ["unknown section [training.optimiser] (did you mean [training.optimizer]?)"]),
    ("[optimizer]\nlr = 1", ["unknown section [optimizer] (did you mean [training.optimizer]?)"]),
    ("[training]\nlr = 0.1", ["unknown key 'lr' in [training]", "belongs in [training.optimizer]"]),
    ("[training]\nepoch = 5", ["unknown key 'epoch' in [training] (did you mean 'epochs'?)"]),
    ("[training]\nweight_decay = 0.1", ["unknown key 'weight_decay'", "did you mean 'l2'"]),
    ("[training.optimizer]\nweight_decay = 0.1",
     ["unknown key 'weight_decay' in [training.optimizer]", "'l2' in [training]"]),
    ("[data]\nnoize = 0.1", ["unknown key 'noize' in [data] (did you mean 'noise'?)"]),
    ("[model]\nlayers = [3]", ["unknown key 'layers' in [model] (did you mean 'hidden'?)"]),
    ("[model.init]\nname = 'normal'\nsigma = 1",
     ["unknown key 'sigma' in [model.init] (did you mean 'std'?)"]),
    ("[model.init]\nqqq = 1", ["unknown key 'qqq' in [model.init]", "valid keys: name, gain"]),
    ("[model]\nmomentum = 0.9", ["unknown key 'momentum' in [model]",
                                  "belongs in [training.optimizer]"]),
    ("[[model.initial_params]]\nlayer = 0\nw = [[1.0]]",
     ["unknown key 'w' in [[model.initial_params]] (did you mean 'W'?)"]),
    ("epochs = 10", ["unknown key 'epochs' at the top of the file", "belongs in [training]"]),
    ('title = "x"', ["unknown key 'title'", "belongs in [lesson]"]),
    ("[model.foo]\nx = 1", ["unknown section [model.foo]", "[model.init]", "[model.freeze]"]),
    ("[lesson]\ntitel = 'x'", ["unknown key 'titel' in [lesson] (did you mean 'title'?)"]),
    ('data = "circle"', ["data", "must be a table", "[data]"]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_validation_message(text, expected):
    message = error_of(text)
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert "Traceback" not in message and "\n" not in message


def test_every_default_passes_validation():
    validate(Scenario())


def test_gates_ignore_train_fraction():
    assert parse_scenario('[data]\ndataset = "gate-or"\ntrain_fraction = 1.0')
    assert "data.train_fraction" in error_of('[data]\ndataset = "moons"\ntrain_fraction = 1.0')


def test_auto_goes_with_any_output_or_loss():
    for output in ("auto", "sigmoid", "tanh", "linear", "softmax"):
        parse_scenario(f'[model]\noutput = "{output}"\nloss = "auto"')
    for loss in ("auto", "bce", "ce", "mse"):
        parse_scenario(f'[model]\noutput = "auto"\nloss = "{loss}"')


def test_nesterov_is_fine_with_momentum_and_no_dampening():
    s = parse_scenario("[training.optimizer]\nnesterov = true\nmomentum = 0.9")
    assert s.training.optimizer.nesterov is True


def test_output_layer_shapes_are_left_to_the_engine():
    # layer 0's fan_in depends on the features and the output's fan_out on the data
    s = parse_scenario(
        "[model]\nhidden = [2]\n[[model.initial_params]]\nlayer = 0\nW = [[1, 2]] \n"
        "[[model.initial_params]]\nlayer = 1\nW = [[1, 2, 3], [4, 5, 6]]\nb = [0, 0, 0]\n"
    )
    assert len(s.model.initial_params[1].b) == 3


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda s: setattr(s.training, "epochs", True), "training.epochs"),
        (lambda s: setattr(s.training, "shuffle", 1), "training.shuffle"),
        (lambda s: setattr(s.training, "epochs", 3.0), "training.epochs"),
        (lambda s: setattr(s.data, "seed", 2**64), "data.seed"),
        (lambda s: setattr(s.model, "output", None), "model.output"),
        (lambda s: setattr(s.model, "hidden", (4, 2.5)), "model.hidden[1]"),
        (lambda s: setattr(s.model, "init", {"name": "zeros"}), "model.init"),
        (lambda s: setattr(s, "training", None), "training"),
        (lambda s: s.model.initial_params.append("W"), "model.initial_params[0]"),
        (lambda s: setattr(s.training.optimizer, "eps", -1e-8), "training.optimizer.eps"),
        (lambda s: setattr(s.training.optimizer, "lr", math.inf), "training.optimizer.lr"),
    ],
)
def test_validate_checks_scenarios_built_in_code(change, key):
    s = Scenario()
    change(s)
    with pytest.raises(ScenarioError) as info:
        validate(s)
    assert info.value.key == key
    assert str(info.value).startswith(f"{key}:")


def test_validate_refuses_a_non_scenario():
    with pytest.raises(ScenarioError, match="expected a Scenario"):
        validate({"data": {}})  # type: ignore[arg-type]


def test_from_dict_refuses_a_non_mapping():
    with pytest.raises(ScenarioError, match="table of sections"):
        scenario_from_dict([1, 2])  # type: ignore[arg-type]


def test_error_carries_key_and_source_and_is_a_value_error(tmp_path):
    path = tmp_path / "lesson.toml"
    path.write_text('[model]\nactivation = "tanhh"\n', encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_scenario(path)
    err = info.value
    assert isinstance(err, ScenarioError)
    assert err.key == "model.activation"
    assert err.source == str(path)
    assert str(err).startswith(f"{path}: model.activation: 'tanhh'")


def test_unknown_key_error_names_the_item_it_is_in():
    with pytest.raises(ScenarioError) as info:
        parse_scenario("[[model.initial_params]]\nlayer = 0\n[[model.initial_params]]\nq = 1")
    assert info.value.key == "model.initial_params[1].q"


def test_suggestions():
    assert suggest("learning_rate", ["lr", "momentum"]) == "lr"
    assert suggest("Tanh", ACTIVATIONS) == "tanh"
    assert suggest("leaky-relu", ACTIVATIONS) == "leaky_relu"
    assert suggest("gate_and", DATASETS) == "gate-and"
    assert suggest("zzzzzz", ACTIVATIONS) is None
    assert suggest("tanh", ACTIVATIONS) is None  # nothing to suggest for a valid name
    assert suggest(3, ACTIVATIONS) is None


# -- syntax errors and files ------------------------------------------------------------


def test_toml_syntax_error_reports_line_and_column():
    message = error_of('[data]\nnoise = 0.1\ndataset = "circle\n')
    assert "TOML syntax error" in message
    assert "line 3" in message and "column" in message
    assert 'dataset = "circle' in message  # the offending line is shown


def test_toml_syntax_error_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[data\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: TOML syntax error at line 1")


def test_toml_duplicate_key_is_a_syntax_error():
    assert "line 3" in error_of("[training]\nepochs = 1\nepochs = 2\n")


def test_toml_error_at_end_of_document():
    assert "end of the file" in error_of("x = [1, 2")


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="not found") as info:
        load_scenario(tmp_path / "nope.toml")
    assert "nope.toml" in str(info.value)


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(ScenarioError, match="folder"):
        load_scenario(tmp_path)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[lesson]\ntitle = "Übung"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match="UTF-8"):
        load_scenario(path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX, non-root")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.toml"
    path.write_text("", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(path)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[data]\ndataset = "xor"\n')
    assert load_scenario(path).data.dataset == "xor"


def test_csv_path_is_resolved_against_the_scenario_folder(tmp_path, monkeypatch):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "points.csv").write_text("x1,x2,y\n", encoding="utf-8")
    path = lessons / "csv.toml"
    path.write_text('[data]\ndataset = "csv"\ncsv_path = "points.csv"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the working folder must not matter
    s = load_scenario(Path("lessons") / "csv.toml")
    assert os.path.isabs(s.data.csv_path)
    assert Path(s.data.csv_path) == (lessons / "points.csv").resolve()
    assert Path(s.data.csv_path).is_file()


def test_csv_path_with_parent_folder_and_absolute_path(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "lessons").mkdir()
    path = tmp_path / "lessons" / "a.toml"
    path.write_text('[data]\ndataset = "csv"\ncsv_path = "../data/p.csv"\n', encoding="utf-8")
    assert load_scenario(path).data.csv_path == os.path.normpath(tmp_path / "data" / "p.csv")
    absolute = str(tmp_path / "elsewhere.csv")
    path.write_text(f"[data]\ndataset = 'csv'\ncsv_path = '{absolute}'\n", encoding="utf-8")
    assert load_scenario(path).data.csv_path == absolute


def test_parse_leaves_csv_path_as_written():
    s = parse_scenario('[data]\ndataset = "csv"\ncsv_path = "points.csv"\n')
    assert s.data.csv_path == "points.csv"


def test_save_then_load(tmp_path):
    path = tmp_path / "exp.toml"
    s = parse_scenario(AND_TOML)
    save_scenario(s, path)
    assert load_scenario(path) == s
    assert path.read_text(encoding="utf-8").startswith("# nnviz scenario")


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_save_failing_midway_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "exp.toml"
    old = Scenario(training=TrainingConfig(epochs=7))
    save_scenario(old, path)
    old_bytes = path.read_bytes()

    def write_half_then_fail(handle, text):
        handle.write(text[: len(text) // 2])
        handle.flush()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomicfile, "_write_all", write_half_then_fail)
    with pytest.raises(ScenarioError, match="No space left on device"):
        save_scenario(Scenario(training=TrainingConfig(epochs=8)), path)
    assert path.read_bytes() == old_bytes
    assert load_scenario(path) == old
    assert _leftovers(tmp_path, {"exp.toml"}) == []


def test_save_interrupted_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "exp.toml"
    save_scenario(Scenario(), path)
    old_bytes = path.read_bytes()

    def interrupted(handle, text):
        handle.write(text[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(atomicfile, "_write_all", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_scenario(Scenario(training=TrainingConfig(epochs=8)), path)
    assert path.read_bytes() == old_bytes
    assert _leftovers(tmp_path, {"exp.toml"}) == []


def test_save_failing_at_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "exp.toml"
    save_scenario(Scenario(), path)
    old_bytes = path.read_bytes()

    def no_replace(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomicfile.os, "replace", no_replace)
    with pytest.raises(ScenarioError, match="cannot write"):
        save_scenario(Scenario(training=TrainingConfig(epochs=8)), path)
    assert path.read_bytes() == old_bytes
    assert _leftovers(tmp_path, {"exp.toml"}) == []


def test_save_fsyncs_before_replacing(tmp_path, monkeypatch):
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(atomicfile.os, "fsync",
                        lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(atomicfile.os, "replace",
                        lambda a, b: (calls.append("replace"), real_replace(a, b))[1])
    save_scenario(Scenario(), tmp_path / "exp.toml")
    assert calls.index("fsync") < calls.index("replace")


def test_save_of_an_invalid_scenario_writes_nothing(tmp_path):
    s = Scenario()
    s.model.hidden = [0]
    with pytest.raises(ScenarioError, match=r"model\.hidden\[0\]"):
        save_scenario(s, tmp_path / "bad.toml")
    assert list(tmp_path.iterdir()) == []


def test_save_into_a_missing_folder(tmp_path):
    with pytest.raises(ScenarioError, match="cannot write"):
        save_scenario(Scenario(), tmp_path / "no" / "such" / "exp.toml")


def test_save_replaces_an_existing_file_and_keeps_its_mode(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text("old junk that is not even TOML [", encoding="utf-8")
    path.chmod(0o640)
    save_scenario(Scenario(training=TrainingConfig(epochs=3)), path)
    assert load_scenario(path).training.epochs == 3
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_new_file_gets_ordinary_permissions(tmp_path):
    path = tmp_path / "exp.toml"
    save_scenario(Scenario(), path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


# -- the documentation ------------------------------------------------------------------


def _doc() -> str:
    return DOCS.read_text(encoding="utf-8")


def _doc_examples() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", _doc(), flags=re.S)


def test_docs_describe_every_table_and_key():
    doc = _doc()
    for table in tables():
        if not table.path:
            continue
        heading = re.search(rf"^#+ `{re.escape(table.header)}`$", doc, flags=re.M)
        assert heading, f"no heading for {table.header}"
        # the keys must appear in the table's own part of the document
        part = re.split(r"^#+ ", doc[heading.end():], maxsplit=1, flags=re.M)[0]
        for key in table.keys:
            assert f"| `{key}` |" in part, f"{table.header} {key} is not documented"


def test_docs_have_three_examples_that_load():
    examples = _doc_examples()
    assert len(examples) == 3
    default, and_gate, backprop = (parse_scenario(text) for text in examples)
    assert default == Scenario()
    assert examples[0] == dumps_scenario(Scenario())  # the doc shows what nnviz writes
    assert and_gate.model == parse_scenario(AND_TOML).model
    assert and_gate.data.dataset == "gate-and" and and_gate.training.epochs == 0
    m = backprop.model
    assert m.hidden == [2] and m.activation == "sigmoid"
    assert (m.output, m.loss) == ("sigmoid", "mse")
    assert m.freeze.biases is True
    assert m.initial_params[0].W == [[0.14, 0.24], [0.19, 0.29]]
    assert m.initial_params[1].W == [[0.35], [0.40]]
    assert all(v == 0.0 for p in m.initial_params for v in p.b)


def test_scenarios_are_not_mutated_by_writing():
    s = _variants()[2]
    before = copy.deepcopy(s)
    dumps_scenario(s)
    scenario_to_dict(s)
    assert s == before
