"""The Qt desktop application. Everything Qt lives in this package; the engine does not."""
