"""The one exception type the data package raises.

The GUI shows data problems (a bad CSV, an impossible setting) to a lecturer as a
one-line message, so every failure in this package is a `DataError`. It subclasses
`ValueError` so that code which already handles bad values keeps working.
"""

from __future__ import annotations


class DataError(ValueError):
    """A dataset could not be built or read; the message says why, in one line."""
