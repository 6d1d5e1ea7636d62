"""SGDW with tensorflow-addons' weight decay: not scaled by the learning rate."""

import keras

from kerasdl.optimizers.adamw_tfa import _decay_like_tfa


@keras.saving.register_keras_serializable(package="kerasdl")
class SGDWTFA(keras.optimizers.SGD):
    """SGD (with optional momentum) and decoupled weight decay as tfa 0.23's
    `SGDW` applied it.

    Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization" (ICLR).
    Each step first decays, then takes the ordinary (momentum) SGD step:

        var -= weight_decay * var          # tfa: NOT multiplied by learning_rate
        m = momentum m - lr g;  var += m   (Nesterov: var += momentum m - lr g)

    `keras.optimizers.SGD(weight_decay=...)` decays by `lr * weight_decay * var`.
    Use this class to reproduce a tfa run exactly.

    Args:
        weight_decay: decay coefficient applied per step (tfa meaning). First
            positional argument, as in tfa.
        learning_rate, momentum, nesterov: as `keras.optimizers.SGD`.
        **kwargs: base optimizer arguments.
    """

    def __init__(
        self,
        weight_decay,
        learning_rate=0.001,
        momentum: float = 0.0,
        nesterov: bool = False,
        name: str = "SGDWTFA",
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            momentum=momentum,
            nesterov=nesterov,
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
