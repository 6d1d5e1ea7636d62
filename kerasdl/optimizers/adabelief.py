"""AdaBelief with tensorflow-addons 0.23 arguments (rectification and warm-up as RAdam's)."""

import keras
from keras import ops

from kerasdl.optimizers.rectified_adam import RectifiedAdam
from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows
from kerasdl.optimizers.weight_decay import ScheduledWeightDecayMixin


@keras.saving.register_keras_serializable(package="kerasdl")
class AdaBelief(ScheduledWeightDecayMixin, DeduplicateRowsMixin, keras.optimizers.Optimizer):
    """AdaBelief: Adam whose second moment tracks how far the gradient strays from its
    running mean (the "belief"), not the gradient's square.

    Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
    Observed Gradients" (NeurIPS), Algorithm 2, as tfa 0.23 computed it:

        m_t = beta_1 m + (1 - beta_1) g                  m_hat = m_t / (1 - beta_1^t)
        s_t = beta_2 s + (1 - beta_2) (g - m_t)^2 + epsilon
        s_hat = sqrt(s_t / (1 - beta_2^t))               (of max(s_hat, s_t) with amsgrad)
        step = m_hat / (s_hat + epsilon)
        var -= lr_t (step + weight_decay var)

    `epsilon` thus enters twice, inside the square root (the paper's) and beside it,
    which is why its default is 1e-14 (Adam: 1e-7 outside). With `rectify` (the default,
    as tfa) the step is RAdam's (Liu et al. 2020): `r_t m_hat / (s_hat + epsilon)` once
    `rho_t >= sma_threshold`, `m_hat` before; `total_steps > 0` turns on RAdam's linear
    warm-up to `learning_rate` over `total_steps * warmup_proportion` steps and decay to
    `min_lr` at `total_steps` (see `RectifiedAdam`). The weight decay is added to the
    step, so it is scaled by the learning rate, as in tfa.

    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`) as in tfa: repeated rows
    are summed first; `m` and `s` decay in every row, the rows present take the gradient
    terms (`epsilon` included), and only those rows of the weights move.

    Args:
        learning_rate: float, schedule or callable.
        beta_1: decay rate of the first moment.
        beta_2: decay rate of the second moment `s`.
        epsilon: added to `s_t` and to `s_hat`; 0 means `keras.config.epsilon()`, as tfa.
        weight_decay: coefficient of `var` added to the step: a float, a
            `keras.optimizers.schedules.LearningRateSchedule` (read at `iterations`) or a
            callable of no arguments.
        amsgrad: use the running maximum of `s_t`.
        rectify: RAdam's rectification of the adaptive step.
        sma_threshold: `rho_t` from which the rectified adaptive step is used.
        total_steps: length of the warm-up/decay schedule; 0 turns it off.
        warmup_proportion: fraction of `total_steps` spent warming up.
        min_lr: learning rate reached at `total_steps`.
        name: optimizer name.
        **kwargs: base optimizer arguments (`clipnorm`, `global_clipnorm`, ...).

    Example:

    ```python
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    ranger = kerasdl.optimizers.Lookahead(
        kerasdl.optimizers.AdaBelief(learning_rate=1e-3), sync_period=6, slow_step_size=0.5
    )  # the authors' "ranger_adabelief"
    model.compile(optimizer=ranger, loss="mse")
    model.fit(np.ones((8, 4)), np.ones((8, 1)), verbose=0)
    ```
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-14,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        rectify: bool = True,
        sma_threshold: float = 5.0,
        total_steps: int = 0,
        warmup_proportion: float = 0.1,
        min_lr: float = 0.0,
        name: str = "AdaBelief",
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, **kwargs
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon or keras.config.epsilon()
        self.amsgrad = amsgrad
        self.rectify = rectify
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

    _warmup_learning_rate = RectifiedAdam._warmup_learning_rate  # the same schedule

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        rows = GradientRows(gradient, variable)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]

        local_step = ops.cast(self.iterations + 1, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        epsilon = ops.cast(self.epsilon, dtype)
        beta_1_power = ops.power(beta_1, local_step)
        beta_2_power = ops.power(beta_2, local_step)
        if self.total_steps > 0:
            lr = self._warmup_learning_rate(lr, local_step, dtype)

        # Every row's moments decay; the rows present take the gradient's terms.
        self.assign(m, beta_1 * m + (1.0 - beta_1) * rows.dense())
        belief = ops.square(rows.values - rows.gather(m))
        self.assign(v, beta_2 * v)
        rows.assign_add(self, v, (1.0 - beta_2) * belief + epsilon)
        if self.amsgrad:
            v_hat = self._velocity_hats[index]
            self.assign(v_hat, ops.maximum(v_hat, v))
            v = v_hat
        m_corr = rows.gather(m) / (1.0 - beta_1_power)
        v_corr = ops.sqrt(rows.gather(v) / (1.0 - beta_2_power))

        step = m_corr / (v_corr + epsilon)
        if self.rectify:
            sma_inf = 2.0 / (1.0 - beta_2) - 1.0
            sma_t = sma_inf - 2.0 * local_step * beta_2_power / (1.0 - beta_2_power)
            # Below the threshold the radicand can be negative: clamp it, where() keeps both.
            radicand = (sma_t - 4.0) * (sma_t - 2.0) * sma_inf
            radicand = radicand / ((sma_inf - 4.0) * (sma_inf - 2.0) * sma_t)
            r_t = ops.sqrt(ops.maximum(radicand, 0.0))
            threshold = ops.cast(self.sma_threshold, dtype)
            step = ops.where(sma_t >= threshold, r_t * step, m_corr)
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
                "rectify": self.rectify,
                "sma_threshold": self.sma_threshold,
                "total_steps": self.total_steps,
                "warmup_proportion": self.warmup_proportion,
                "min_lr": self.min_lr,
            }
        )
        return config
