"""AdamW with tensorflow-addons' weight decay: not scaled by the learning rate."""

import keras

from kerasdl.optimizers.sparse import DeduplicateRowsMixin, GradientRows
from kerasdl.optimizers.weight_decay import ScheduledWeightDecayMixin


@keras.saving.register_keras_serializable(package="kerasdl")
class AdamWTFA(ScheduledWeightDecayMixin, DeduplicateRowsMixin, keras.optimizers.Adam):
    """Adam with decoupled weight decay as tfa 0.23's `AdamW` applied it.

    Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization" (ICLR).
    Each step first decays, then takes the ordinary Adam step:

        var -= weight_decay * var          # tfa: NOT multiplied by learning_rate
        var -= adam_step(g)

    `keras.optimizers.AdamW` instead decays by `learning_rate * weight_decay * var`
    (the paper's schedule-multiplier form with eta_t = lr). The two agree only when
    tfa's `weight_decay` equals Keras's `weight_decay * learning_rate`; with a
    learning-rate schedule they differ at every step. Use this class to reproduce
    a tfa run exactly; use `keras.optimizers.AdamW` for new work. tfa's documentation
    asks for `weight_decay` to be scheduled like the learning rate: pass the schedule.

    Sparse gradients (`tf.IndexedSlices`, from an `Embedding`) as in tfa: repeated rows
    are summed first; only the rows present are decayed; the Adam step is Keras's (tf.keras
    2's, which tfa extended): every row's moments decay, so a row absent from this batch
    still moves by its momentum, and a row never seen stays put.

    Args:
        weight_decay: decay coefficient applied per step (tfa meaning): a float, a
            `keras.optimizers.schedules.LearningRateSchedule` (read at `iterations`,
            like the learning rate) or a callable of no arguments. First positional
            argument, as in tfa.
        learning_rate, beta_1, beta_2, epsilon, amsgrad: as `keras.optimizers.Adam`.
        **kwargs: base optimizer arguments. Variables can be excluded from decay
            with `exclude_from_weight_decay(var_list=..., var_names=...)`.

    Example:

    ```python
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    optimizer = kerasdl.optimizers.AdamWTFA(weight_decay=1e-4, learning_rate=1e-3)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    model.compile(optimizer=optimizer, loss="mse")
    ```
    """

    def __init__(
        self,
        weight_decay,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str = "AdamWTFA",
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            weight_decay=weight_decay,
            name=name,
            **kwargs,
        )

    def update_step(self, gradient, variable, learning_rate):
        rows = GradientRows(gradient, variable)
        decay_like_tfa(self, variable, rows)
        super().update_step(rows.dense(), variable, learning_rate)


def decay_like_tfa(optimizer, variable, rows):
    """`var -= weight_decay * var` on the rows a gradient reaches (tfa's decoupled decay).

    tfa's `DecoupledWeightDecayExtension` decayed a sparse gradient's rows only; variables
    excluded with `exclude_from_weight_decay` are skipped.

    Example:

    ```python
    from kerasdl.optimizers.adamw_tfa import decay_like_tfa
    from kerasdl.optimizers.sparse import GradientRows

    optimizer = kerasdl.optimizers.AdamWTFA(weight_decay=0.1)
    variable = keras.Variable(np.ones((3, 2)))
    optimizer.build([variable])
    decay_like_tfa(optimizer, variable, GradientRows(np.ones((3, 2)), variable))  # var *= 0.9
    ```
    """
    if not optimizer._decays(variable):
        return
    weight_decay = optimizer.current_weight_decay(variable.dtype)
    rows.assign_sub(optimizer, variable, weight_decay * rows.gather(variable))
