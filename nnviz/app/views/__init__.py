"""The dockable views. Importing this package registers every panel with the main window.

* ``NetworkView`` ("network"): the network diagram with live neuron maps, editable links.
* ``OutputView`` ("output"): decision boundary / regression surface and the data.
* ``LossView`` ("loss"): train/test loss with accuracy or R².
"""

from nnviz.app.views.loss_view import LossView
from nnviz.app.views.network_view import NetworkView
from nnviz.app.views.output_view import OutputView

__all__ = ["LossView", "NetworkView", "OutputView"]
