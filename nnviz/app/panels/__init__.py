"""The teaching panels. Importing this package registers every one of them.

Each module defines one ``Panel`` subclass decorated with ``@register_panel``; the main
window builds a dock for every registered panel.
"""

from nnviz.app.panels import (  # noqa: F401  (imported for registration)
    activation_panel,
    backprop_panel,
    dropout_panel,
    gradient_panel,
    neurons_panel,
    race_panel,
    surface_panel,
)
