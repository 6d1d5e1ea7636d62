"""Trainer options: strategy and optimizer names, EMA of the weights."""

import keras
import numpy as np
import pytest

from kerasdl import distribute, trainer
from kerasdl.data import InputError


def test_unknown_strategy_and_optimizer_are_input_errors():
    with pytest.raises(InputError, match="--strategy"):
        distribute.get_strategy("warp")
    with pytest.raises(InputError, match="--optimizer"):
        trainer.make_optimizer("teleport", 0.1)
    assert trainer.make_optimizer("sgd", 0.1, momentum=0.5).momentum == 0.5
    with pytest.raises(InputError, match="--ema"):
        trainer.make_optimizer("adam", 0.1, ema=1.5)


def test_ema_ends_training_on_the_averaged_weights():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(trainer.make_optimizer("sgd", 0.1, ema=0.9), "mse")
    optimizer = model.optimizer
    assert optimizer.use_ema and optimizer.ema_momentum == 0.9
    model.fit(x, x.sum(1, keepdims=True), epochs=2, batch_size=16, verbose=0)
    average = [v.numpy() for v in optimizer._model_variables_moving_average]
    for weight, averaged in zip(model.get_weights(), average, strict=True):
        np.testing.assert_array_equal(weight, averaged)
