"""Site configuration for lecture halls (nnviz.siteconfig): paths, parsing, locking."""

from __future__ import annotations

import os
from pathlib import Path, PureWindowsPath

import pytest

from nnviz.siteconfig import (
    DEFAULTS,
    ENV_VAR,
    SiteConfig,
    effective_settings,
    load_site_config,
    site_config_path,
)

FULL = """\
default_lesson = "03-xor"
presentation_mode = true
hidden_controls = ["regularisation", "optimizer", "regularisation"]
autosave = false
recent_files = false
locked = ["presentation_mode", "hidden_controls"]
"""


def write(tmp_path: Path, text: str | bytes, name: str = "site.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- paths

@pytest.mark.parametrize(
    ("platform", "environ", "expected"),
    [
        ("linux", {}, Path("/etc/nnviz/site.toml")),
        ("freebsd14", {}, Path("/etc/nnviz/site.toml")),
        ("darwin", {}, Path("/Library/Application Support/nnviz/site.toml")),
        ("win32", {"PROGRAMDATA": r"D:\Data"}, Path(r"D:\Data") / "nnviz" / "site.toml"),
        ("win32", {}, Path(r"C:\ProgramData") / "nnviz" / "site.toml"),
    ],
)
def test_site_config_path_per_platform(platform, environ, expected):
    assert site_config_path(platform, environ) == expected


def test_windows_path_spelled_as_documented():
    path = site_config_path("win32", {"PROGRAMDATA": r"C:\ProgramData"})
    assert PureWindowsPath(str(path)) == PureWindowsPath(r"C:\ProgramData\nnviz\site.toml")


def test_env_var_overrides_and_empty_turns_it_off(tmp_path):
    assert site_config_path("linux", {ENV_VAR: str(tmp_path / "x.toml")}) == tmp_path / "x.toml"
    assert site_config_path("win32", {ENV_VAR: "  "}) is None


def test_load_uses_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(write(tmp_path, "autosave = false\n")))
    site = load_site_config()
    assert site.values == {"autosave": False}
    assert site.path == tmp_path / "site.toml"
    monkeypatch.setenv(ENV_VAR, "")
    assert load_site_config() == SiteConfig()


# ---------------------------------------------------------------------------- parsing

def test_full_file(tmp_path):
    site = load_site_config(write(tmp_path, FULL))
    assert site.warnings == ()
    assert site.values == {
        "default_lesson": "03-xor",
        "presentation_mode": True,
        "hidden_controls": ["regularisation", "optimizer"],  # duplicates dropped, order kept
        "autosave": False,
        "recent_files": False,
    }
    assert site.locked == {"presentation_mode", "hidden_controls"}
    assert site.is_locked("presentation_mode") and not site.is_locked("autosave")
    assert site.get("default_lesson") == "03-xor" and site.get("nothing", 7) == 7


def test_missing_file_is_empty_and_silent(tmp_path):
    site = load_site_config(tmp_path / "absent.toml")
    assert site == SiteConfig()


def test_empty_file(tmp_path):
    site = load_site_config(write(tmp_path, ""))
    assert site.values == {} and site.warnings == () and site.path == tmp_path / "site.toml"


def test_utf8_bom_is_accepted(tmp_path):
    site = load_site_config(write(tmp_path, "\ufeffdefault_lesson = \"Über\"\n"))
    assert site.values == {"default_lesson": "Über"} and site.warnings == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("presentation_mode = tru\n", "not valid TOML"),
        ("[[[\n", "not valid TOML"),
        (b"default_lesson = \"\xff\xfe\"\n", "not UTF-8"),
    ],
)
def test_unreadable_content_is_a_warning_not_a_crash(tmp_path, text, message):
    site = load_site_config(write(tmp_path, text))
    assert site.values == {} and site.locked == frozenset()
    assert len(site.warnings) == 1 and message in site.warnings[0]
    assert str(tmp_path / "site.toml") in site.warnings[0]


def test_folder_instead_of_file(tmp_path):
    (tmp_path / "site.toml").mkdir()
    site = load_site_config(tmp_path / "site.toml")
    assert site.values == {} and "folder" in site.warnings[0]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_permission_denied(tmp_path):
    path = write(tmp_path, "autosave = false\n")
    path.chmod(0)
    try:
        site = load_site_config(path)
    finally:
        path.chmod(0o644)
    assert site.values == {} and "cannot be read" in site.warnings[0]


def test_bad_values_are_dropped_one_by_one(tmp_path):
    text = """\
default_lesson = ""
presentation_mode = "yes"
hidden_controls = "optimizer"
autosave = 0
recent_files = false
"""
    site = load_site_config(write(tmp_path, text))
    assert site.values == {"recent_files": False}  # the valid key still applies
    assert len(site.warnings) == 4
    joined = "\n".join(site.warnings)
    for key in ("default_lesson", "presentation_mode", "hidden_controls", "autosave"):
        assert f"'{key}'" in joined
    assert "true or false" in joined


def test_hidden_controls_must_be_text(tmp_path):
    site = load_site_config(write(tmp_path, "hidden_controls = [\"a\", 3]\n"))
    assert "hidden_controls" not in site.values and len(site.warnings) == 1


def test_unknown_key_suggests_the_right_one(tmp_path):
    site = load_site_config(write(tmp_path, "presentation_mod = true\n[extra]\nx = 1\n"))
    assert site.values == {}
    assert any("did you mean 'presentation_mode'" in w for w in site.warnings)
    assert any("unknown key 'extra'" in w for w in site.warnings)


def test_locked_must_name_known_keys(tmp_path):
    site = load_site_config(write(tmp_path, 'autosave = false\nlocked = ["autosav", "autosave", "locked"]\n'))
    assert site.locked == {"autosave"}
    assert len(site.warnings) == 2
    assert "did you mean 'autosave'" in site.warnings[0]


def test_locked_of_wrong_type(tmp_path):
    site = load_site_config(write(tmp_path, 'autosave = false\nlocked = "autosave"\n'))
    assert site.locked == frozenset() and site.values == {"autosave": False}
    assert "'locked' must be a list" in site.warnings[0]


# ---------------------------------------------------------------------------- combining

def test_defaults_when_nothing_is_set():
    assert effective_settings(SiteConfig(), {}) == DEFAULTS
    assert effective_settings(SiteConfig()) == DEFAULTS


def test_user_overrides_site_unless_locked(tmp_path):
    site = load_site_config(write(tmp_path, FULL))
    user = {"presentation_mode": False, "hidden_controls": [], "autosave": True,
            "default_lesson": "01-linear-regression"}
    got = effective_settings(site, user)
    assert got["presentation_mode"] is True  # locked: the site wins
    assert got["hidden_controls"] == ["regularisation", "optimizer"]  # locked
    assert got["autosave"] is True  # not locked: the user wins
    assert got["default_lesson"] == "01-linear-regression"
    assert got["recent_files"] is False  # site value, the user set nothing


def test_locked_key_the_site_does_not_set_keeps_the_default(tmp_path):
    site = load_site_config(write(tmp_path, 'locked = ["recent_files"]\n'))
    assert effective_settings(site, {"recent_files": False})["recent_files"] is True


def test_wrong_user_values_are_ignored_and_other_keys_pass_through():
    site = SiteConfig(values={"autosave": False})
    user = {"autosave": "no", "window_geometry": "abc", "hidden_controls": ["x", "x"]}
    got = effective_settings(site, user)
    assert got["autosave"] is False
    assert got["window_geometry"] == "abc"
    assert got["hidden_controls"] == ["x"]


def test_result_does_not_share_lists():
    site = SiteConfig(values={"hidden_controls": ["a"]})
    got = effective_settings(site, {})
    got["hidden_controls"].append("b")
    assert site.values["hidden_controls"] == ["a"]
    assert DEFAULTS["hidden_controls"] == []
    effective_settings(SiteConfig(), {})["hidden_controls"].append("z")
    assert DEFAULTS["hidden_controls"] == []


def test_does_not_import_qt():
    import subprocess
    import sys

    code = "import sys, nnviz.siteconfig; sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
