"""Lookahead: a wrapper that gives any optimizer slow weights."""

import contextlib

import keras
from keras import ops

from kerasdl.optimizers.wrapper import OptimizerWrapper


def _eager_scope():
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.init_scope()
    return contextlib.nullcontext()


@keras.saving.register_keras_serializable(package="kerasdl")
class Lookahead(OptimizerWrapper):
    """Lookahead wrapped around any Keras or kerasdl optimizer.

    Zhang et al. 2019, "Lookahead Optimizer: k steps forward, 1 step back"
    (NeurIPS), Algorithm 1. The inner ("fast") optimizer updates the weights as
    usual; every `sync_period` steps the slow weights move towards them and the
    fast weights are reset to the result:

        phi <- phi + slow_step_size * (theta - phi);   theta <- phi

    The slow weights start at the weights' values when the optimizer is built.
    The inner optimizer keeps its own clipping, weight decay, EMA and learning
    rate schedule; `learning_rate` and `iterations` read through to it.

    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`): repeated rows are summed
    before the inner optimizer sees them (Keras's own optimizers do not sum them), and the
    inner optimizer then applies its own rule: kerasdl's tfa-compatible optimizers update
    the rows present as tfa did, while Keras's (`Adam`, `SGD` with momentum, ...) decay
    and move every row by its moments, as tf.keras 2's Adam did inside tfa's Lookahead.
    Synchronisation moves every row, as in tfa.

    Args:
        optimizer: the inner optimizer: an instance, or a name/config that
            `kerasdl.optimizers.get` resolves.
        sync_period: `k`, number of fast steps between synchronisations.
        slow_step_size: `alpha`, the step of the slow weights.
        name: optimizer name.

    Example:

    ```python
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    optimizer = kerasdl.optimizers.Lookahead(
        keras.optimizers.Adam(1e-3), sync_period=6, slow_step_size=0.5
    )
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(np.random.rand(8, 4), np.random.rand(8, 1), epochs=1, verbose=0)
    ```
    """

    def __init__(
        self,
        optimizer,
        sync_period: int = 6,
        slow_step_size: float = 0.5,
        name: str = "Lookahead",
        **kwargs,
    ):
        super().__init__(optimizer, name=name, **kwargs)
        if self.inner_optimizer.gradient_accumulation_steps:
            raise ValueError(
                "Lookahead does not support an inner optimizer with gradient_accumulation_steps"
            )
        if int(sync_period) < 1:
            raise ValueError(f"sync_period must be >= 1, got {sync_period}")
        self.sync_period = int(sync_period)
        self.slow_step_size = slow_step_size

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._slow_variables = self.add_optimizer_variables(var_list, "slow")
        with _eager_scope():
            # Without a strategy Keras builds while tracing the train function:
            # the copy must run once, now, not inside that graph.
            for slow, variable in zip(self._slow_variables, var_list, strict=True):
                slow.assign(ops.copy(variable))  # own buffer (JAX donates state)

    def _slow_update(self, variable, slow):
        """Moves `slow` towards `variable` and resets `variable` on sync steps."""
        local_step = ops.convert_to_tensor(self.inner_optimizer.iterations)  # after the step
        sync = ops.equal(ops.mod(local_step, self.sync_period), 0)
        alpha = ops.cast(self.slow_step_size, variable.dtype)
        fast_value, slow_value = ops.convert_to_tensor(variable), ops.convert_to_tensor(slow)
        step_back = slow_value + alpha * (fast_value - slow_value)
        slow.assign(ops.where(sync, step_back, slow_value))
        variable.assign(ops.where(sync, step_back, fast_value))

    def after_step(self, trainable_variables):
        slows = [self._slow_variables[self._get_variable_index(v)] for v in trainable_variables]
        self.update_each(self._slow_update, zip(trainable_variables, slows, strict=True))

    def get_config(self):
        return {
            **self.inner_config(),
            "sync_period": self.sync_period,
            "slow_step_size": self.slow_step_size,
        }
