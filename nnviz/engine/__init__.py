"""The training engine: pure NumPy, float64, no Qt.

Import the pieces from their modules; the most used are re-exported here.
"""

from nnviz.engine.config import Scenario
from nnviz.engine.trainer import DIVERGED, READY, RUNNING, STOPPED_EARLY, EngineError, Trainer

__all__ = ["DIVERGED", "READY", "RUNNING", "STOPPED_EARLY", "EngineError", "Scenario", "Trainer"]
