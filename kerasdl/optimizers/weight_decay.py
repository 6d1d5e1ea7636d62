"""Weight decay as tfa's optimizers took it: a number, a schedule or a callable."""

import keras
from keras import ops


class ScheduledWeightDecayMixin:
    """`weight_decay` that may be a number, a schedule or a callable, applied by `update_step`.

    Mix in before the Keras optimizer class. A
    `keras.optimizers.schedules.LearningRateSchedule` is read at `iterations`, the step the
    learning-rate schedule reads (tfa's `_decayed_wd`); a callable of no arguments is called
    each step; a number is used as is. tfa's AdamW documentation asks for the decay to be
    scheduled whenever the learning rate is, so runs that did so carry over unchanged.

    Keras's own decay (`var -= lr * weight_decay * var` before the step) is switched off: the
    class applies `current_weight_decay` in its `update_step`, with tfa's meaning.
    `get_config` serializes a schedule or callable as Keras serializes a learning rate
    (a lambda only reloads with `safe_mode=False`), and `from_config` restores it.

    Example:

    ```python
    from kerasdl.optimizers.adamw_tfa import decay_like_tfa
    from kerasdl.optimizers.sparse import GradientRows
    from kerasdl.optimizers.weight_decay import ScheduledWeightDecayMixin


    class DecayedSGD(ScheduledWeightDecayMixin, keras.optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            decay_like_tfa(self, variable, GradientRows(gradient, variable))  # var -= wd * var
            super().update_step(gradient, variable, learning_rate)


    decay = keras.optimizers.schedules.ExponentialDecay(1e-2, decay_steps=100, decay_rate=0.5)
    optimizer = DecayedSGD(learning_rate=0.1, weight_decay=decay)
    variable = keras.Variable(np.ones((2, 2)))
    optimizer.apply_gradients([(np.zeros((2, 2), "float32"), variable)])  # var == 0.99
    ```
    """

    def _apply_weight_decay(self, variables):
        return  # applied in update_step

    def _decays(self, variable) -> bool:
        """Whether `variable` is decayed (a decay is set and it is not excluded)."""
        decay = self.weight_decay
        if decay is None or (isinstance(decay, int | float) and decay == 0):
            return False
        return self._use_weight_decay(variable)

    def current_weight_decay(self, dtype):
        """The weight decay for the step being taken, as a scalar of `dtype`."""
        decay = self.weight_decay
        if isinstance(decay, keras.optimizers.schedules.LearningRateSchedule):
            decay = decay(self.iterations)
        elif callable(decay):
            decay = decay()
        return ops.cast(decay, dtype)

    def get_config(self):
        config = super().get_config()
        decay = self.weight_decay
        if isinstance(decay, keras.optimizers.schedules.LearningRateSchedule) or callable(decay):
            config["weight_decay"] = keras.saving.serialize_keras_object(decay)
        elif isinstance(decay, keras.Variable) or ops.is_tensor(decay):
            config["weight_decay"] = float(ops.convert_to_numpy(decay))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config.get("weight_decay"), dict):
            config = dict(config)
            config["weight_decay"] = keras.saving.deserialize_keras_object(
                config["weight_decay"], custom_objects=custom_objects
            )
        return super().from_config(config, custom_objects=custom_objects)
