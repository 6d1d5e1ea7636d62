"""tfa.optimizers.SWA: stochastic weight averaging as an optimizer wrapper."""

import keras
from keras import ops

from kerasdl.addons.optimizers.averaged_weights import AveragedWeights
from kerasdl.optimizers.wrapper import OptimizerWrapper


@keras.saving.register_keras_serializable(package="Addons")
class SWA(AveragedWeights, OptimizerWrapper):
    """Stochastic Weight Averaging around any Keras or kerasdl optimizer.

    Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima and Better
    Generalization" (UAI), Algorithm 1, as tfa 0.23: the inner optimizer updates the
    weights; after the update of 0-based step `i`, if `i >= start_averaging` and
    `(i - start_averaging) % average_period == 0`, with `n = (i - start_averaging) //
    average_period` snapshots taken so far,

        average <- (average * n + weights) / (n + 1)

    The averages start at zero and are only read by `assign_average_vars(var_list)`,
    which copies them into the weights (call it after training; then re-estimate any
    BatchNormalization statistics with a pass over the data in training mode).
    `kerasdl.callbacks.SWA` is the callback form that averages per epoch.

    Args:
        optimizer: the inner optimizer: an instance, or a name/config that
            `kerasdl.optimizers.get` resolves.
        start_averaging: step of the first snapshot (>= 0).
        average_period: steps between snapshots (>= 1).
        name: optimizer name.
    """

    def __init__(
        self,
        optimizer,
        start_averaging: int = 0,
        average_period: int = 10,
        name: str = "SWA",
        **kwargs,
    ):
        if int(average_period) < 1:
            raise ValueError("average_period must be >= 1")
        if int(start_averaging) < 0:
            raise ValueError("start_averaging must be >= 0")
        super().__init__(optimizer, name=name, **kwargs)
        self.start_averaging = int(start_averaging)
        self.average_period = int(average_period)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._averages = self.add_optimizer_variables(var_list, "average")

    lr = OptimizerWrapper.learning_rate

    def _average_update(self, average, variable):
        step = ops.convert_to_tensor(self.inner_optimizer.iterations) - 1  # before the step
        since_start = step - self.start_averaging
        snapshots = ops.maximum(ops.floor_divide(since_start, self.average_period), 0)
        take = ops.logical_and(
            since_start >= 0, ops.equal(ops.mod(since_start, self.average_period), 0)
        )
        n = ops.cast(snapshots, average.dtype)
        value, old = ops.convert_to_tensor(variable), ops.convert_to_tensor(average)
        average.assign(ops.where(take, (old * n + value) / (n + 1.0), old))

    def after_step(self, trainable_variables):
        averages = [self._averages[self._get_variable_index(v)] for v in trainable_variables]
        self.update_each(self._average_update, zip(averages, trainable_variables, strict=True))

    def get_config(self):
        return {
            **self.inner_config(),
            "start_averaging": self.start_averaging,
            "average_period": self.average_period,
        }
