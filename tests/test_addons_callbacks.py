"""tfa.callbacks.TimeStopping against the cases of tfa 0.23's callbacks/tests/
time_stopping_test.py. tfa slept in a `dynamic=True` layer (Keras 3 has none); here a
callback sleeps after each batch, which costs the epoch the same time."""

import time

import keras
import numpy as np
import pytest

import kerasdl.addons as tfa

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
Y = np.array([[0], [1], [1], [0]], "float32")


class Sleep(keras.callbacks.Callback):
    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(self.seconds)


def fit(seconds, epochs, time_stopping):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mean_squared_error")
    model.fit(X, Y, epochs=1, verbose=0)  # in case there is some initialisation going on
    callbacks = [Sleep(seconds), time_stopping]
    return model.fit(X, Y, epochs=epochs, verbose=0, callbacks=callbacks)


def test_tfa_stop_at_the_right_time():
    history = fit(0.1, 30, tfa.callbacks.TimeStopping(2, verbose=0))
    assert len(history.epoch) <= 20


def test_tfa_default_value():
    assert len(fit(0.1, 15, tfa.callbacks.TimeStopping()).epoch) == 15


@pytest.mark.parametrize("verbose", [0, 1])
def test_tfa_time_stopping_verbose(capsys, verbose):
    capsys.readouterr()
    history = fit(0.25, 10, tfa.callbacks.TimeStopping(1, verbose=verbose))
    message = f"Timed stopping at epoch {len(history.epoch)}"
    assert (message in capsys.readouterr().out) == bool(verbose)
    assert len(history.epoch) <= 4
