"""tfa.optimizers.LAMB: layer-wise adaptive moments, with tfa's weight decay and exclusions."""

import re

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
class LAMB(keras.optimizers.Lamb):
    """LAMB as tfa 0.23 computed it, on `keras.optimizers.Lamb`'s moments.

    You et al. 2020, "Large Batch Optimization for Deep Learning: Training BERT in 76
    minutes" (ICLR), Algorithm 2:

        m = beta_1 m + (1 - beta_1) g,  v = beta_2 v + (1 - beta_2) g^2
        update = m_hat / (sqrt(v_hat) + epsilon) + weight_decay * var
        ratio = ||var|| / ||update||   (1 where either norm is 0)
        var -= learning_rate * ratio * update

    The decay sits inside the update, so the trust ratio scales it (Keras'
    `Lamb(weight_decay=)` instead decays `var` by `learning_rate * weight_decay` apart
    from the ratio). A sparse gradient updates every row, as tfa's did.

    Args:
        learning_rate: float, schedule or callable.
        beta_1, beta_2: decay rates of the first and second moments.
        epsilon: added to `sqrt(v_hat)`.
        weight_decay: decay coefficient added to the update (tfa's `weight_decay`).
        exclude_from_weight_decay: regex patterns; variables whose path matches one
            are not decayed.
        exclude_from_layer_adaptation: regex patterns; matching variables take ratio 1.
            None means the `exclude_from_weight_decay` patterns, as tfa.
        name: optimizer name.
        **kwargs: base optimizer arguments (`clipnorm`, `global_clipnorm`, ...).
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-6,
        weight_decay: float = 0.0,
        exclude_from_weight_decay: list[str] | None = None,
        exclude_from_layer_adaptation: list[str] | None = None,
        name: str = "LAMB",
        **kwargs,
    ):
        if hasattr(learning_rate, "dtype") and not callable(learning_rate):
            learning_rate = float(learning_rate)  # tfa took a tensor; Keras 3 a float
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            name=name,
            **kwargs,
        )
        # Keras' decoupled decay stays off (`weight_decay=None` above): tfa's is in the update.
        self.weight_decay = weight_decay
        self.exclude_from_weight_decay = exclude_from_weight_decay
        self.exclude_from_layer_adaptation = (
            exclude_from_layer_adaptation or exclude_from_weight_decay
        )

    def _apply_weight_decay(self, variables):
        pass

    def _do_use_weight_decay(self, variable_name: str) -> bool:
        return not any(re.search(p, variable_name) for p in self.exclude_from_weight_decay or ())

    def _do_layer_adaptation(self, variable_name: str) -> bool:
        patterns = self.exclude_from_layer_adaptation or ()
        return not any(re.search(p, variable_name) for p in patterns)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(ops.convert_to_tensor(gradient), dtype)
        local_step = ops.cast(self.iterations + 1, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        self.assign(m, beta_1 * m + (1.0 - beta_1) * gradient)
        self.assign(v, beta_2 * v + (1.0 - beta_2) * ops.square(gradient))
        m_hat = m / (1.0 - ops.power(beta_1, local_step))
        v_hat = v / (1.0 - ops.power(beta_2, local_step))
        update = m_hat / (ops.sqrt(v_hat) + ops.cast(self.epsilon, dtype))
        name = self._trainable_variables[index].path
        if self._do_use_weight_decay(name):
            update = update + ops.cast(self.weight_decay, dtype) * variable
        if self._do_layer_adaptation(name):
            w_norm = ops.sqrt(ops.sum(ops.square(variable)))
            g_norm = ops.sqrt(ops.sum(ops.square(update)))
            one = ops.ones_like(w_norm)
            ratio = ops.where(w_norm > 0, ops.where(g_norm > 0, w_norm / g_norm, one), one)
            update = ratio * update
        self.assign_sub(variable, lr * update)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "weight_decay": self.weight_decay,
                "exclude_from_weight_decay": self.exclude_from_weight_decay,
                "exclude_from_layer_adaptation": self.exclude_from_layer_adaptation,
            }
        )
        return config
