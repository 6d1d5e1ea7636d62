"""tfa.callbacks under Keras 3: `TimeStopping`. `AverageModelCheckpoint` and
`TQDMProgressBar` are listed in BUILD_NOTES' migration table."""

from kerasdl.addons.callbacks.time_stopping import TimeStopping

__all__ = ["TimeStopping"]
