"""NovoGrad with tensorflow-addons 0.23 arguments."""

import keras
from keras import ops

from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows


@keras.saving.register_keras_serializable(package="kerasdl")
class NovoGrad(DeduplicateRowsMixin, keras.optimizers.Optimizer):
    """NovoGrad: momentum SGD on gradients normalised by a per-layer second
    moment, with decoupled-style weight decay added after normalisation.

    Ginsburg et al. 2019, "Stochastic Gradient Methods with Layer-wise Adaptive
    Moments for Training of Deep Networks" (arXiv:1905.11286), Algorithm 1.
    For each variable (layer) `l`, with `v` a scalar:

        v_t = ||g||^2 at t = 1, else beta_2 v + (1 - beta_2) ||g||^2
        d   = g / (sqrt(v_t) + epsilon) + weight_decay var
        d   = (1 - beta_1) d              if grad_averaging and t > 1
        m_t = beta_1 m + d
        var -= lr m_t

    (tfa keeps `-lr m` in its momentum slot, which is the same update for a
    constant learning rate; this implementation keeps tfa's slot exactly.)

    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`) as in tfa: repeated rows
    are summed first, `||g||^2` is that of the summed gradient, and `m` and the weights
    are updated (weight decay included) only in the rows present; absent rows stay put.

    Args:
        learning_rate: float, schedule or callable.
        beta_1: momentum.
        beta_2: decay rate of the per-layer second moment.
        epsilon: added to `sqrt(v_t)`.
        weight_decay: coefficient of `var` added to the normalised gradient.
        grad_averaging: scale the normalised gradient by `1 - beta_1`.
        amsgrad: normalise by the running maximum of `v_t`.
        **kwargs: base optimizer arguments (`clipnorm`, `global_clipnorm`, ...).

    Example:

    ```python
    variable = keras.Variable(np.ones((2, 2)))
    optimizer = kerasdl.optimizers.NovoGrad(learning_rate=0.01, weight_decay=1e-3)
    optimizer.apply_gradients([(np.full((2, 2), 0.5, "float32"), variable)])
    ```
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay: float = 0.0,
        grad_averaging: bool = False,
        amsgrad: bool = False,
        name: str = "NovoGrad",
        **kwargs,
    ):
        if weight_decay < 0.0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, **kwargs
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.grad_averaging = grad_averaging
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "m")
        self._second_moments = [
            self.add_variable(shape=(), dtype=var.dtype, name=f"v_{i}")
            for i, var in enumerate(var_list)
        ]
        if self.amsgrad:
            self._second_moment_maxima = [
                self.add_variable(shape=(), dtype=var.dtype, name=f"vhat_{i}")
                for i, var in enumerate(var_list)
            ]

    def _apply_weight_decay(self, variables):
        # NovoGrad adds the decay to the normalised gradient: done in update_step.
        return

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        rows = GradientRows(gradient, variable)
        index = self._get_variable_index(variable)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        first_step = ops.equal(self.iterations, 0)

        v = self._second_moments[index]
        g_2 = ops.sum(ops.square(rows.values))
        self.assign(v, ops.where(first_step, g_2, beta_2 * v + (1.0 - beta_2) * g_2))
        if self.amsgrad:
            v_hat = self._second_moment_maxima[index]
            self.assign(v_hat, ops.maximum(v_hat, v))
            v = v_hat
        direction = rows.values / (ops.sqrt(v) + ops.cast(self.epsilon, dtype))
        if self.weight_decay and self._use_weight_decay(variable):
            direction = direction + ops.cast(self.weight_decay, dtype) * rows.gather(variable)
        if self.grad_averaging:
            direction = ops.where(first_step, direction, (1.0 - beta_1) * direction)

        m = self._momentums[index]
        m_rows = beta_1 * rows.gather(m) - lr * direction
        rows.assign(self, m, m_rows)
        rows.assign_add(self, variable, m_rows)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "grad_averaging": self.grad_averaging,
                "amsgrad": self.amsgrad,
            }
        )
        return config
