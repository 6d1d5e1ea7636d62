"""tfa.callbacks.TimeStopping: stop training after a wall-clock budget
(`kerasdl.callbacks.TimeStopping`, tfa's arguments and behaviour)."""

from kerasdl.callbacks import TimeStopping

__all__ = ["TimeStopping"]
