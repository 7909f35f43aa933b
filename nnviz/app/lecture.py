"""Lecture-hall features of the main window: lessons, export, sessions, presentation mode.

``LectureTools(window)`` adds the Lessons, Export and Session menus and the
presentation-mode actions to a ``MainWindow``. It talks to the window only through its
public pieces (``session``, ``panels``, ``docks``, ``controls``, ``apply_scenario``,
``show_warning``), so the window itself stays a shell.
"""

from __future__ import annotations

import copy
import os
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QSignalBlocker, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QSizePolicy,
    QWidget,
)

from nnviz.app.style import SCREEN_POINT_SIZE, set_point_size
from nnviz.app.theme_tools import ThemeTools

#: Presentation mode's font: at least 20 pt on a 1920×1080 projector.
PRESENTATION_POINT_SIZE = 20.0
MIN_POINT_SIZE, MAX_POINT_SIZE = 8.0, 40.0
RECENT_LIMIT = 8
AUTOSAVE_NAME = "autosave.nnviz"


def autosave_path() -> Path:
    from nnviz.paths import user_data_dir

    return user_data_dir() / AUTOSAVE_NAME


class LectureTools(QObject):
    """Menus and modes for teaching; owned by the main window."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.lesson_path: Path | None = None
        self.presenting = False
        self.recorder = None
        self.side_by_side = None
        self.recorded_panel: str | None = None
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.caption.setMaximumHeight(self.caption.fontMetrics().lineSpacing() * 4 + 16)
        self.caption.setStyleSheet(
            "QLabel { background: #fff8e6; color: #222; padding: 6px 10px; font-size: 12pt; }"
        )
        self.caption_bar = None  # the toolbar holding the caption, set by the window
        self._build_menus()

    # ------------------------------------------------------------------ menus --------
    def _build_menus(self) -> None:
        w = self.window
        bar = w.menuBar()
        lessons = QMenu("&Lessons", w)
        bar.insertMenu(bar.actions()[1], lessons)
        self.lessons_menu = lessons
        lessons.aboutToShow.connect(self._fill_lessons)

        export = bar.addMenu("E&xport")
        for pid, panel in w.panels.items():
            sub = export.addMenu(panel.title or pid)
            sub.addAction("PNG…", lambda p=pid: self.export_panel(p, "png"))
            sub.addAction("PNG, transparent…", lambda p=pid: self.export_panel(p, "png-transparent"))
            sub.addAction("SVG…", lambda p=pid: self.export_panel(p, "svg"))
            sub.addAction("Copy to clipboard", lambda p=pid: self.export_panel(p, "clipboard"))
        export.addSeparator()
        record = export.addMenu("Record animation (GIF)")
        for pid, panel in w.panels.items():
            record.addAction(panel.title or pid, lambda p=pid: self.start_recording(p))
        self.stop_record_action = export.addAction("Stop recording and save…", self.stop_recording)
        self.stop_record_action.setEnabled(False)
        export.addSeparator()
        act = export.addAction("Export all panels…")
        act.setShortcut(QKeySequence("Ctrl+E"))
        act.triggered.connect(self.export_all)

        file_menu = bar.actions()[0].menu()
        first = file_menu.actions()[0]
        for text, key, slot in (
            ("Open session…", "Ctrl+Shift+O", self.ask_open_session),
            ("Save session…", "Ctrl+S", self.ask_save_session),
        ):
            action = QAction(text, w)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            file_menu.insertAction(first, action)
        self.recent_menu = QMenu("Recent files", w)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.insertMenu(first, self.recent_menu)
        self.autosave_action = QAction("Autosave on quit", w)
        self.autosave_action.setCheckable(True)
        self.autosave_action.setChecked(self._setting("session/autosave", True))
        self.autosave_action.toggled.connect(lambda on: w.settings.setValue("session/autosave", on))
        file_menu.insertAction(first, self.autosave_action)
        file_menu.insertSeparator(first)

        view = w.view_menu
        view.addSeparator()
        self.presentation_action = QAction("Presentation mode", w)
        self.presentation_action.setCheckable(True)
        self.presentation_action.setShortcut(QKeySequence("Ctrl+P"))
        self.presentation_action.toggled.connect(self.set_presentation)
        view.addAction(self.presentation_action)
        self.themes = ThemeTools(w, view)
        for text, key, step in (("Larger text", "Ctrl++", 1.15), ("Smaller text", "Ctrl+-", 1 / 1.15)):
            action = QAction(text, w)
            action.setShortcuts([QKeySequence(key), QKeySequence(key.replace("+", "=", 1))] if step > 1
                                else [QKeySequence(key)])
            action.triggered.connect(lambda _=False, s=step: self.scale_fonts(s))
            view.addAction(action)
        act = view.addAction("Hide controls for students…")
        act.triggered.connect(self.ask_hidden_controls)

    def apply_site_config(self, opened_something: bool) -> None:
        """The lecture hall's site file: default lesson, presentation mode, hidden
        controls, no autosave or recent files. Per-user choices win unless it locks them."""
        from nnviz.siteconfig import effective_settings, load_site_config

        w = self.window
        site = load_site_config()
        for warning in site.warnings:
            w.show_warning(f"Site configuration: {warning}")
        user = {}
        stored = w.settings.value("session/autosave")
        if stored is not None:
            user["autosave"] = stored in (True, "true", "1", 1)
        settings = effective_settings(site, user)
        self.autosave_action.setChecked(bool(settings["autosave"]))
        self.autosave_action.setEnabled(not site.is_locked("autosave"))
        self.recent_enabled = bool(settings["recent_files"])
        self.recent_menu.menuAction().setVisible(self.recent_enabled)
        if settings["default_lesson"] and not opened_something:
            from nnviz.lessons import find_lesson
            from nnviz.scenario import ScenarioError

            try:
                self.open_lesson(find_lesson(settings["default_lesson"]))
            except ScenarioError as exc:
                w.show_warning(f"Site configuration: {exc}")
        if settings["hidden_controls"]:
            self.set_hidden_controls(settings["hidden_controls"])
        if settings["presentation_mode"]:
            self.presentation_action.setChecked(True)

    def _setting(self, key: str, default):
        value = self.window.settings.value(key, default)
        if isinstance(default, bool):
            return value in (True, "true", "1", 1)
        return value

    # ---------------------------------------------------------------- lessons --------
    def _fill_lessons(self) -> None:
        from nnviz.lessons import list_lessons, variant_paths
        from nnviz.scenario import ScenarioError, load_scenario

        menu = self.lessons_menu
        menu.clear()
        entries = list_lessons()
        for entry in (e for e in entries if e.builtin):
            menu.addAction(entry.title, lambda p=entry.path: self.open_lesson(p))
        mine = [e for e in entries if not e.builtin]
        if mine:
            sub = menu.addMenu("My lessons")
            for entry in mine:
                sub.addAction(entry.title, lambda p=entry.path: self.open_lesson(p))
        if self.lesson_path is not None:
            try:
                scenario = load_scenario(self.lesson_path)
                variants = variant_paths(scenario, self.lesson_path)
            except ScenarioError:
                variants = []
            if variants:
                menu.addSeparator()
                sub = menu.addMenu("Compare (A/B)")
                labels = {}
                for path in [self.lesson_path, *variants]:
                    labels[path] = load_scenario(path).lesson.variant_label or path.stem
                    sub.addAction(labels[path], lambda p=path: self.open_lesson(p, keep_root=True))
                sub.addSeparator()
                for path in [self.lesson_path, *variants]:
                    sub.addAction(f"Side by side: {labels[path]} in a second window",
                                  lambda p=path: self.open_side_by_side(p))
        menu.addSeparator()
        menu.addAction("Save as my lesson…", self.ask_save_lesson)
        menu.addAction("Edit the caption…", self.ask_caption)

    def open_lesson(self, path: str | Path, keep_root: bool = False) -> bool:
        """Show a lesson: its scenario, panels, caption and hidden controls."""
        from nnviz.scenario import ScenarioError, load_scenario

        path = Path(path)
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self.window.show_warning(f"Cannot open the lesson: {exc}")
            return False
        if not keep_root or self.lesson_path is None:
            self.lesson_path = path
        self.window.apply_scenario(scenario)
        self.apply_lesson_view(scenario)
        self.remember_recent(path)
        return True

    def open_side_by_side(self, path: str | Path):
        """Train lesson file ``path`` in a second window beside this one (linked play,
        pause and reset); returns the ``SideBySide`` link, or None if it failed."""
        from nnviz.app.side_by_side import SideBySide
        from nnviz.scenario import ScenarioError, load_scenario

        try:
            load_scenario(path)  # a broken file: say so here, open no second window
        except ScenarioError as exc:
            self.window.show_warning(f"Cannot open the comparison: {exc}")
            return None
        if self.side_by_side is not None and self.side_by_side.companion is not None:
            self.side_by_side.companion.close()
        link = SideBySide(self.window, path)
        if not link.ok:
            link.companion.close()
            return None
        self.side_by_side = link
        return link

    def apply_lesson_view(self, scenario) -> None:
        lesson = scenario.lesson
        w = self.window
        if lesson.panels:
            for pid, dock in w.docks.items():
                dock.setVisible(pid in lesson.panels)
            first = w.docks.get(lesson.panels[0])
            if first is not None:
                first.raise_()
        surface, race = w.panels.get("surface"), w.panels.get("race")
        if surface is not None and len(lesson.surface) == 2 and hasattr(surface, "set_parameters"):
            surface.set_parameters(*lesson.surface)
        if race is not None and lesson.race and hasattr(race, "set_function"):
            race.set_function(lesson.race)
        self.set_hidden_controls(lesson.hidden_controls)
        if lesson.title or lesson.caption:
            self.caption.setText(f"<b>{lesson.title}</b><br>{lesson.caption}")
            w.setWindowTitle(f"nnviz — {lesson.title}")
        if self.caption_bar is not None:
            self.caption_bar.setVisible(bool(lesson.title or lesson.caption))

    def ask_save_lesson(self) -> None:
        from nnviz.lessons import save_user_lesson
        from nnviz.scenario import ScenarioError

        w = self.window
        name, ok = QInputDialog.getText(w, "Save as my lesson", "Name of the lesson:")
        if not ok or not name.strip():
            return
        scenario = copy.deepcopy(w.scenario)
        scenario.lesson.title = scenario.lesson.title or name.strip()
        scenario.lesson.panels = [pid for pid, dock in w.docks.items() if dock.isVisible()]
        try:
            path = save_user_lesson(scenario, name)
        except ScenarioError as exc:
            w.show_warning(str(exc))
            return
        w.statusBar().showMessage(f"Saved under My lessons: {path}", 6000)

    def ask_caption(self) -> None:
        w = self.window
        text, ok = QInputDialog.getMultiLineText(w, "Lesson caption", "What should students notice?",
                                                 w.scenario.lesson.caption)
        if ok:
            w.scenario.lesson.caption = text
            self.apply_lesson_view(w.scenario)

    # ------------------------------------------------------- classroom hiding --------
    def control_names(self) -> list[str]:
        """Every control that can be hidden: the groups, and each named widget."""
        groups = self.window.controls.groups
        names = [g.title().lower() for g in groups]
        for group in groups:
            names += [c.objectName() for c in group.findChildren(QWidget) if c.objectName()
                      and not c.objectName().startswith("qt_")]
        return sorted(set(names), key=names.index)

    def set_hidden_controls(self, hidden: list[str]) -> None:
        """Hide the named controls (a group title hides the whole group)."""
        hidden_set = {h.lower() for h in hidden}
        for group in self.window.controls.groups:
            group.setVisible(group.title().lower() not in hidden_set)
            form = group.layout()
            for child in group.findChildren(QWidget):
                name = child.objectName()
                if name and isinstance(form, QFormLayout) and form.indexOf(child) >= 0:
                    form.setRowVisible(child, name.lower() not in hidden_set)
        self.window.scenario.lesson.hidden_controls = list(hidden)

    def ask_hidden_controls(self) -> None:
        w = self.window
        current = ", ".join(w.scenario.lesson.hidden_controls)
        text, ok = QInputDialog.getText(
            w, "Hide controls", "Controls to hide (comma-separated; saved with the lesson):\n"
            + ", ".join(self.control_names()), text=current)
        if ok:
            self.set_hidden_controls([t.strip() for t in text.split(",") if t.strip()])

    # ----------------------------------------------------------------- export --------
    def export_panel(self, pid: str, kind: str, path: str | None = None) -> Path | None:
        from nnviz.app.export import ExportError, copy_to_clipboard, export_png, export_svg

        w = self.window
        panel = w.panels[pid]
        try:
            if kind == "clipboard":
                copy_to_clipboard(panel)
                w.statusBar().showMessage(f"Copied the {panel.title} panel", 4000)
                return None
            suffix = "svg" if kind == "svg" else "png"
            if path is None:
                path, _ = QFileDialog.getSaveFileName(w, "Export", f"{pid}.{suffix}", f"*.{suffix}")
                if not path:
                    return None
            if kind == "svg":
                out = export_svg(panel, path, panel.title)
            else:
                out = export_png(panel, path, width=1920, transparent=kind == "png-transparent")
        except ExportError as exc:
            w.show_warning(str(exc))
            return None
        w.statusBar().showMessage(f"Exported {out}", 5000)
        return out

    def export_all(self, folder: str | None = None) -> list[Path]:
        """Every visible panel as PNG and SVG, plus the scenario that made them."""
        from nnviz.app.export import ExportError, export_png, export_svg
        from nnviz.scenario import save_scenario

        w = self.window
        if folder is None:
            folder = QFileDialog.getExistingDirectory(w, "Export all panels to")
            if not folder:
                return []
        out = Path(folder)
        written = []
        try:
            for pid, panel in w.panels.items():
                if w.docks[pid].isVisible():
                    written.append(export_png(panel, out / f"{pid}.png", width=1920))
                    written.append(export_svg(panel, out / f"{pid}.svg", panel.title))
            save_scenario(w.scenario, out / "scenario.toml")
            written.append(out / "scenario.toml")
        except (ExportError, OSError, ValueError) as exc:
            w.show_warning(f"Export stopped: {exc}")
        w.statusBar().showMessage(f"Exported {len(written)} files to {out}", 6000)
        return written

    def start_recording(self, pid: str) -> bool:
        """Record the panel at every drawn frame (≤ 15 fps) until stopped."""
        from nnviz.app.export import ExportError
        from nnviz.app.recorder import PanelRecorder

        w = self.window
        try:
            self.recorder = PanelRecorder(w.panels[pid])
            self.recorded_panel = pid
        except ExportError as exc:
            w.show_warning(str(exc))
            return False
        w.docks[pid].show()
        self.stop_record_action.setEnabled(True)
        w.statusBar().showMessage(f"Recording the {w.panels[pid].title} panel: press play", 8000)
        return True

    def capture_frame(self, redrawn: list[str]) -> None:
        """Called by the window after each drawn frame with the views it redrew.

        A frame in which the recorded view was not redrawn would repeat the last one
        (the GIF encoder merges repeats), so only frames that redrew it are captured.
        """
        if self.recorder is not None and self.recorded_panel in redrawn:
            self.recorder.capture()

    def stop_recording(self, path: str | None = None) -> Path | None:
        from nnviz.app.export import ExportError

        w = self.window
        recorder, self.recorder = self.recorder, None
        self.stop_record_action.setEnabled(False)
        if recorder is None:
            return None
        if path is None:
            from nnviz.app.recorder import mp4_available

            kinds = "GIF (*.gif);;MP4 video (*.mp4)" if mp4_available() else "GIF (*.gif)"
            path, _ = QFileDialog.getSaveFileName(w, "Save animation", "training.gif", kinds)
            if not path:
                return None
        try:
            out = recorder.save(path)
        except ExportError as exc:
            w.show_warning(str(exc))
            return None
        w.statusBar().showMessage(f"Saved {len(recorder.frames)} frames to {out}", 6000)
        return out

    # --------------------------------------------------------------- sessions --------
    def save_session(self, path: str | Path) -> bool:
        """Pause, save the run with the window layout, and remember the file."""
        from nnviz.engine.session import SessionError, save_session

        w = self.window
        w.pause()
        layout = bytes(w.saveState().toBase64().data()).decode()
        visible = [pid for pid, dock in w.docks.items() if dock.isVisible()]
        try:
            w.session.call(lambda t: save_session(t, path, {"layout": layout, "visible": visible}))
        except (SessionError, TimeoutError, RuntimeError) as exc:
            w.show_warning(f"Could not save the session: {exc}")
            return False
        self.remember_recent(Path(path))
        w.statusBar().showMessage(f"Saved session {path}", 5000)
        return True

    def open_session(self, path: str | Path) -> bool:
        """Load a session: the run continues exactly where it was saved."""
        from PySide6.QtCore import QByteArray

        from nnviz.engine.session import SessionError, load_session

        w = self.window
        try:
            trainer, extra = load_session(path)
        except SessionError as exc:
            w.show_warning(f"Could not open the session: {exc}")
            return False
        w.pause()
        w.scenario = copy.deepcopy(trainer.scenario)
        with QSignalBlocker(w.controls):
            w.controls.load(w.scenario)
        w.session.replace_trainer(trainer)
        layout = extra.get("layout")
        if isinstance(layout, str):
            w.restoreState(QByteArray.fromBase64(layout.encode()))
        self.remember_recent(Path(path))
        return True

    def ask_save_session(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save session", "lesson.nnviz", "Sessions (*.nnviz)")
        if path:
            self.save_session(path)

    def ask_open_session(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open session", "", "Sessions (*.nnviz)")
        if path:
            self.open_session(path)

    def autosave(self) -> None:
        if self.autosave_action.isChecked():
            try:
                self.save_session(autosave_path())
            except Exception:  # noqa: BLE001 - quitting must never fail
                traceback.print_exc()

    def restore_autosave(self) -> bool:
        path = autosave_path()
        if self.autosave_action.isChecked() and path.exists() and not os.environ.get("NNVIZ_NO_RESTORE"):
            return self.open_session(path)
        return False

    def remember_recent(self, path: Path) -> None:
        if path == autosave_path() or not getattr(self, "recent_enabled", True):
            return
        settings = self.window.settings
        recent = [str(path)] + [p for p in self.recent_files() if p != str(path)]
        settings.setValue("recent/files", recent[:RECENT_LIMIT])

    def recent_files(self) -> list[str]:
        value = self.window.settings.value("recent/files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for name in self.recent_files():
            opener = self.open_session if name.endswith(".nnviz") else self.open_lesson
            self.recent_menu.addAction(name, lambda n=name, o=opener: o(n))
        if not self.recent_files():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # ------------------------------------------------------------ presentation -------
    def set_presentation(self, on: bool) -> None:
        """Full screen with projector-size fonts everywhere (F11 is plain full screen)."""
        w = self.window
        app = QApplication.instance()
        if on and not self.presenting:
            self._size_before = app.font().pointSizeF()
        self.presenting = on
        before = getattr(self, "_size_before", SCREEN_POINT_SIZE)
        old_size = app.font().pointSizeF()
        set_point_size(app, PRESENTATION_POINT_SIZE if on else before)
        if on:
            self.themes.enter_presentation()
        else:
            self.themes.leave_presentation()
        self._refresh_fonts(old_size)
        if on:
            w.showFullScreen()
        else:
            w.showNormal()

    def scale_fonts(self, factor: float) -> None:
        app = QApplication.instance()
        old_size = app.font().pointSizeF()
        size = min(MAX_POINT_SIZE, max(MIN_POINT_SIZE, old_size * factor))
        set_point_size(app, size)
        self._refresh_fonts(old_size)

    def _refresh_fonts(self, old_size: float) -> None:
        """Give every widget the app font, scale the plots' tick and label fonts by as
        much (so axes grow with the text), and redraw the panels."""
        w = self.window
        font = QApplication.instance().font()
        for panel in w.panels.values():
            panel.setFont(font)
            if hasattr(panel, "_key"):
                panel._key = None  # network view: rebuild its scene at the new size
            for child in panel.findChildren(QWidget):
                child.setFont(font)
        QTimer.singleShot(0, w.fit_controls)  # once the new fonts are laid out
        ratio = font.pointSizeF() / old_size if old_size > 0 else 1.0
        self.themes.restyle(font_ratio=ratio)


__all__ = ["LectureTools", "autosave_path", "PRESENTATION_POINT_SIZE"]
