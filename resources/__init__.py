"""nnviz's data files (lessons, icons). Installed as the package ``nnviz.resources``."""
