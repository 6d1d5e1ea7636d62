"""LazyAdam with tensorflow-addons 0.23 arguments: Adam whose sparse updates are row-wise."""

import keras
from keras import ops

from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows, is_sparse


@keras.saving.register_keras_serializable(package="kerasdl")
class LazyAdam(DeduplicateRowsMixin, keras.optimizers.Adam):
    """Adam that, for a sparse gradient, updates only the rows the gradient reaches.

    Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization" (ICLR), Algorithm 1
    with the "epsilon hat" of section 2: with `t` the step and `g` the gradient,

        m = beta_1 m + (1 - beta_1) g,   v = beta_2 v + (1 - beta_2) g^2
        var -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

    A dense gradient takes exactly `keras.optimizers.Adam`'s step. A sparse gradient
    (`tf.IndexedSlices`, from an `Embedding`), its repeated rows summed first, applies
    the three lines to the rows present only: absent rows keep their weights and
    moments, where Adam decays every row's moments and moves every row by them. For a
    large embedding this is much cheaper, and a row's moments then count the steps in
    which it was seen (the semantics differ from Adam; results may too), as tfa 0.23's
    `LazyAdam`. As there, `amsgrad` acts on dense gradients only: the sparse update
    ignores it (tfa documents amsgrad as unsupported).

    Args:
        learning_rate: float, schedule or callable.
        beta_1: decay rate of the first moment.
        beta_2: decay rate of the second moment.
        epsilon: added to `sqrt(v)`.
        amsgrad: AMSGrad (Reddi et al. 2018) on dense gradients.
        name: optimizer name.
        **kwargs: base optimizer arguments (`clipnorm`, `global_clipnorm`, ...).

    Example:

    ```python
    model = keras.Sequential(
        [keras.Input((4,), dtype="int32"), keras.layers.Embedding(1000, 8),
         keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)]
    )
    model.compile(optimizer=kerasdl.optimizers.LazyAdam(learning_rate=1e-3), loss="mse")
    model.fit(np.array([[1, 2, 2, 3]]), np.ones((1, 1)), verbose=0)  # rows 1-3 move
    ```
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str = "LazyAdam",
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            name=name,
            **kwargs,
        )

    def update_step(self, gradient, variable, learning_rate):
        if not is_sparse(gradient):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        rows = GradientRows(gradient, variable)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        local_step = ops.cast(self.iterations + 1, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        alpha = (
            ops.cast(learning_rate, dtype)
            * ops.sqrt(1.0 - ops.power(beta_2, local_step))
            / (1.0 - ops.power(beta_1, local_step))
        )
        m_rows = beta_1 * rows.gather(m) + (1.0 - beta_1) * rows.values
        v_rows = beta_2 * rows.gather(v) + (1.0 - beta_2) * ops.square(rows.values)
        rows.assign(self, m, m_rows)
        rows.assign(self, v, v_rows)
        step = alpha * m_rows / (ops.sqrt(v_rows) + ops.cast(self.epsilon, dtype))
        rows.assign_sub(self, variable, step)
