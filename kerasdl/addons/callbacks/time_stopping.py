"""tfa.callbacks.TimeStopping: stop training after a wall-clock budget."""

import datetime
import time

import keras


@keras.saving.register_keras_serializable(package="Addons")
class TimeStopping(keras.callbacks.Callback):
    """Stops `fit` at the end of the first epoch that ends `seconds` after training began.

    Args:
        seconds: the time budget (default one day).
        verbose: print the epoch at which training stopped.
    """

    def __init__(self, seconds: int = 86400, verbose: int = 0):
        super().__init__()
        self.seconds = seconds
        self.verbose = verbose
        self.stopped_epoch = None

    def on_train_begin(self, logs=None):
        self.stopping_time = time.time() + self.seconds

    def on_epoch_end(self, epoch, logs=None):
        if time.time() >= self.stopping_time:
            self.model.stop_training = True
            self.stopped_epoch = epoch

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose > 0:
            formatted = datetime.timedelta(seconds=self.seconds)
            print(
                f"Timed stopping at epoch {self.stopped_epoch + 1} after training for {formatted}"
            )

    def get_config(self):
        return {"seconds": self.seconds, "verbose": self.verbose}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
