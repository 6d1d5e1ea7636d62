"""Rectified Adam (RAdam) with tensorflow-addons 0.23 arguments."""

import keras
from keras import ops

from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows
from kerasdl.optimizers.weight_decay import ScheduledWeightDecayMixin


@keras.saving.register_keras_serializable(package="kerasdl")
class RectifiedAdam(ScheduledWeightDecayMixin, DeduplicateRowsMixin, keras.optimizers.Optimizer):
    """Rectified Adam: Adam whose adaptive step is switched on only once the
    variance of the adaptive learning rate is tractable.

    Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and
    Beyond" (ICLR), Algorithm 2. With `rho_inf = 2 / (1 - beta_2) - 1` and
    `rho_t = rho_inf - 2 t beta_2^t / (1 - beta_2^t)`, step `t` does

        m_t = beta_1 m + (1 - beta_1) g          m_hat = m_t / (1 - beta_1^t)
        v_t = beta_2 v + (1 - beta_2) g^2        v_hat = sqrt(v_t / (1 - beta_2^t))
        if rho_t >= sma_threshold:
            r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            step = r_t m_hat / (v_hat + epsilon)
        else:
            step = m_hat                          # SGD with momentum while warming up
        var -= lr_t (step + weight_decay var)

    As in tfa 0.23, `weight_decay` is added to the step and so is scaled by the
    (warmed-up) learning rate. If `total_steps > 0`, `lr_t` rises linearly from
    0 to `learning_rate` over the first `total_steps * warmup_proportion` steps,
    then falls linearly to `min_lr` at `total_steps`.

    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`) as in tfa: repeated rows
    are summed first; `m` and `v` decay in every row, but only the rows present are
    updated (step and weight decay), so absent rows stay put.

    Args:
        learning_rate: float, schedule or callable. Peak learning rate.
        beta_1: decay rate of the first moment.
        beta_2: decay rate of the second moment.
        epsilon: added to `v_hat` (outside the square root, as tfa does).
        weight_decay: coefficient of `var` added to the step (tfa semantics): a float, a
            `keras.optimizers.schedules.LearningRateSchedule` (read at `iterations`) or a
            callable of no arguments.
        amsgrad: use the running maximum of `v_t` (Reddi et al. 2018).
        sma_threshold: `rho_t` from which the rectified adaptive step is used.
        total_steps: length of the warm-up/decay schedule; 0 turns it off.
        warmup_proportion: fraction of `total_steps` spent warming up.
        min_lr: learning rate reached at `total_steps`.
        **kwargs: base optimizer arguments (`clipnorm`, `global_clipnorm`, ...).

    Example:

    ```python
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    optimizer = kerasdl.optimizers.RectifiedAdam(
        learning_rate=1e-3, total_steps=1000, warmup_proportion=0.1, min_lr=1e-5
    )
    model.compile(optimizer=optimizer, loss="mse")
    ```
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        sma_threshold: float = 5.0,
        total_steps: int = 0,
        warmup_proportion: float = 0.1,
        min_lr: float = 0.0,
        name: str = "RectifiedAdam",
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, **kwargs
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.sma_threshold = sma_threshold
        self.total_steps = int(total_steps)
        self.warmup_proportion = warmup_proportion
        self.min_lr = min_lr

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "m")
        self._velocities = self.add_optimizer_variables(var_list, "v")
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "vhat")

    def _warmup_learning_rate(self, lr, local_step, dtype):
        total_steps = ops.cast(self.total_steps, dtype)
        warmup_steps = total_steps * ops.cast(self.warmup_proportion, dtype)
        decay_steps = ops.maximum(total_steps - warmup_steps, 1.0)
        decay_rate = (ops.cast(self.min_lr, dtype) - lr) / decay_steps
        return ops.where(
            local_step <= warmup_steps,
            lr * (local_step / warmup_steps),
            lr + decay_rate * ops.minimum(local_step - warmup_steps, decay_steps),
        )

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        rows = GradientRows(gradient, variable)
        gradient = rows.dense()  # tfa's sparse rule, too, decays every row's moments
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]

        local_step = ops.cast(self.iterations + 1, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        beta_1_power = ops.power(beta_1, local_step)
        beta_2_power = ops.power(beta_2, local_step)
        if self.total_steps > 0:
            lr = self._warmup_learning_rate(lr, local_step, dtype)

        sma_inf = 2.0 / (1.0 - beta_2) - 1.0
        sma_t = sma_inf - 2.0 * local_step * beta_2_power / (1.0 - beta_2_power)

        self.assign(m, beta_1 * m + (1.0 - beta_1) * gradient)
        self.assign(v, beta_2 * v + (1.0 - beta_2) * ops.square(gradient))
        m_corr = m / (1.0 - beta_1_power)
        if self.amsgrad:
            v_hat = self._velocity_hats[index]
            self.assign(v_hat, ops.maximum(v_hat, v))
            v_corr = ops.sqrt(v_hat / (1.0 - beta_2_power))
        else:
            v_corr = ops.sqrt(v / (1.0 - beta_2_power))

        # Below the threshold r_t's radicand can be negative; where() keeps both
        # branches, so clamp it to avoid a NaN that would leak into gradients.
        radicand = (
            (sma_t - 4.0) / (sma_inf - 4.0) * (sma_t - 2.0) / (sma_inf - 2.0) * sma_inf / sma_t
        )
        r_t = ops.sqrt(ops.maximum(radicand, 0.0))
        step = ops.where(
            sma_t >= ops.cast(self.sma_threshold, dtype),
            r_t * m_corr / (v_corr + ops.cast(self.epsilon, dtype)),
            m_corr,
        )
        step = rows.gather(step)
        if self._decays(variable):
            step = step + self.current_weight_decay(dtype) * rows.gather(variable)
        rows.assign_sub(self, variable, lr * step)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
                "sma_threshold": self.sma_threshold,
                "total_steps": self.total_steps,
                "warmup_proportion": self.warmup_proportion,
                "min_lr": self.min_lr,
            }
        )
        return config
