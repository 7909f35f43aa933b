"""Scenario files: the TOML form of an experiment, read, checked and written.

A scenario maps 1:1 onto ``nnviz.engine.config.Scenario``; docs/scenario.md
describes every key. Everything that goes wrong comes out as a ScenarioError whose
message a student can act on without reading a traceback.
"""

from .convert import scenario_from_dict, scenario_to_dict
from .errors import ScenarioError
from .files import dumps_scenario, load_scenario, parse_scenario, save_scenario
from .rules import validate

__all__ = [
    "ScenarioError",
    "dumps_scenario",
    "load_scenario",
    "parse_scenario",
    "save_scenario",
    "scenario_from_dict",
    "scenario_to_dict",
    "validate",
]
