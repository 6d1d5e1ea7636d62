"""Lookahead: a wrapper that gives any optimizer slow weights."""

import contextlib

import keras
from keras import ops

from kerasdl.optimizers.sparse import deduplicate


def _eager_scope():
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.init_scope()
    return contextlib.nullcontext()


@keras.saving.register_keras_serializable(package="kerasdl")
class Lookahead(keras.optimizers.Optimizer):
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
    """

    def __init__(
        self,
        optimizer,
        sync_period: int = 6,
        slow_step_size: float = 0.5,
        name: str = "Lookahead",
        **kwargs,
    ):
        from kerasdl.optimizers import get

        if kwargs:
            raise ValueError(
                f"Lookahead does not take {sorted(kwargs)}: set clipping, weight decay, "
                "EMA and the like on the inner optimizer"
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = get(optimizer)
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
        self.inner_optimizer.build(var_list)
        super().build(var_list)
        self._slow_variables = self.add_optimizer_variables(var_list, "slow")
        with _eager_scope():
            # Without a strategy Keras builds while tracing the train function:
            # the copy must run once, now, not inside that graph.
            for slow, variable in zip(self._slow_variables, var_list, strict=True):
                slow.assign(ops.copy(variable))  # own buffer (JAX donates state)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    @property
    def optimizer(self):
        """The inner optimizer (the constructor's argument name, as in tfa)."""
        return self.inner_optimizer

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    def apply(self, grads, trainable_variables=None):
        if not self.built:
            with keras.name_scope(self.name):
                self.build(list(trainable_variables))
        if trainable_variables is None:
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        self.inner_optimizer.apply([deduplicate(g) for g in grads], trainable_variables)
        self._synchronise(trainable_variables)

    def _slow_update(self, variable, slow):
        """Moves `slow` towards `variable` and resets `variable` on sync steps."""
        local_step = ops.convert_to_tensor(self.inner_optimizer.iterations)  # after the step
        sync = ops.equal(ops.mod(local_step, self.sync_period), 0)
        alpha = ops.cast(self.slow_step_size, variable.dtype)
        fast_value, slow_value = ops.convert_to_tensor(variable), ops.convert_to_tensor(slow)
        step_back = slow_value + alpha * (fast_value - slow_value)
        slow.assign(ops.where(sync, step_back, slow_value))
        variable.assign(ops.where(sync, step_back, fast_value))

    def _synchronise(self, trainable_variables):
        slows = [self._slow_variables[self._get_variable_index(v)] for v in trainable_variables]
        if keras.backend.backend() != "tensorflow":
            for variable, slow in zip(trainable_variables, slows, strict=True):
                self._slow_update(variable, slow)
            return

        import tensorflow as tf

        def unwrap(variable):
            return variable.value if isinstance(variable, keras.Variable) else variable

        # Under tf.distribute each replica's copy is updated in place, as the
        # Keras optimizers update their slots.
        def update_all(distribution, pairs):
            for variable, slow in pairs:
                distribution.extended.update(variable, self._slow_update, args=(slow,), group=False)

        pairs = [(unwrap(v), unwrap(s)) for v, s in zip(trainable_variables, slows, strict=True)]
        tf.__internal__.distribute.interim.maybe_merge_call(
            update_all, self._distribution_strategy, pairs
        )

    def scale_loss(self, loss):
        # An inner LossScaleOptimizer unscales the gradients, so it scales the loss.
        return self.inner_optimizer.scale_loss(loss)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {
            "name": self.name,
            "optimizer": keras.saving.serialize_keras_object(self.inner_optimizer),
            "sync_period": self.sync_period,
            "slow_step_size": self.slow_step_size,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        optimizer = keras.saving.deserialize_keras_object(
            config.pop("optimizer"), custom_objects=custom_objects
        )
        return cls(optimizer, **config)
