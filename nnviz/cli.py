"""The ``nnviz`` command: the desktop app by default, plus headless subcommands.

    nnviz                          open the app on the default experiment
    nnviz SCENARIO.toml            open the app on a scenario file
    nnviz --lesson NAME            open the app on a built-in lesson
    nnviz lessons                  list the lessons
    nnviz train SCENARIO.toml --out RUN.npz [--epochs N]
                                   train without Qt and save the run
    nnviz export SCENARIO_OR_LESSON --out DIR [--epochs N] [--width W] [--panels ...]
                                   render panels to image files, no window shown

Every failure a user can cause (a bad file, a bad setting) ends with a one-line message
on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nnviz import __version__

EXIT_OK, EXIT_USAGE, EXIT_BAD_INPUT = 0, 2, 1
SUBCOMMANDS = ("train", "lessons", "export")


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnviz",
        description="nnviz: a desktop lab for teaching neural networks.",
        epilog="Subcommands: 'nnviz train SCENARIO.toml --out RUN.npz' trains headless "
        "(see 'nnviz train --help'); 'nnviz lessons' lists the lessons.",
    )
    parser.add_argument("--version", action="version", version=f"nnviz {__version__}")
    parser.add_argument("scenario", nargs="?", help="a scenario .toml file to open")
    parser.add_argument("--lesson", metavar="NAME", help="open a lesson ('nnviz lessons' lists them)")
    return parser


def _train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnviz train",
        description="Train a scenario without a window and save the run as an .npz file.",
    )
    parser.add_argument("scenario", help="the scenario .toml file")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default: the file's)")
    parser.add_argument("--out", required=True, help="where to write the run (.npz)")
    parser.add_argument("--quiet", action="store_true", help="print only the final line")
    return parser


def _export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnviz export",
        description="Train a scenario or lesson and render its panels to images for slides. "
        "Deterministic: the same scenario and seed give the same pixels.",
    )
    parser.add_argument("scenario", help="a scenario .toml file or a lesson name ('nnviz lessons')")
    parser.add_argument("--out", required=True, help="the folder to write the images to")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default: the file's)")
    parser.add_argument("--width", type=int, default=1920, help="image width in pixels (default 1920)")
    parser.add_argument("--panels", nargs="+", help="panel ids (default: the lesson's panels)")
    parser.add_argument("--svg", action="store_true", help="also write SVG files")
    parser.add_argument("--transparent", action="store_true", help="transparent PNG background")
    parser.add_argument("--theme", choices=("projector", "light", "dark"), default="projector",
                        help="projector (default: black on white, bold, for slides), light or dark")
    return parser


def _export(args: argparse.Namespace) -> int:
    from nnviz.scenario import ScenarioError

    if args.epochs is not None and args.epochs < 0:
        return _fail(f"--epochs must be ≥ 0, not {args.epochs}")
    if not 16 <= args.width <= 16384:
        return _fail(f"--width must be between 16 and 16384, not {args.width}")
    try:
        from nnviz.app.headless_export import export_panels
    except ImportError as exc:
        return _fail(f"exporting needs Qt, which cannot start here ({exc})")
    from nnviz.engine import EngineError

    try:
        paths = export_panels(
            args.scenario, args.out, epochs=args.epochs, width=args.width, panels=args.panels,
            svg=args.svg, transparent=args.transparent, theme_name=args.theme,
        )
    except (ScenarioError, EngineError, ValueError, OSError) as exc:
        return _fail(str(exc))
    for path in paths:
        print(path)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train":
        return _train(_train_parser().parse_args(argv[1:]))
    if argv and argv[0] == "lessons":
        return _list_lessons()
    if argv and argv[0] == "export":
        return _export(_export_parser().parse_args(argv[1:]))
    args = _app_parser().parse_args(argv)
    if args.lesson:
        from nnviz.lessons import find_lesson
        from nnviz.scenario import ScenarioError

        try:
            return _launch_app(str(find_lesson(args.lesson)))
        except ScenarioError as exc:
            return _fail(str(exc))
    return _launch_app(args.scenario)


def _list_lessons() -> int:
    from nnviz.lessons import list_lessons

    entries = list_lessons()
    width = max((len(e.name) for e in entries), default=0)
    builtin = [e for e in entries if e.builtin]
    mine = [e for e in entries if not e.builtin]
    for entry in builtin:
        print(f"{entry.name:<{width}}  {entry.title}")
    if mine:
        print("\nMy lessons:")
        for entry in mine:
            print(f"{entry.name:<{width}}  {entry.title}")
    print("\nOpen one with: nnviz --lesson NAME")
    return EXIT_OK


def _fail(message: str) -> int:
    print(f"nnviz: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _launch_app(scenario: str | None) -> int:
    try:
        from nnviz.app.main import run_app
    except ImportError as exc:  # Qt missing or broken: still useful on a server
        print(f"nnviz: the desktop app cannot start ({exc}).", file=sys.stderr)
        _app_parser().print_help()
        return EXIT_BAD_INPUT
    return run_app(scenario)


def _train(args: argparse.Namespace) -> int:
    from nnviz.engine import EngineError, Trainer
    from nnviz.engine.runfile import save_run
    from nnviz.scenario import ScenarioError, load_scenario

    if args.epochs is not None and args.epochs < 0:
        return _fail(f"--epochs must be ≥ 0, not {args.epochs}")
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:  # its message names the file already
        return _fail(str(exc))
    try:
        trainer = Trainer(scenario)
    except EngineError as exc:
        return _fail(f"{args.scenario}: {exc}")
    epochs = scenario.training.epochs if args.epochs is None else args.epochs
    every = max(1, epochs // 20)

    def progress(stats) -> None:
        if not args.quiet and (stats.epoch % every == 0 or stats.epoch == epochs):
            print(_progress_line(stats, epochs), flush=True)

    trainer.train(epochs, callback=progress)
    try:
        save_run(trainer, Path(args.out))
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
    last = trainer.history[-1] if trainer.history else trainer.initial_stats
    if trainer.message:
        print(trainer.message)
    print(f"done: {trainer.epoch} epochs, {_progress_line(last, epochs)} -> {args.out}")
    return EXIT_BAD_INPUT if trainer.status == "diverged" else EXIT_OK


def _progress_line(stats, epochs: int) -> str:
    parts = [f"epoch {stats.epoch}/{epochs}", f"loss {stats.loss_train:.4g} / test {stats.loss_test:.4g}"]
    if stats.acc_train == stats.acc_train:  # not nan
        parts.append(f"acc {100 * stats.acc_train:.1f}% / test {100 * stats.acc_test:.1f}%")
    elif stats.r2_train == stats.r2_train:
        parts.append(f"R² {stats.r2_train:.3f} / test {stats.r2_test:.3f}")
    return "  ".join(parts)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
