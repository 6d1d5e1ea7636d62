"""tfa.losses.sparsemax_loss: the loss whose gradient is `sparsemax(z) - q`."""

import keras
from keras import ops

from kerasdl.addons.activations import sparsemax as _sparsemax


@keras.saving.register_keras_serializable(package="Addons")
def sparsemax_loss(logits, sparsemax, labels, name=None):
    """Sparsemax loss (Martins and Astudillo 2016, "From Softmax to Sparsemax", section
    3, written with the sparsemax output `p` in place of the threshold tau):
    `sum_{j: p_j > 0} p_j (z_j - p_j / 2) + sum_j q_j (q_j / 2 - z_j)`.

    Args:
      logits: `[batch_size, num_classes]` logits `z`.
      sparsemax: `sparsemax(logits)`, same shape.
      labels: `[batch_size, num_classes]` target distribution `q` (one-hot or
        multi-label, summing to 1).
      name: unused; tfa's op name.

    Returns:
      `[batch_size]` losses. `z = -inf` outside the support and in a zero label costs
      nothing instead of NaN (as tfa).
    """
    del name
    z = ops.convert_to_tensor(logits)
    p = ops.cast(sparsemax, z.dtype)
    q = ops.cast(labels, z.dtype)
    support = ops.where(ops.logical_or(p > 0, ops.isnan(p)), p * (z - 0.5 * p), ops.zeros_like(p))
    target = ops.where(
        ops.logical_and(ops.equal(q, 0), ops.isinf(z)), ops.zeros_like(z), q * (0.5 * q - z)
    )
    return ops.sum(support + target, axis=1)


@keras.saving.register_keras_serializable(package="Addons")
def sparsemax_loss_from_logits(y_true, logits_pred):
    """`sparsemax_loss` of `logits_pred` against the target distribution `y_true`."""
    logits_pred = ops.convert_to_tensor(logits_pred)
    return sparsemax_loss(logits_pred, _sparsemax(logits_pred), y_true)


@keras.saving.register_keras_serializable(package="Addons")
class SparsemaxLoss(keras.losses.Loss):
    """`sparsemax_loss` with `y_pred` the logits (the loss needs both the logits and the
    sparsemax, so `from_logits` must be True), averaged over the batch by default.
    `y_true` and `y_pred` are `[batch_size, num_classes]`."""

    def __init__(
        self,
        from_logits: bool = True,
        reduction="sum_over_batch_size",
        name: str = "sparsemax_loss",
        dtype=None,
    ):
        if from_logits is not True:
            raise ValueError("from_logits must be True")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        return sparsemax_loss_from_logits(y_true, y_pred)

    def get_config(self):
        config = super().get_config()
        config.update({"from_logits": self.from_logits})
        return config
