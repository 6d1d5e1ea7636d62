"""tfa.callbacks under Keras 3: `AverageModelCheckpoint` (MovingAverage, SWA or Keras'
`use_ema`), `TimeStopping` and `TQDMProgressBar`, with tfa's arguments."""

from kerasdl.addons.callbacks.average_model_checkpoint import AverageModelCheckpoint
from kerasdl.addons.callbacks.time_stopping import TimeStopping
from kerasdl.addons.callbacks.tqdm_progress_bar import TQDMProgressBar

__all__ = ["AverageModelCheckpoint", "TQDMProgressBar", "TimeStopping"]
