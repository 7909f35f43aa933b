"""Which scenarios make sense: types, allowed names, ranges and combinations.

Everything that can be judged from the scenario alone is checked here, before any
training starts, so a mistake in a lesson file shows up as one readable sentence
rather than as a numpy error halfway through an epoch. What needs the generated
data (e.g. the input width of the first layer) is left to the engine.
"""

from __future__ import annotations

from typing import Any

from nnviz.engine.config import (
    ACTIVATIONS,
    DATASETS,
    FEATURES,
    INITIALIZERS,
    LOSSES,
    OPTIMIZERS,
    OUTPUTS,
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

from .checks import (
    check_bool,
    check_choice,
    check_int,
    check_list,
    check_number,
    check_str,
    fail,
    is_int,
    is_number,
)
from .errors import ScenarioError, show
from .suggest import did_you_mean

MAX_HIDDEN_LAYERS = 32
MAX_WIDTH = 256
MAX_POINTS = 1_000_000
MAX_EPOCHS = 1_000_000
MAX_LR = 100

#: The output heads each explicit loss can be paired with ("auto" goes with anything).
LOSS_OUTPUTS: dict[str, tuple[str, ...]] = {
    "bce": ("sigmoid",),
    "ce": ("softmax",),
    "mse": ("sigmoid", "tanh", "linear"),
}


def validate(scenario: Scenario) -> None:
    """Raise ScenarioError for the first thing in `scenario` that cannot work."""
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"expected a Scenario, not {type(scenario).__name__}")
    for name, cls in (
        ("data", DataConfig), ("model", ModelConfig),
        ("training", TrainingConfig), ("lesson", LessonInfo),
    ):
        _require_type(name, getattr(scenario, name), cls)
    _check_data(scenario.data)
    _check_model(scenario.model)
    _check_training(scenario.training, len(scenario.model.hidden))
    _check_lesson(scenario.lesson)


def _require_type(key: str, value: Any, cls: type) -> None:
    if not isinstance(value, cls):
        fail(key, f"{show(value)} must be a {cls.__name__}")


# -- [data] ---------------------------------------------------------------------------


def _check_data(d: DataConfig) -> None:
    check_choice("data.dataset", d.dataset, DATASETS)
    if d.n is not None:
        check_int(
            "data.n", d.n, ge=4, le=MAX_POINTS,
            note=" (leave it out for the dataset's own default)",
        )
    check_number("data.noise", d.noise, ge=0, le=1)
    if d.dataset.startswith("gate-"):
        # The four gate points are both the training and the test set.
        check_number("data.train_fraction", d.train_fraction)
    else:
        check_number("data.train_fraction", d.train_fraction, gt=0, lt=1)
    check_int("data.seed", d.seed, ge=0)
    if d.features is not None:  # None: the data's raw inputs
        _check_features(d.features)
    check_int("data.classes", d.classes, ge=2, le=10)
    if d.csv_path is not None:
        check_str("data.csv_path", d.csv_path)
    if d.dataset == "csv" and not (d.csv_path or "").strip():
        fail(
            "data.csv_path",
            "is required when data.dataset = 'csv': the CSV file's path, "
            "relative to the scenario file or absolute",
        )
    col = d.csv_label_column
    if not (isinstance(col, str) and col) and not is_int(col):
        fail(
            "data.csv_label_column",
            f"{show(col)} must be a column index (an integer; -1 is the last column) "
            "or a column name (a string)",
        )


def _check_features(value: Any) -> None:
    features = check_list("data.features", value, "feature names, e.g. ['x1', 'x2']")
    if not features:
        fail(
            "data.features",
            f"[] must name at least one of {', '.join(FEATURES)} "
            "(leave it out for the data's raw inputs)",
        )
    for i, name in enumerate(features):
        check_choice(f"data.features[{i}]", name, FEATURES)
        if name in features[:i]:
            fail("data.features", f"{show(name)} is listed twice in {show(features)}")


# -- [model] --------------------------------------------------------------------------


def _check_model(m: ModelConfig) -> None:
    hidden = check_list("model.hidden", m.hidden, "layer widths, e.g. [4, 2] ([] for none)")
    if len(hidden) > MAX_HIDDEN_LAYERS:
        fail("model.hidden", f"has {len(hidden)} layers; at most {MAX_HIDDEN_LAYERS} are allowed")
    for i, width in enumerate(hidden):
        check_int(f"model.hidden[{i}]", width, ge=1, le=MAX_WIDTH)
    _check_activation(m.activation, len(hidden))
    check_number("model.leaky_slope", m.leaky_slope)
    check_number("model.elu_alpha", m.elu_alpha)
    check_choice("model.output", m.output, OUTPUTS)
    check_choice("model.loss", m.loss, LOSSES)
    _check_loss_pair(m.output, m.loss)
    _require_type("model.init", m.init, InitConfig)
    _check_init(m.init)
    _check_initial_params(m.initial_params, hidden)
    _require_type("model.freeze", m.freeze, FreezeConfig)
    _check_freeze(m.freeze, len(hidden))


def _check_activation(activation: Any, n_hidden: int) -> None:
    if isinstance(activation, str):
        check_choice("model.activation", activation, ACTIVATIONS)
        return
    if not isinstance(activation, list | tuple):
        fail(
            "model.activation",
            f"{show(activation)} must be one of {', '.join(ACTIVATIONS)}, "
            "or a list with one of them per hidden layer",
        )
    if len(activation) != n_hidden:
        fail(
            "model.activation",
            f"{show(activation)} has {_count(len(activation), 'name')} but model.hidden has "
            f"{n_hidden} layers; give one name for all layers or one per hidden layer",
        )
    for i, name in enumerate(activation):
        check_choice(f"model.activation[{i}]", name, ACTIVATIONS)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _check_loss_pair(output: str, loss: str) -> None:
    if output == "auto" or loss == "auto" or output in LOSS_OUTPUTS[loss]:
        return
    fitting = [name for name, outs in LOSS_OUTPUTS.items() if output in outs]
    fix = ""
    if fitting:
        fix = f"; with output {show(output)} use loss {' or '.join(map(show, fitting))}"
    fail(
        "model.loss",
        f"{show(loss)} needs model.output {' or '.join(map(show, LOSS_OUTPUTS[loss]))} "
        f"(or 'auto'), not {show(output)}{fix}",
    )


def _check_init(init: InitConfig) -> None:
    check_choice("model.init.name", init.name, INITIALIZERS)
    check_number("model.init.gain", init.gain, gt=0)
    check_number("model.init.bias", init.bias)
    check_number("model.init.std", init.std, gt=0)
    check_number("model.init.low", init.low)
    check_number("model.init.high", init.high)
    if not init.low < init.high:
        fail("model.init.low", f"{show(init.low)} must be < model.init.high ({show(init.high)})")
    check_number("model.init.value", init.value)


def _check_initial_params(params: Any, hidden: list[int]) -> None:
    items = check_list("model.initial_params", params, "[[model.initial_params]] tables")
    out_layer = len(hidden)
    seen: dict[int, int] = {}
    for i, p in enumerate(items):
        key = f"model.initial_params[{i}]"
        _require_type(key, p, LayerParams)
        check_int(
            f"{key}.layer", p.layer, ge=0, le=out_layer,
            note=f" (0 is the first hidden layer, {out_layer} the output layer)",
        )
        if p.layer in seen:
            first = f"model.initial_params[{seen[p.layer]}]"
            fail(f"{key}.layer", f"{p.layer} is already set by {first}; give each layer once")
        seen[p.layer] = i
        W = _check_matrix(f"{key}.W", p.W) if p.W is not None else None
        b = _check_vector(f"{key}.b", p.b) if p.b is not None else None
        if W is not None and b is not None and len(b) != len(W[0]):
            fail(
                f"{key}.b",
                f"has {len(b)} numbers but W has {len(W[0])} columns; "
                "b needs one number per unit of the layer (W's fan_out)",
            )
        if p.layer < out_layer:
            units = hidden[p.layer]
            where = f"hidden layer {p.layer} has {units} units (model.hidden[{p.layer}])"
            if W is not None and len(W[0]) != units:
                fail(f"{key}.W", f"has {len(W[0])} columns (fan_out) but {where}")
            if b is not None and len(b) != units:
                fail(f"{key}.b", f"has {len(b)} numbers but {where}")
        if p.layer > 0 and W is not None and len(W) != hidden[p.layer - 1]:
            fail(
                f"{key}.W",
                f"has {len(W)} rows (fan_in) but the layer feeding it, hidden layer "
                f"{p.layer - 1}, has {hidden[p.layer - 1]} units "
                f"(model.hidden[{p.layer - 1}])",
            )


def _as_list(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") and not isinstance(value, str) else value


def _check_matrix(key: str, value: Any) -> list[list[Any]]:
    """A non-empty rectangular list of rows of finite numbers: shape (fan_in, fan_out)."""
    rows = _as_list(value)
    example = " with shape (fan_in, fan_out), e.g. [[0.1, 0.2], [0.3, 0.4]]"
    if not isinstance(rows, list | tuple) or not rows:
        fail(key, f"{show(rows)} must be a non-empty list of rows{example}")
    for r, row in enumerate(rows):
        if not isinstance(row, list | tuple) or not row:
            fail(key, f"row {r} is {show(row)}, but must be a non-empty list of numbers{example}")
        if len(row) != len(rows[0]):
            fail(key, f"row {r} has {len(row)} numbers but row 0 has {len(rows[0])}; "
                 "W must be rectangular")
        for c, v in enumerate(row):
            if not is_number(v):
                fail(f"{key}[{r}][{c}]", f"{show(v)} must be a finite number")
    return [list(row) for row in rows]


def _check_vector(key: str, value: Any) -> list[Any]:
    """A non-empty flat list of finite numbers."""
    items = _as_list(value)
    if not isinstance(items, list | tuple) or not items:
        fail(key, f"{show(items)} must be a non-empty list of numbers, one per unit, "
             "e.g. [0.0, 0.0]")
    for j, v in enumerate(items):
        if not is_number(v):
            fail(f"{key}[{j}]", f"{show(v)} must be a finite number")
    return list(items)


def _check_freeze(f: FreezeConfig, out_layer: int) -> None:
    check_bool("model.freeze.biases", f.biases)
    for name in ("layers", "weights"):
        key = f"model.freeze.{name}"
        for i, layer in enumerate(check_list(key, getattr(f, name), "layer indices")):
            check_int(
                f"{key}[{i}]", layer, ge=0, le=out_layer,
                note=f" (0 is the first hidden layer, {out_layer} the output layer)",
            )


# -- [training] -----------------------------------------------------------------------


def _check_training(t: TrainingConfig, n_hidden: int) -> None:
    _require_type("training.optimizer", t.optimizer, OptimizerConfig)
    _check_optimizer(t.optimizer)
    _require_type("training.schedule", t.schedule, ScheduleConfig)
    _check_schedule(t.schedule)
    _check_batch_size(t.batch_size)
    check_bool("training.shuffle", t.shuffle)
    check_int("training.epochs", t.epochs, ge=0, le=MAX_EPOCHS)
    check_number("training.l1", t.l1, ge=0)
    check_number("training.l2", t.l2, ge=0)
    _check_dropout(t.dropout, n_hidden)
    _require_type("training.early_stopping", t.early_stopping, EarlyStoppingConfig)
    check_bool("training.early_stopping.enabled", t.early_stopping.enabled)
    check_int("training.early_stopping.patience", t.early_stopping.patience, ge=1)
    check_number("training.early_stopping.min_delta", t.early_stopping.min_delta, ge=0)
    check_int("training.seed", t.seed, ge=0)
    check_int("training.trajectory_every", t.trajectory_every, ge=1)
    check_int("training.trajectory_capacity", t.trajectory_capacity, ge=10)


def _check_optimizer(o: OptimizerConfig) -> None:
    k = "training.optimizer."
    check_choice(k + "name", o.name, OPTIMIZERS)
    check_number(k + "lr", o.lr, gt=0, le=MAX_LR)
    check_number(k + "momentum", o.momentum, ge=0, lt=1)
    check_number(k + "dampening", o.dampening, ge=0, le=1)
    check_bool(k + "nesterov", o.nesterov)
    if o.nesterov and not (o.momentum > 0 and o.dampening == 0):
        fail(
            k + "nesterov",
            f"true requires momentum > 0 and dampening = 0 "
            f"(here momentum = {show(o.momentum)}, dampening = {show(o.dampening)})",
        )
    check_number(k + "lr_decay", o.lr_decay, ge=0)
    check_number(k + "initial_accumulator_value", o.initial_accumulator_value, ge=0)
    check_number(k + "alpha", o.alpha, gt=0, lt=1)
    check_bool(k + "centered", o.centered)
    check_number(k + "beta1", o.beta1, ge=0, lt=1)
    check_number(k + "beta2", o.beta2, ge=0, lt=1)
    check_bool(k + "amsgrad", o.amsgrad)
    if o.eps is not None:
        check_number(k + "eps", o.eps, gt=0, note=" (leave it out for the optimizer's default)")
    check_number(k + "damping", o.damping, ge=0)


def _check_schedule(s: ScheduleConfig) -> None:
    k = "training.schedule."
    check_choice(k + "name", s.name, SCHEDULES)
    check_int(k + "step_size", s.step_size, ge=1)
    check_number(k + "gamma", s.gamma, gt=0, le=1)
    check_number(k + "k", s.k, ge=0)
    check_int(k + "t_max", s.t_max, ge=1)
    check_number(k + "lr_min", s.lr_min, ge=0)


def _check_batch_size(size: Any) -> None:
    if isinstance(size, str):
        if size != "full":
            fail(
                "training.batch_size",
                f"{show(size)} must be an integer >= 1 or 'full'{did_you_mean(size, ['full'])}",
            )
        return
    check_int("training.batch_size", size, ge=1, note=" (or 'full' for the whole training set)")


def _check_dropout(dropout: Any, n_hidden: int) -> None:
    if isinstance(dropout, list | tuple):
        if len(dropout) != n_hidden:
            fail(
                "training.dropout",
                f"{show(dropout)} has {_count(len(dropout), 'rate')} but model.hidden has "
                f"{n_hidden} layers; give one rate for all layers or one per hidden layer",
            )
        for i, rate in enumerate(dropout):
            check_number(f"training.dropout[{i}]", rate, ge=0, lt=1)
        return
    check_number(
        "training.dropout", dropout, ge=0, lt=1,
        note=" (a drop probability, or a list with one per hidden layer)",
    )


# -- [lesson] -------------------------------------------------------------------------


def _check_lesson(lesson: LessonInfo) -> None:
    check_str("lesson.title", lesson.title)
    check_str("lesson.caption", lesson.caption)
    for name in ("panels", "hidden_controls"):
        key = f"lesson.{name}"
        for i, item in enumerate(check_list(key, getattr(lesson, name), "names")):
            check_str(f"{key}[{i}]", item)

