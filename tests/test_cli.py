"""The ``nnviz`` command line: ``nnviz train`` and its error handling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnviz import __version__
from nnviz.cli import main

SCENARIO = """\
[data]
dataset = "circle"
n = 60
seed = 3

[model]
hidden = [4, 3]
activation = "tanh"

[training]
epochs = 50
batch_size = 10

[training.optimizer]
name = "adam"
lr = 0.02
"""


def write(tmp_path: Path, text: str, name: str = "scenario.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_train_writes_a_readable_npz(tmp_path, capsys):
    out = str(tmp_path / "run.npz")
    assert main(["train", write(tmp_path, SCENARIO), "--epochs", "5", "--out", out]) == 0
    printed = capsys.readouterr()
    assert "done: 5 epochs" in printed.out and printed.err == ""

    with np.load(out, allow_pickle=False) as run:
        keys = set(run.files)
        for key in ("init_W0", "init_b0", "W0", "b0", "W1", "b1", "W2", "b2", "loss_train", "loss_test",
                    "X_train", "y_train", "X_test", "y_test"):
            assert key in keys, key
        assert "W3" not in keys
        assert run["loss_train"].shape == (6,) and run["loss_test"].shape == (6,)
        assert np.all(np.isfinite(run["loss_train"]))
        W = [run[f"W{i}"] for i in range(3)]
        b = [run[f"b{i}"] for i in range(3)]
        assert [w.shape for w in W] == [(2, 4), (4, 3), (3, 1)]
        assert [v.shape for v in b] == [(4,), (3,), (1,)]
        assert run["init_W0"].shape == (2, 4) and not np.array_equal(run["init_W0"], W[0])
        X, y = run["X_train"], run["y_train"]
        assert X.shape == (30, 2) and y.shape == (30,)

        # the forward pass by hand: tanh hidden layers, sigmoid output (binary data), mean BCE
        a = X
        for w, bias in zip(W[:-1], b[:-1], strict=True):
            a = np.tanh(a @ w + bias)
        z = (a @ W[-1] + b[-1])[:, 0]
        p = sigmoid(z)
        bce = np.mean(np.logaddexp(0.0, z) - y * z)
        assert bce == pytest.approx(run["loss_train"][-1], rel=1e-10)
        assert np.mean((p > 0.5) == y) == pytest.approx(run["acc_train"][-1])

        # ... and the initial weights reproduce the loss before training
        a = X
        for i in range(2):
            a = np.tanh(a @ run[f"init_W{i}"] + run[f"init_b{i}"])
        z0 = (a @ run["init_W2"] + run["init_b2"])[:, 0]
        assert np.mean(np.logaddexp(0.0, z0) - y * z0) == pytest.approx(run["loss_train"][0], rel=1e-10)


def test_train_uses_the_files_epochs_and_quiet(tmp_path, capsys):
    text = SCENARIO.replace("epochs = 50", "epochs = 3")
    out = str(tmp_path / "run.npz")
    assert main(["train", write(tmp_path, text), "--out", out, "--quiet"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("done: 3 epochs")
    with np.load(out, allow_pickle=False) as run:
        assert run["loss_train"].shape == (4,)


def test_train_zero_epochs(tmp_path):
    out = str(tmp_path / "run.npz")
    assert main(["train", write(tmp_path, SCENARIO), "--epochs", "0", "--out", out]) == 0
    with np.load(out, allow_pickle=False) as run:
        np.testing.assert_array_equal(run["W0"], run["init_W0"])
        assert run["loss_train"].shape == (1,)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('[training]\nlearning_rate = 0.1\n', "unknown key 'learning_rate'"),
        ('[model]\nactivation = "tanhh"\n', "'tanhh' is not one of"),
        ('[training]\nepochs = -3\n', "training.epochs"),
        ('[data]\ndataset = "circle"\n[model]\nhidden = [3\n', "TOML syntax error"),
        ('[data]\ndataset = "gate-and"\n[model]\nhidden = []\n[[model.initial_params]]\n'
         'layer = 0\nW = [[1.0], [2.0], [3.0]]\n', "layer 0 W has shape (3, 1)"),
    ],
    ids=["unknown-key", "bad-value", "bad-epochs", "toml-syntax", "engine-shape"],
)
def test_bad_scenarios_fail_with_one_line(tmp_path, capsys, text, fragment):
    out = tmp_path / "run.npz"
    code = main(["train", write(tmp_path, text), "--out", str(out)])
    assert code != 0
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1, captured.err
    assert err[0].startswith("nnviz: error:") and fragment in err[0]
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists()


def test_toml_syntax_error_in_the_middle_names_line_and_column(tmp_path, capsys):
    code = main(["train", write(tmp_path, "[model]\nhidden = [3,,]\n[training]\nepochs = 3\n"),
                 "--out", str(tmp_path / "run.npz")])
    assert code != 0
    captured = capsys.readouterr()
    first = captured.err.splitlines()[0]
    assert first.startswith("nnviz: error:") and "line 2, column 13" in first
    assert "Traceback" not in captured.err


def test_missing_file(tmp_path, capsys):
    code = main(["train", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "run.npz")])
    assert code != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nnviz: error:") and "not found" in err[0]


def test_unwritable_output(tmp_path, capsys):
    code = main(["train", write(tmp_path, SCENARIO), "--epochs", "1",
                 "--out", str(tmp_path / "no" / "such" / "dir" / "run.npz")])
    assert code != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nnviz: error: cannot write")


def test_negative_epochs_are_rejected(tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(["train", write(tmp_path, SCENARIO), "--epochs", "-1", "--out", str(out)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("nnviz: error:") and "--epochs" in err
    assert not out.exists()


def test_diverged_run_is_saved_and_reported(tmp_path, capsys):
    text = ('[data]\ndataset = "reg-plane"\nn = 100\n[model]\nhidden = [8]\nactivation = "relu"\n'
            '[training]\nepochs = 20\n[training.optimizer]\nlr = 100\n')
    out = tmp_path / "run.npz"
    assert main(["train", write(tmp_path, text), "--out", str(out)]) != 0
    assert "smaller learning rate" in capsys.readouterr().out
    with np.load(out, allow_pickle=False) as run:
        assert str(run["status"]) == "diverged"
        assert np.all(np.isfinite(run["W0"]))


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["train", "--help"]])
def test_version_and_help_exit_zero(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    out = capsys.readouterr().out
    if argv == ["--version"]:
        assert out.strip() == f"nnviz {__version__}"
    else:
        assert "usage:" in out


def test_train_without_out_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["train", write(tmp_path, SCENARIO)])
    assert info.value.code == 2


def test_console_script_version():
    exe = Path(sys.executable).parent / "nnviz"
    cmd = [str(exe)] if exe.exists() else ["nnviz"]
    result = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"nnviz {__version__}"


def test_ctrl_c_closes_the_app_cleanly(tmp_path):
    """Ctrl+C in the terminal: the window closes (autosave written), exit code 0, and
    no KeyboardInterrupt traceback."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    shot = tmp_path / "drawn.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NNVIZ_SCREENSHOT=str(shot),
               NNVIZ_DATA_DIR=str(tmp_path / "data"), NNVIZ_SETTINGS_FILE=str(tmp_path / "settings.ini"),
               PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    env.pop("NNVIZ_NO_RESTORE", None)
    proc = subprocess.Popen([sys.executable, "-c", "from nnviz.cli import main; raise SystemExit(main([]))"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not shot.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert shot.exists(), "the window never drew"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "QThread: Destroyed" not in err
    assert (tmp_path / "data" / "autosave.nnviz").exists()  # closed the normal way
