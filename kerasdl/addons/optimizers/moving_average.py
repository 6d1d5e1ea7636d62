"""tfa.optimizers.MovingAverage: an exponential moving average of the weights, as a wrapper."""

import keras
from keras import ops

from kerasdl.addons.optimizers.averaged_weights import AveragedWeights
from kerasdl.optimizers.wrapper import OptimizerWrapper


def _value_of(variable):
    """An initializer that gives `variable`'s value when the average is created."""
    return lambda shape, dtype=None: ops.cast(ops.convert_to_tensor(variable), dtype)


@keras.saving.register_keras_serializable(package="Addons")
class MovingAverage(AveragedWeights, OptimizerWrapper):
    """Keeps an exponential moving average of the weights an inner optimizer trains.

    As tfa 0.23 (and `tf.train.ExponentialMovingAverage`): the averages start at the
    weights' values when the optimizer is built; after each inner step, with `step` the
    0-based number of that step,

        decay = 0                                        if step < start_step
              = min(average_decay, (1 + s) / (10 + s))   if dynamic_decay, s = step - start_step
              = average_decay                            otherwise
        average <- decay * average + (1 - decay) * weights

    `num_updates` caps `average_decay` once, at construction, at
    `(1 + num_updates) / (10 + num_updates)`. `assign_average_vars(var_list)` copies the
    averages into the weights. Keras 3's `use_ema=True, ema_momentum=` on any optimizer
    is the built-in form (it swaps at the end of `fit` and has no `start_step`).

    Args:
        optimizer: the inner optimizer: an instance, or a name/config that
            `kerasdl.optimizers.get` resolves.
        average_decay: decay of the moving average.
        num_updates: optional int count of updates, which caps `average_decay`.
        start_step: step from which the average starts moving (before it, it tracks
            the weights).
        dynamic_decay: ramp the decay from 0.1 up to `average_decay`.
        name: optimizer name.
    """

    def __init__(
        self,
        optimizer,
        average_decay: float = 0.99,
        num_updates: int | None = None,
        start_step: int = 0,
        dynamic_decay: bool = False,
        name: str = "MovingAverage",
        **kwargs,
    ):
        if num_updates is not None:
            dtype = getattr(num_updates, "dtype", type(num_updates))
            if isinstance(num_updates, bool) or "int" not in str(getattr(dtype, "name", dtype)):
                raise TypeError(f'type of argument "num_updates" must be int; got {dtype}')
        super().__init__(optimizer, name=name, **kwargs)
        self._num_updates = num_updates
        if num_updates is not None:
            n = float(ops.convert_to_numpy(num_updates))
            average_decay = min(float(average_decay), (1.0 + n) / (10.0 + n))
        self.average_decay = float(average_decay)
        self.start_step = int(start_step)
        self.dynamic_decay = bool(dynamic_decay)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        # The weights' values are the initializer, not an assign after creation: `fit`
        # (without a distribution strategy) builds the optimizer while tracing its train
        # step, and tf.function runs only the variables' initializers from that trace.
        self._averages = [
            self.add_variable_from_reference(v, "average", initializer=_value_of(v))
            for v in var_list
        ]

    lr = OptimizerWrapper.learning_rate

    def _decay(self):
        step = ops.cast(self.inner_optimizer.iterations - 1, "float32")  # before the step
        since_start = step - self.start_step
        decay = ops.convert_to_tensor(self.average_decay, "float32")
        if self.dynamic_decay:
            decay = ops.minimum(decay, (1.0 + since_start) / (10.0 + since_start))
        return ops.where(since_start < 0, 0.0, decay)

    def after_step(self, trainable_variables):
        decay = self._decay()

        def update(average, variable):
            d = ops.cast(decay, average.dtype)
            average.assign(d * ops.convert_to_tensor(average) + (1.0 - d) * variable)

        averages = [self._averages[self._get_variable_index(v)] for v in trainable_variables]
        self.update_each(update, zip(averages, trainable_variables, strict=True))

    def shadow_copy(self, model_weights):
        """Creates the averages of `model_weights` (builds the optimizer) if not yet made."""
        self.build(list(model_weights))

    @property
    def has_shadow_copy(self) -> bool:
        """Whether the averages exist."""
        return self.built

    def swap_weights(self):
        """Swaps the weights and their averages (twice restores both), e.g. to evaluate
        the averaged weights; tfa required a `tf.distribute` scope, this does not."""

        def swap(average, variable):  # in place, as tfa: a = a + b; b = a - b; a = a - b
            variable.assign_add(average)
            average.assign(variable - average)
            variable.assign_sub(average)

        self.update_each(swap, zip(self._averages, self._trainable_variables, strict=True))

    def get_slot(self, var, slot_name: str):
        """tfa's slot access: `get_slot(var, "average")` is `var`'s moving average."""
        if slot_name != "average":
            raise KeyError(f"MovingAverage has one slot, 'average'; got {slot_name!r}")
        return self._averages[self._get_variable_index(var)]

    def get_config(self):
        num_updates = self._num_updates
        if num_updates is not None:
            num_updates = int(ops.convert_to_numpy(num_updates))
        return {
            **self.inner_config(),
            "average_decay": self.average_decay,
            "num_updates": num_updates,
            "start_step": self.start_step,
            "dynamic_decay": self.dynamic_decay,
        }
