"""tfa.optimizers.ProximalAdagrad: Adagrad with a proximal step for L1/L2 penalties."""

import keras
from keras import ops

from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows


@keras.saving.register_keras_serializable(package="Addons")
class ProximalAdagrad(DeduplicateRowsMixin, keras.optimizers.Optimizer):
    """Proximal Adagrad: an Adagrad step followed by the proximal map of the penalties.

    Duchi & Singer 2009, "Efficient Learning using Forward-Backward Splitting" (NeurIPS),
    with Adagrad's per-coordinate rate, as TensorFlow's `ApplyProximalAdagrad` kernel that
    tfa 0.23 called:

        accumulator += g^2
        rate = learning_rate / sqrt(accumulator)
        w = var - rate g
        var = sign(w) max(|w| - rate l1, 0) / (1 + rate l2)

    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`) as in tfa: repeated rows
    are summed first and only the rows present are updated (accumulator and weights), so
    absent rows are not shrunk by the penalties.

    Args:
        learning_rate: float, schedule or callable.
        initial_accumulator_value: starting value of the accumulators (>= 0).
        l1_regularization_strength: L1 penalty (>= 0).
        l2_regularization_strength: L2 penalty (>= 0).
        name: optimizer name.
        **kwargs: base optimizer arguments (`clipnorm`, `global_clipnorm`, ...).
    """

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        name: str = "ProximalAdagrad",
        **kwargs,
    ):
        if initial_accumulator_value < 0.0:
            raise ValueError("`initial_accumulator_value` must be non-negative.")
        if l1_regularization_strength < 0.0:
            raise ValueError("`l1_regularization_strength` must be non-negative.")
        if l2_regularization_strength < 0.0:
            raise ValueError("`l2_regularization_strength` must be non-negative.")
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        initializer = keras.initializers.Constant(self.initial_accumulator_value)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=initializer
        )

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        rows = GradientRows(gradient, variable)
        accumulator = self._accumulators[self._get_variable_index(variable)]
        accumulated = rows.gather(accumulator) + ops.square(rows.values)
        rows.assign(self, accumulator, accumulated)
        rate = ops.cast(learning_rate, dtype) / ops.sqrt(accumulated)
        w = rows.gather(variable) - rate * rows.values
        l1 = ops.cast(self.l1_regularization_strength, dtype)
        l2 = ops.cast(self.l2_regularization_strength, dtype)
        if self.l1_regularization_strength > 0:
            w = ops.sign(w) * ops.maximum(ops.abs(w) - rate * l1, 0.0)
        rows.assign(self, variable, w / (1.0 + l2 * rate))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
            }
        )
        return config
