"""Classification losses Keras 3 lacks: sparse cross-entropy with label smoothing,
sparse categorical focal loss and PolyLoss.

All take integer labels `y_true` of shape `[...]` (or `[..., 1]`) and scores
`y_pred` of shape `[..., num_classes]` (probabilities, or logits with
`from_logits=True`), return a per-element loss of shape `[...]`, and honour
`sample_weight` and Keras masks (a `_keras_mask` on `y_pred`, e.g. from
`Embedding(mask_zero=True)`) through `keras.losses.Loss`. `ignore_class`
masks positions whose label equals it (padding tags), as in
`keras.losses.SparseCategoricalCrossentropy`: they add 0 and do not count in
the mean.
"""

import keras
from keras import ops

from kerasdl._keras_private import set_keras_mask

__all__ = [
    "PolyLoss",
    "SparseCategoricalCrossentropy",
    "SparseCategoricalFocalCrossentropy",
    "poly1_cross_entropy",
    "scale_loss_for_distribution",
    "sparse_categorical_crossentropy",
    "sparse_categorical_focal_crossentropy",
]


def scale_loss_for_distribution(loss):
    """`loss` divided by the number of replicas in sync (TensorFlow backend), as Keras
    divides its averaged losses: for a loss that reduces its own replica's batch to one
    number (reduction "none"), so that the summed replica gradients are their mean.
    Outside a distribution strategy, or on other backends, `loss` is returned as is."""
    if keras.backend.backend() != "tensorflow":
        return loss
    import tensorflow as tf

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if replicas == 1:
        return loss
    return ops.multiply(loss, ops.cast(1.0 / replicas, loss.dtype))


def _log_probabilities(y_pred, from_logits):
    """log p over the last axis; probabilities are renormalised and clipped as Keras does."""
    if from_logits:
        return ops.log_softmax(y_pred, axis=-1)
    y_pred = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
    epsilon = keras.config.epsilon()
    return ops.log(ops.clip(y_pred, epsilon, 1.0 - epsilon))


def _labels_and_valid(y_true, y_pred, ignore_class):
    """Integer labels shaped like `y_pred[..., 0]`, and the positions that count."""
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    labels = ops.cast(y_true, "int32")
    if ignore_class is None:
        return labels, None
    valid = ops.not_equal(labels, ignore_class)
    return ops.where(valid, labels, 0), valid


def _take_class(values, labels):
    """values[..., labels] for `values` [..., K] and `labels` [...]."""
    return ops.squeeze(ops.take_along_axis(values, ops.expand_dims(labels, -1), axis=-1), axis=-1)


def _finish(loss, valid):
    if valid is None:
        return loss
    loss = ops.where(valid, loss, ops.zeros_like(loss))
    set_keras_mask(loss, valid)
    return loss


def sparse_categorical_crossentropy(
    y_true,
    y_pred,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    ignore_class: int | None = None,
):
    """Cross-entropy against integer labels smoothed towards the uniform distribution.

    With `K` classes and smoothing `s` the target is `(1 - s) onehot(y) + s / K`
    (Szegedy et al. 2016, "Rethinking the Inception Architecture", sec. 7), so

        loss = (1 - s) * (-log p_y) + s * mean_k(-log p_k)

    which equals `keras.losses.categorical_crossentropy(onehot(y), y_pred,
    label_smoothing=s)` without materialising the one-hot labels.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels, valid = _labels_and_valid(y_true, y_pred, ignore_class)
    log_p = _log_probabilities(y_pred, from_logits)
    loss = -_take_class(log_p, labels)
    if label_smoothing:
        loss = (1.0 - label_smoothing) * loss - label_smoothing * ops.mean(log_p, axis=-1)
    return _finish(loss, valid)


def sparse_categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha=0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    ignore_class: int | None = None,
):
    """Focal loss `-alpha_y (1 - p_y)^gamma log p_y` against integer labels.

    Lin et al. 2017, "Focal Loss for Dense Object Detection" (ICCV), eq. 5,
    in the multi-class form of `keras.losses.CategoricalFocalCrossentropy`
    (which takes one-hot labels and a scalar `alpha`; the values agree). Here
    `alpha` may also be a list of per-class weights, or `None` for 1.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels, valid = _labels_and_valid(y_true, y_pred, ignore_class)
    log_p_t = _take_class(_log_probabilities(y_pred, from_logits), labels)
    p_t = ops.exp(log_p_t)
    loss = -ops.power(1.0 - p_t, gamma) * log_p_t
    if alpha is not None:
        if isinstance(alpha, (list, tuple)):
            loss = ops.take(ops.convert_to_tensor(alpha, dtype=loss.dtype), labels) * loss
        else:
            loss = alpha * loss
    return _finish(loss, valid)


def poly1_cross_entropy(
    y_true,
    y_pred,
    epsilon: float = 1.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    ignore_class: int | None = None,
):
    """Poly-1 cross-entropy `CE + epsilon (1 - p_t)`.

    Leng et al. 2022, "PolyLoss: A Polynomial Expansion Perspective of
    Classification Loss Functions" (ICLR), eq. 3. With label smoothing,
    `p_t` is the smoothed target's expected probability `sum_k t_k p_k`, as in
    the paper's reference code (appendix), and CE uses the smoothed target.
    `epsilon = 0` gives plain cross-entropy; `epsilon >= -1` keeps the loss
    decreasing in `p_t` (the paper's constraint); its ImageNet runs use
    `epsilon = 2`.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels, valid = _labels_and_valid(y_true, y_pred, ignore_class)
    log_p = _log_probabilities(y_pred, from_logits)
    p = ops.exp(log_p)
    cross_entropy = -_take_class(log_p, labels)
    p_t = _take_class(p, labels)
    if label_smoothing:
        cross_entropy = (1.0 - label_smoothing) * cross_entropy - label_smoothing * ops.mean(
            log_p, axis=-1
        )
        p_t = (1.0 - label_smoothing) * p_t + label_smoothing * ops.mean(p, axis=-1)
    return _finish(cross_entropy + epsilon * (1.0 - p_t), valid)


class _SparseLoss(keras.losses.Loss):
    """A `Loss` around one of the functions above; keeps its options for `get_config`."""

    def __init__(self, fn, name, reduction, dtype, **options):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._fn = fn
        self._options = options

    def call(self, y_true, y_pred):
        return self._fn(y_true, y_pred, **self._options)

    def get_config(self):
        return {**super().get_config(), **self._options}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="kerasdl")
class SparseCategoricalCrossentropy(_SparseLoss):
    """`keras.losses.SparseCategoricalCrossentropy` plus `label_smoothing`.

    See `sparse_categorical_crossentropy`. Args: `from_logits`,
    `label_smoothing` in [0, 1), `ignore_class`, and the usual `reduction`,
    `name`, `dtype`.
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        ignore_class: int | None = None,
        reduction="sum_over_batch_size",
        name: str = "sparse_categorical_crossentropy",
        dtype=None,
    ):
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
        super().__init__(
            sparse_categorical_crossentropy,
            name,
            reduction,
            dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            ignore_class=ignore_class,
        )


@keras.saving.register_keras_serializable(package="kerasdl")
class SparseCategoricalFocalCrossentropy(_SparseLoss):
    """Focal loss with integer labels (Lin et al. 2017).

    See `sparse_categorical_focal_crossentropy`. Args: `alpha` (float,
    per-class list, or None), `gamma` (focusing parameter; 0 gives
    `alpha`-weighted cross-entropy), `from_logits`, `ignore_class`, and the
    usual `reduction`, `name`, `dtype`.
    """

    def __init__(
        self,
        alpha=0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction="sum_over_batch_size",
        name: str = "sparse_categorical_focal_crossentropy",
        dtype=None,
    ):
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma}")
        if isinstance(alpha, tuple):
            alpha = list(alpha)
        super().__init__(
            sparse_categorical_focal_crossentropy,
            name,
            reduction,
            dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )


@keras.saving.register_keras_serializable(package="kerasdl")
class PolyLoss(_SparseLoss):
    """Poly-1 cross-entropy with integer labels (Leng et al. 2022).

    See `poly1_cross_entropy`. Args: `epsilon` (the first polynomial
    coefficient's shift; >= -1), `from_logits`, `label_smoothing`,
    `ignore_class`, and the usual `reduction`, `name`, `dtype`.
    """

    def __init__(
        self,
        epsilon: float = 1.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        ignore_class: int | None = None,
        reduction="sum_over_batch_size",
        name: str = "poly_loss",
        dtype=None,
    ):
        if epsilon < -1.0:
            raise ValueError(f"epsilon must be >= -1, got {epsilon}")
        super().__init__(
            poly1_cross_entropy,
            name,
            reduction,
            dtype,
            epsilon=epsilon,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            ignore_class=ignore_class,
        )
