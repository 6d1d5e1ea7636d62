"""tfa.losses.contrastive: the contrastive loss on distances between pairs."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
def contrastive_loss(y_true, y_pred, margin=1.0):
    """Contrastive loss (Hadsell, Chopra and LeCun 2006, "Dimensionality Reduction by
    Learning an Invariant Mapping", eq. 4 without its factor 1/2 and with
    y = 1 for a similar pair (the paper's Y = 0), as tfa):
    `y d^2 + (1 - y) max(margin - d, 0)^2`.

    Args:
      y_true: `[batch_size]` labels, 1 for a similar pair and 0 for a dissimilar one.
      y_pred: `[batch_size]` distances between the two embeddings of each pair, e.g.
        `ops.norm(a - b, axis=1)`.
      margin: the distance beyond which dissimilar pairs cost nothing.

    Returns:
      `[batch_size]` losses in `y_pred`'s dtype.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    return y_true * ops.square(y_pred) + (1.0 - y_true) * ops.square(
        ops.maximum(margin - y_pred, 0.0)
    )


@keras.saving.register_keras_serializable(package="Addons")
class ContrastiveLoss(keras.losses.Loss):
    """`contrastive_loss` as a loss, averaged over the batch by default."""

    def __init__(
        self,
        margin=1.0,
        reduction="sum_over_batch_size",
        name: str = "contrastive_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = margin

    def call(self, y_true, y_pred):
        return contrastive_loss(y_true, y_pred, self.margin)

    def get_config(self):
        config = super().get_config()
        config.update({"margin": self.margin})
        return config
