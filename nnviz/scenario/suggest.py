"""Guess what a person meant when a key or a name is not one we know.

difflib catches typos ('tanhh' -> 'tanh'), but people also bring the names of other
libraries ('learning_rate', 'glorot_uniform', 'cross_entropy') that no string
distance relates to ours, so a small table of such synonyms is consulted first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# Normalised spelling (see _norm) -> our names it may mean, best first. A synonym is
# only offered when one of its targets is among the valid choices at that spot.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    # keys
    "learningrate": ("lr",),
    "eta": ("lr",),
    "stepsize": ("lr", "step_size"),
    "weightdecay": ("l2",),
    "l2reg": ("l2",),
    "l1reg": ("l1",),
    "decay": ("lr_decay", "gamma"),
    "epsilon": ("eps",),
    "sigma": ("std",),
    "stddev": ("std",),
    "rho": ("alpha",),
    "epoch": ("epochs",),
    "numepochs": ("epochs",),
    "nepochs": ("epochs",),
    "maxepochs": ("epochs",),
    "batch": ("batch_size",),
    "minibatch": ("batch_size",),
    "minibatchsize": ("batch_size",),
    "activations": ("activation",),
    "act": ("activation",),
    "layers": ("hidden", "layers"),
    "hiddenlayers": ("hidden",),
    "hiddenunits": ("hidden",),
    "neurons": ("hidden",),
    "units": ("hidden",),
    "widths": ("hidden",),
    "samples": ("n",),
    "nsamples": ("n",),
    "numsamples": ("n",),
    "numpoints": ("n",),
    "points": ("n",),
    "optimiser": ("optimizer",),
    "opt": ("optimizer",),
    "scheduler": ("schedule",),
    "lrschedule": ("schedule",),
    "lrscheduler": ("schedule",),
    "earlystop": ("early_stopping",),
    "initializer": ("init", "name"),
    "initialization": ("init",),
    "initialisation": ("init",),
    "weightinit": ("init",),
    "params": ("initial_params",),
    "weights": ("initial_params", "weights"),
    "dropoutrate": ("dropout",),
    "testfraction": ("train_fraction",),
    "trainratio": ("train_fraction",),
    "trainsplit": ("train_fraction",),
    "data": ("dataset",),
    # values
    "crossentropy": ("ce",),
    "categoricalcrossentropy": ("ce",),
    "softmaxcrossentropy": ("ce",),
    "nll": ("ce",),
    "binarycrossentropy": ("bce",),
    "logloss": ("bce",),
    "bcewithlogits": ("bce",),
    "meansquarederror": ("mse",),
    "squarederror": ("mse",),
    "l2loss": ("mse",),
    "logistic": ("sigmoid", "bce"),
    "identity": ("linear",),
    "none": ("linear", "constant"),
    "lrelu": ("leaky_relu",),
    "glorot": ("xavier_uniform",),
    "glorotuniform": ("xavier_uniform",),
    "glorotnormal": ("xavier_normal",),
    "xavier": ("xavier_uniform",),
    "kaiming": ("he_uniform",),
    "kaiminguniform": ("he_uniform",),
    "kaimingnormal": ("he_normal",),
    "he": ("he_uniform",),
    "lecun": ("lecun_normal",),
    "gaussian": ("normal", "gauss"),
    "gd": ("sgd",),
    "gradientdescent": ("sgd",),
    "momentum": ("sgd", "momentum"),
    "adamw": ("adam",),
    "newtonraphson": ("newton",),
    "fixed": ("constant",),
    "cos": ("cosine",),
    "cosineannealing": ("cosine",),
    "steplr": ("step",),
    "exp": ("exponential",),
    "exponentiallr": ("exponential",),
    "and": ("gate-and",),
    "or": ("gate-or",),
    "nand": ("gate-nand",),
    "xnor": ("gate-xnor",),
    "twomoons": ("moons",),
    "twospirals": ("spiral",),
    "all": ("full",),
    "fullbatch": ("full",),
    "x1**2": ("x1^2",),
    "x2**2": ("x2^2",),
    "x1*x2": ("x1x2",),
    "sin(x1)": ("sin_x1",),
    "sin(x2)": ("sin_x2",),
}


def _norm(word: str) -> str:
    """Fold the differences people do not notice: case, '-', '_' and spaces."""
    return "".join(ch for ch in word.lower() if ch not in "-_ ")


def synonym(word: object, choices: Iterable[str]) -> str | None:
    """Our name for another library's name (or a spelling variant), if it is a choice."""
    if not isinstance(word, str) or not word:
        return None
    options = list(choices)
    key = _norm(word)
    for target in _SYNONYMS.get(key, ()):
        if target in options and target != word:
            return target
    for option in options:
        if _norm(option) == key and option != word:
            return option
    return None


def suggest(word: object, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The valid choice closest to `word`, or None when nothing is close enough.

    `cutoff` is difflib's similarity threshold (0..1); raise it where a wrong guess
    would mislead more than no guess, e.g. when looking in other sections.
    """
    options = list(choices)
    best = synonym(word, options)
    if best is not None or not isinstance(word, str) or not word:
        return best
    by_norm = {_norm(c): c for c in options}
    close = difflib.get_close_matches(_norm(word), list(by_norm), n=1, cutoff=cutoff)
    if close and by_norm[close[0]] != word:
        return by_norm[close[0]]
    return None


def did_you_mean(word: object, choices: Iterable[str], template: str = "'{}'") -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when there is none.

    `template` shows the suggestion the way the file spells it, e.g. "[{}]" for a
    section name.
    """
    best = suggest(word, choices)
    return "" if best is None else f" (did you mean {template.format(best)}?)"
