"""tfa.losses.focal_loss: sigmoid focal cross-entropy with tfa's reduction and sum."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
def sigmoid_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits: bool = False):
    """Focal loss (Lin et al. 2017, "Focal Loss for Dense Object Detection", eq. 5),
    summed over the last axis as tfa did: `sum_c alpha_t (1 - p_t)^gamma CE(p, y)`,
    `alpha_t = y alpha + (1 - y)(1 - alpha)`. `alpha=None` or `gamma=0` drops that factor.

    `keras.losses.binary_focal_crossentropy(..., apply_class_balancing=True)` computes the
    same terms but *averages* over the last axis, so the two agree only for one class.
    """
    if gamma and gamma < 0:
        raise ValueError("Value of gamma should be greater than or equal to zero.")
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    cross_entropy = ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
    probabilities = ops.sigmoid(y_pred) if from_logits else y_pred
    p_t = y_true * probabilities + (1 - y_true) * (1 - probabilities)
    loss = cross_entropy
    if alpha:
        alpha = ops.cast(alpha, y_true.dtype)
        loss = (y_true * alpha + (1 - y_true) * (1 - alpha)) * loss
    if gamma:
        loss = ops.power(1.0 - p_t, ops.cast(gamma, y_true.dtype)) * loss
    return ops.sum(loss, axis=-1)


@keras.saving.register_keras_serializable(package="Addons")
class SigmoidFocalCrossEntropy(keras.losses.Loss):
    """`sigmoid_focal_crossentropy` as a loss; tfa's default `reduction="none"` returns one
    value per example (Keras' `BinaryFocalCrossentropy` averages over classes and the
    batch)."""

    def __init__(
        self,
        from_logits: bool = False,
        alpha=0.25,
        gamma=2.0,
        reduction="none",
        name: str = "sigmoid_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = from_logits
        self.alpha = alpha
        self.gamma = gamma

    def call(self, y_true, y_pred):
        return sigmoid_focal_crossentropy(
            y_true, y_pred, alpha=self.alpha, gamma=self.gamma, from_logits=self.from_logits
        )

    def get_config(self):
        config = super().get_config()
        config.update({"from_logits": self.from_logits, "alpha": self.alpha, "gamma": self.gamma})
        return config
