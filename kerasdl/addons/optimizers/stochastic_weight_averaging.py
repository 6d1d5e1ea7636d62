"""tfa.optimizers.SWA: stochastic weight averaging as an optimizer wrapper."""

import warnings

import keras
from keras import ops

from kerasdl.optimizers.sparse import deduplicate


@keras.saving.register_keras_serializable(package="Addons")
class SWA(keras.optimizers.Optimizer):
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
        from kerasdl.optimizers import get

        if kwargs:
            raise ValueError(
                f"SWA does not take {sorted(kwargs)}: set clipping, weight decay and the "
                "like on the inner optimizer"
            )
        if optimizer is None:
            raise TypeError("optimizer is not an optimizer")
        if int(average_period) < 1:
            raise ValueError("average_period must be >= 1")
        if int(start_averaging) < 0:
            raise ValueError("start_averaging must be >= 0")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = get(optimizer)
        self.start_averaging = int(start_averaging)
        self.average_period = int(average_period)

    def build(self, var_list):
        if self.built:
            return
        self.inner_optimizer.build(var_list)
        super().build(var_list)
        self._averages = self.add_optimizer_variables(var_list, "average")

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    @property
    def optimizer(self):
        """The inner optimizer (tfa's argument name)."""
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

    lr = learning_rate

    def apply(self, grads, trainable_variables=None):
        if not self.built:
            with keras.name_scope(self.name):
                self.build(list(trainable_variables))
        if trainable_variables is None:
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        self.inner_optimizer.apply([deduplicate(g) for g in grads], trainable_variables)
        averages = [self._averages[self._get_variable_index(v)] for v in trainable_variables]
        self._update_averages(trainable_variables, averages)

    def _average_update(self, variable, average):
        step = ops.convert_to_tensor(self.inner_optimizer.iterations) - 1  # before the step
        since_start = step - self.start_averaging
        snapshots = ops.maximum(ops.floor_divide(since_start, self.average_period), 0)
        take = ops.logical_and(
            since_start >= 0, ops.equal(ops.mod(since_start, self.average_period), 0)
        )
        n = ops.cast(snapshots, average.dtype)
        value, old = ops.convert_to_tensor(variable), ops.convert_to_tensor(average)
        average.assign(ops.where(take, (old * n + value) / (n + 1.0), old))

    def _update_averages(self, variables, averages):
        if keras.backend.backend() != "tensorflow":
            for variable, average in zip(variables, averages, strict=True):
                self._average_update(variable, average)
            return

        import tensorflow as tf

        def unwrap(variable):
            return variable.value if isinstance(variable, keras.Variable) else variable

        # Under tf.distribute each replica's copy is updated in place, as Keras' slots are.
        def update_all(distribution, pairs):
            for variable, average in pairs:
                distribution.extended.update(
                    average, lambda a, v: self._average_update(v, a), args=(variable,), group=False
                )

        pairs = [(unwrap(v), unwrap(a)) for v, a in zip(variables, averages, strict=True)]
        tf.__internal__.distribute.interim.maybe_merge_call(
            update_all, self._distribution_strategy, pairs
        )

    def assign_average_vars(self, var_list):
        """Assigns each variable of `var_list` its running average; variables the
        optimizer does not train (BatchNormalization statistics, ...) are skipped with a
        warning, as tfa."""
        for variable in var_list:
            try:
                average = self._averages[self._get_variable_index(variable)]
            except (AttributeError, KeyError, IndexError) as error:
                warnings.warn(
                    f"Unable to assign average slot to {variable.path}: {error!r}", stacklevel=2
                )
                continue
            variable.assign(average)

    def scale_loss(self, loss):
        return self.inner_optimizer.scale_loss(loss)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {
            "name": self.name,
            "optimizer": keras.saving.serialize_keras_object(self.inner_optimizer),
            "start_averaging": self.start_averaging,
            "average_period": self.average_period,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        optimizer = keras.saving.deserialize_keras_object(
            config.pop("optimizer"), custom_objects=custom_objects
        )
        return cls(optimizer, **config)
