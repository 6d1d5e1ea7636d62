"""AdamW with tensorflow-addons' weight decay: not scaled by the learning rate."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasdl")
class AdamWTFA(keras.optimizers.Adam):
    """Adam with decoupled weight decay as tfa 0.23's `AdamW` applied it.

    Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization" (ICLR).
    Each step first decays, then takes the ordinary Adam step:

        var -= weight_decay * var          # tfa: NOT multiplied by learning_rate
        var -= adam_step(g)

    `keras.optimizers.AdamW` instead decays by `learning_rate * weight_decay * var`
    (the paper's schedule-multiplier form with eta_t = lr). The two agree only when
    tfa's `weight_decay` equals Keras's `weight_decay * learning_rate`; with a
    learning-rate schedule they differ at every step. Use this class to reproduce
    a tfa run exactly; use `keras.optimizers.AdamW` for new work.

    Args:
        weight_decay: decay coefficient applied per step (tfa meaning). First
            positional argument, as in tfa.
        learning_rate, beta_1, beta_2, epsilon, amsgrad: as `keras.optimizers.Adam`.
        **kwargs: base optimizer arguments. Variables can be excluded from decay
            with `exclude_from_weight_decay(var_list=..., var_names=...)`.
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

    def _apply_weight_decay(self, variables):
        # Keras would multiply by the learning rate here; decay in update_step.
        return

    def update_step(self, gradient, variable, learning_rate):
        _decay_like_tfa(self, variable)
        super().update_step(gradient, variable, learning_rate)


def _decay_like_tfa(optimizer, variable):
    """`var -= weight_decay * var`, skipping variables excluded from decay."""
    if optimizer.weight_decay is None or not optimizer._use_weight_decay(variable):
        return
    weight_decay = ops.cast(optimizer.weight_decay, variable.dtype)
    optimizer.assign_sub(variable, weight_decay * variable)
