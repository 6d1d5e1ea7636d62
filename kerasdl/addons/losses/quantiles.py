"""tfa.losses.quantiles: the pinball (quantile) loss."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
def pinball_loss(y_true, y_pred, tau=0.5):
    """Pinball loss of quantile regression (Koenker and Bassett 1978, "Regression
    Quantiles"): `max(tau (y - y_hat), (tau - 1)(y - y_hat))`, averaged over the
    last axis. Minimizing it estimates the `tau` conditional quantile; `tau=0.5` is half
    the L1 loss.

    Args:
      y_true: `[batch_size, d0, .., dN]` targets.
      y_pred: `[batch_size, d0, .., dN]` predictions.
      tau: a float in [0, 1], or a tensor of shape `[d0, .., dN]` with one quantile level
        per output.

    Returns:
      `[batch_size, d0, .., dN-1]` losses.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    tau = ops.expand_dims(ops.cast(tau, y_pred.dtype), 0)
    delta = y_true - y_pred
    return ops.mean(ops.maximum(tau * delta, (tau - 1.0) * delta), axis=-1)


@keras.saving.register_keras_serializable(package="Addons")
class PinballLoss(keras.losses.Loss):
    """`pinball_loss` as a loss, averaged over the batch by default (tfa's `AUTO`)."""

    def __init__(
        self,
        tau=0.5,
        reduction="sum_over_batch_size",
        name: str = "pinball_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.tau = tau

    def call(self, y_true, y_pred):
        return pinball_loss(y_true, y_pred, self.tau)

    def get_config(self):
        config = super().get_config()
        tau = self.tau
        if not isinstance(tau, (int, float)):
            tau = ops.convert_to_numpy(tau).tolist()
        config.update({"tau": tau})
        return config
