"""Sessions: save, load and continue equals continuing without saving, bit for bit;
corrupt, truncated or hostile files are refused cleanly."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from nnviz.engine import Scenario, Trainer
from nnviz.engine.session import SessionError, load_session, save_session, session_bytes, session_from_bytes


def busy_scenario() -> Scenario:
    """Shuffling, dropout, Adam, a schedule and L2: every source of state at once."""
    sc = Scenario()
    sc.data.dataset, sc.data.noise = "spiral", 0.1
    sc.model.hidden = [8, 8]
    sc.training.batch_size = 7
    sc.training.dropout = 0.2
    sc.training.l2 = 0.001
    sc.training.optimizer.name = "adam"
    sc.training.optimizer.lr = 0.01
    sc.training.schedule.name = "step"
    sc.training.schedule.step_size = 2
    sc.training.early_stopping.enabled = True
    sc.training.early_stopping.patience = 50
    return sc


def advance(trainer: Trainer, epochs: int = 2, steps: int = 5) -> None:
    trainer.train(epochs)
    for _ in range(steps):  # stop mid-epoch
        trainer.step_batch()


def test_save_load_continue_is_bit_identical_to_never_saving(tmp_path):
    original = Trainer(busy_scenario())
    advance(original)
    path = save_session(original, tmp_path / "run.nnviz", extra={"layout": "abc"})
    restored, extra = load_session(path)
    assert extra == {"layout": "abc"}
    counters = (original.epoch, original.step, original._cursor)
    assert (restored.epoch, restored.step, restored._cursor) == counters
    advance(original, epochs=3, steps=3)
    advance(restored, epochs=3, steps=3)
    assert np.array_equal(original.net.theta, restored.net.theta)
    assert np.array_equal(original.trajectory.points, restored.trajectory.points)
    assert [h.loss_test for h in original.history] == [h.loss_test for h in restored.history]
    assert np.array_equal(original.optimizer.s_exp_avg_sq, restored.optimizer.s_exp_avg_sq)


def test_a_session_keeps_points_added_by_clicking(tmp_path):
    trainer = Trainer(Scenario())
    trainer.replace_dataset(trainer.dataset.with_point((1.0, 1.0), 1))
    restored, _ = load_session(save_session(trainer, tmp_path / "s.nnviz"))
    assert restored.n_train == trainer.n_train
    assert np.array_equal(restored.dataset.points_train, trainer.dataset.points_train)


def test_a_saved_live_change_is_restored(tmp_path):
    trainer = Trainer(Scenario())
    trainer.train(1)
    trainer.set_lr(0.123)
    restored, _ = load_session(save_session(trainer, tmp_path / "s.nnviz"))
    assert restored.base_lr == 0.123


def _tamper(data: bytes, member: str, content: bytes | None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename == member:
                if content is not None:
                    dst.writestr(member, content)
            else:
                dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


def _arrays_with(data: bytes, **changes) -> bytes:
    with np.load(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read("arrays.npz"))) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays.update(changes)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return _tamper(data, "arrays.npz", buf.getvalue())


def _state_with(data: bytes, **changes) -> bytes:
    state = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("state.json"))
    state.update(changes)
    return _tamper(data, "state.json", json.dumps(state).encode())


@pytest.fixture(scope="module")
def good() -> bytes:
    trainer = Trainer(busy_scenario())
    advance(trainer, epochs=1, steps=2)
    return session_bytes(trainer)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d[: len(d) // 2], "not a zip archive, or truncated"),
        (lambda d: b"hello world", "not a zip archive"),
        (lambda d: _tamper(d, "state.json", None), "missing state.json"),
        (lambda d: _tamper(d, "state.json", b"{not json"), "damaged state"),
        (lambda d: _tamper(d, "arrays.npz", b"garbage"), "damaged arrays"),
        (lambda d: _tamper(d, "scenario.toml", b"[training]\nlr = 'x'\n"), "scenario is invalid"),
        (lambda d: _state_with(d, format="other"), "wrong format marker"),
        (lambda d: _state_with(d, version=99), "version 99"),
        (lambda d: _state_with(d, cursor=10**9), "counters are out of range"),
        (lambda d: _state_with(d, status="exploded"), "unknown status"),
        (lambda d: _arrays_with(d, theta=np.zeros(3)), "'theta' has shape"),
        (lambda d: _arrays_with(d, theta=np.full(105, np.nan)), "not all finite"),
        (lambda d: _arrays_with(d, perm=np.zeros(250, dtype=np.int64)), "not a permutation"),
        (lambda d: _arrays_with(d, X_train=np.zeros((3, 2))), "data is invalid"),
        (lambda d: _arrays_with(d, names=np.array(["a", "b"])), "unexpected type"),
    ],
)
def test_corrupt_sessions_are_refused_with_a_clear_message(good, mutate, message):
    with pytest.raises(SessionError, match=message):
        session_from_bytes(mutate(good))


def test_a_failed_save_leaves_the_old_file_and_no_temp_files(tmp_path, monkeypatch):
    trainer = Trainer(Scenario())
    path = save_session(trainer, tmp_path / "s.nnviz")
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", broken_fsync)
    with pytest.raises(SessionError, match="No space left"):
        save_session(trainer, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.nnviz"]


def test_missing_file_is_a_session_error(tmp_path):
    with pytest.raises(SessionError, match="not found"):
        load_session(tmp_path / "nope.nnviz")
