"""Plain-data description of an experiment: the data, the model and how it trains.

These dataclasses are the contract between the scenario files (TOML), the engine,
the headless command line and the GUI. They hold no arrays except hand-set
initial parameters, and no behaviour beyond defaults, so they can be copied,
compared and serialised freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Names of the input feature transforms, in Playground's order.
FEATURES: tuple[str, ...] = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")

# The allowed names of every choice. The modules that implement them check at import
# time that they implement exactly these, so validation and implementation never drift.
CLASSIFICATION_DATASETS: tuple[str, ...] = (
    "circle", "xor", "gauss", "spiral", "moons", "blobs", "checkerboard", "linear",
    "gate-and", "gate-or", "gate-nand", "gate-xor", "gate-xnor",
)
REGRESSION_DATASETS: tuple[str, ...] = ("reg-plane", "reg-gauss", "sine", "poly", "line")
DATASETS: tuple[str, ...] = CLASSIFICATION_DATASETS + REGRESSION_DATASETS + ("csv",)
ACTIVATIONS: tuple[str, ...] = (
    "linear", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu",
)
OUTPUTS: tuple[str, ...] = ("auto", "sigmoid", "tanh", "linear", "softmax")
LOSSES: tuple[str, ...] = ("auto", "bce", "ce", "mse")
INITIALIZERS: tuple[str, ...] = (
    "zeros", "constant", "normal", "uniform", "xavier_uniform", "xavier_normal",
    "he_uniform", "he_normal", "lecun_normal", "playground",
)
OPTIMIZERS: tuple[str, ...] = ("sgd", "adagrad", "rmsprop", "adam", "newton")
SCHEDULES: tuple[str, ...] = ("constant", "step", "inverse_time", "exponential", "cosine")


@dataclass
class DataConfig:
    """Which points the network learns from."""

    dataset: str = "circle"
    n: int | None = None  # None: the generator's own default (Playground: 500 / 1200)
    noise: float = 0.0  # 0..1; Playground's 0-50 % slider is noise/100
    train_fraction: float = 0.5
    seed: int = 0
    features: list[str] | None = None  # None: the data's raw inputs (x1, x2 or x1, or x1..xd)
    classes: int = 3  # only for the k-class blobs dataset
    csv_path: str | None = None  # dataset == "csv"
    csv_label_column: int | str = -1


@dataclass
class InitConfig:
    """How weights and biases start."""

    name: str = "xavier_uniform"
    gain: float = 1.0
    bias: float = 0.0
    # parameters of the simple schemes
    std: float = 0.01  # normal
    low: float = -0.5  # uniform
    high: float = 0.5  # uniform
    value: float = 0.0  # constant


@dataclass
class LayerParams:
    """Hand-set parameters for one layer: W has shape (fan_in, fan_out), b has (fan_out,)."""

    layer: int
    W: list[list[float]] | None = None
    b: list[float] | None = None


@dataclass
class FreezeConfig:
    """Parameters that training must not change."""

    biases: bool = False  # freeze every bias
    layers: list[int] = field(default_factory=list)  # freeze these layers' W and b
    weights: list[int] = field(default_factory=list)  # freeze these layers' W only


@dataclass
class ModelConfig:
    """The network: hidden widths, activations, output head and loss."""

    hidden: list[int] = field(default_factory=lambda: [4, 2])
    activation: str | list[str] = "tanh"  # one for all hidden layers, or one per layer
    leaky_slope: float = 0.01
    elu_alpha: float = 1.0
    output: str = "auto"  # auto | sigmoid | tanh | linear | softmax
    loss: str = "auto"  # auto | bce | ce | mse
    init: InitConfig = field(default_factory=InitConfig)
    initial_params: list[LayerParams] = field(default_factory=list)
    freeze: FreezeConfig = field(default_factory=FreezeConfig)


@dataclass
class OptimizerConfig:
    """Optimiser and its hyper-parameters (torch.optim's names and defaults)."""

    name: str = "sgd"  # sgd | adagrad | rmsprop | adam | newton
    lr: float = 0.03
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    lr_decay: float = 0.0  # adagrad
    initial_accumulator_value: float = 0.0  # adagrad
    alpha: float = 0.99  # rmsprop
    centered: bool = False  # rmsprop
    beta1: float = 0.9
    beta2: float = 0.999
    amsgrad: bool = False
    eps: float | None = None  # None: the optimiser's own default
    damping: float = 1e-4  # newton: (H + damping * I)^-1 g


@dataclass
class ScheduleConfig:
    """Learning-rate schedule, applied per epoch: lr_epoch = lr * factor(epoch)."""

    name: str = "constant"  # constant | step | inverse_time | exponential | cosine
    step_size: int = 10
    gamma: float = 0.5
    k: float = 0.01  # inverse_time: 1 / (1 + k * epoch)
    t_max: int = 100  # cosine
    lr_min: float = 0.0  # cosine


@dataclass
class EarlyStoppingConfig:
    """Stop when the test loss has not improved for `patience` epochs; restore the best."""

    enabled: bool = False
    patience: int = 20
    min_delta: float = 0.0


@dataclass
class TrainingConfig:
    """How the network trains."""

    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    batch_size: int | str = 10  # an int, or "full"
    shuffle: bool = True
    epochs: int = 100
    l1: float = 0.0
    l2: float = 0.0
    dropout: float | list[float] = 0.0  # drop probability, one for all hidden layers or per layer
    early_stopping: EarlyStoppingConfig = field(default_factory=EarlyStoppingConfig)
    seed: int = 0
    trajectory_every: int = 1  # record the parameter vector every k steps
    trajectory_capacity: int = 2000  # thinned by half whenever it fills


@dataclass
class LessonInfo:
    """Optional teaching metadata carried by a lesson scenario.

    ``panels`` lists the panel ids to show, the first one largest. ``variants`` names
    other scenario files (in the lesson folder's ``variants/``) to compare with, A/B:
    the same data and seed with one thing changed. ``surface`` names two parameters
    (e.g. "W0[0,0]", "b0[0]") for a two-parameter loss-surface slice, ``race`` the test
    function of the optimiser race.
    """

    title: str = ""
    caption: str = ""
    panels: list[str] = field(default_factory=list)
    hidden_controls: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    variant_label: str = ""  # how this scenario is named among its variants ("with a hidden layer")
    surface: list[str] = field(default_factory=list)
    race: str = ""


@dataclass
class Scenario:
    """A whole experiment, as read from or written to a scenario TOML file."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    lesson: LessonInfo = field(default_factory=LessonInfo)
