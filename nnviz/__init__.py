"""nnviz: a desktop lab for teaching neural networks."""

__version__ = "0.1.0"
