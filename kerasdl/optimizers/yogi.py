"""Yogi with tensorflow-addons 0.23 arguments."""

import keras
from keras import ops

from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows


def _solve_proximal_l1(a, b, c):
    """argmin_w 1/2 a w^2 + b w + c |w|: soft-thresholding of -b / a."""
    w = (c * ops.sign(b) - b) / a
    return ops.where(ops.abs(b) > c, w, ops.zeros_like(w))


@keras.saving.register_keras_serializable(package="kerasdl")
class Yogi(DeduplicateRowsMixin, keras.optimizers.Optimizer):
    """Yogi: Adam whose second moment moves additively, so it cannot forget
    large past gradients as fast as Adam's multiplicative average does.

    Zaheer et al. 2018, "Adaptive Methods for Nonconvex Optimization"
    (NeurIPS), Algorithm 2:

        m_t = beta1 m + (1 - beta1) g
        v_t = v - (1 - beta2) sign(v - g^2) g^2
        var -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m_t / (sqrt(v_t) + epsilon)

    followed, as in tfa, by the proximal step for optional L1/L2 penalties.
    `v` starts at `initial_accumulator_value`, not zero.

    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`) as in tfa: repeated rows
    are summed first; `m` decays in every row, but `v` and the weights are updated only
    in the rows present, so absent rows stay put.

    Args:
        learning_rate: float, schedule or callable.
        beta1: decay rate of the first moment (0 drops momentum).
        beta2: rate at which `v` moves towards `g^2`.
        epsilon: added to `sqrt(v_t)`; the paper recommends 1e-3.
        l1_regularization_strength: L1 penalty, applied by a proximal step.
        l2_regularization_strength: L2 penalty, applied by a proximal step.
        initial_accumulator_value: starting value of `v`.
        activation: `"sign"` (the paper) or `"tanh"` (smooth `tanh(10 x)`).
        **kwargs: base optimizer arguments (`clipnorm`, `global_clipnorm`, ...).

    Example:

    ```python
    variable = keras.Variable(np.ones((2, 2)))
    optimizer = kerasdl.optimizers.Yogi(learning_rate=0.01, epsilon=1e-3)
    optimizer.apply_gradients([(np.full((2, 2), 0.5, "float32"), variable)])
    ```
    """

    def __init__(
        self,
        learning_rate=0.01,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-3,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        initial_accumulator_value: float = 1e-6,
        activation: str = "sign",
        name: str = "Yogi",
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if activation not in ("sign", "tanh"):
            raise ValueError(f"activation must be 'sign' or 'tanh', got {activation!r}")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.initial_accumulator_value = initial_accumulator_value
        self.activation = activation

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(
            var_list, "v", initializer=keras.initializers.Constant(self.initial_accumulator_value)
        )
        if self.beta1 > 0.0:
            self._momentums = self.add_optimizer_variables(var_list, "m")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        rows = GradientRows(gradient, variable)
        index = self._get_variable_index(variable)
        local_step = ops.cast(self.iterations + 1, dtype)
        beta1 = ops.cast(self.beta1, dtype)
        beta2 = ops.cast(self.beta2, dtype)
        lr = (
            ops.cast(learning_rate, dtype)
            * ops.sqrt(1.0 - ops.power(beta2, local_step))
            / (1.0 - ops.power(beta1, local_step))
        )

        v = self._velocities[index]
        v_rows = rows.gather(v)
        grad2 = ops.square(rows.values)
        if self.activation == "sign":
            sign = ops.sign(grad2 - v_rows)
        else:
            sign = ops.tanh(10.0 * (grad2 - v_rows))
        v_rows = v_rows + (1.0 - beta2) * sign * grad2
        rows.assign(self, v, v_rows)
        per_coord_lr = lr / (ops.sqrt(v_rows) + ops.cast(self.epsilon, dtype))

        if self.beta1 > 0.0:
            m = self._momentums[index]
            # tfa's sparse rule, too, decays every row's m.
            self.assign(m, beta1 * m + (1.0 - beta1) * rows.dense())
            direction = rows.gather(m)
        else:
            direction = rows.values
        new_rows = rows.gather(variable) - per_coord_lr * direction

        l1 = ops.cast(self.l1_regularization_strength, dtype)
        l2 = ops.cast(self.l2_regularization_strength, dtype)
        if self.l1_regularization_strength > 0:
            new_rows = _solve_proximal_l1(1.0 + l2 * per_coord_lr, -new_rows, l1 * per_coord_lr)
        elif self.l2_regularization_strength > 0:
            new_rows = new_rows / (1.0 + l2 * per_coord_lr)
        rows.assign(self, variable, new_rows)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta1": self.beta1,
                "beta2": self.beta2,
                "epsilon": self.epsilon,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "initial_accumulator_value": self.initial_accumulator_value,
                "activation": self.activation,
            }
        )
        return config
