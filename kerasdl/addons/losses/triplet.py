"""tfa.losses.triplet: triplet losses with semi-hard and hard mining inside the batch.

"The batch" is the batch the loss is called on. Under `model.fit` with a distribution
strategy that is each replica's own batch: pairs and triplets are mined within a replica,
never across replicas, and the step follows the mean of the replicas' losses.
"""

import keras
from keras import ops

from kerasdl.addons.losses.metric_learning import distance_matrix
from kerasdl.losses import scale_loss_for_distribution


def _prepare(y_true, y_pred, distance_metric):
    """Labels as `[n, 1]`, the embeddings' dtype, and their distance matrix computed in
    float32 when the embeddings are float16 or bfloat16 (as tfa)."""
    embeddings = ops.convert_to_tensor(y_pred)
    dtype = embeddings.dtype
    if dtype in ("float16", "bfloat16"):
        embeddings = ops.cast(embeddings, "float32")
    labels = ops.reshape(ops.convert_to_tensor(y_true), (-1, 1))
    distances = distance_matrix(embeddings, distance_metric)
    same_label = ops.equal(labels, ops.transpose(labels))
    return same_label, distances, dtype


def _masked_maximum(data, mask):
    """Row maxima of `data` over `mask`; the row minimum where a row's mask is empty."""
    fill = ops.min(data, axis=1, keepdims=True)
    return ops.max(ops.where(mask, data, fill), axis=1, keepdims=True)


def _masked_minimum(data, mask):
    """Row minima of `data` over `mask`; the row maximum where a row's mask is empty."""
    fill = ops.max(data, axis=1, keepdims=True)
    return ops.min(ops.where(mask, data, fill), axis=1, keepdims=True)


@keras.saving.register_keras_serializable(package="Addons")
def triplet_semihard_loss(y_true, y_pred, margin=1.0, distance_metric="L2"):
    """Triplet loss with semi-hard negative mining (Schroff et al. 2015, "FaceNet",
    section 3.2).

    For every anchor `a` and positive `p` (same label, `p != a`) the negative is the
    closest `n` with `d(a, n) > d(a, p)`; if there is none, the farthest negative of `a`.
    The loss is the mean of `max(margin + d(a, p) - d(a, n), 0)` over all such pairs.
    The mining holds a `[batch_size]^3` comparison in memory, as tfa's did.

    Args:
      y_true: `[batch_size]` (or `[batch_size, 1]`) integer class labels.
      y_pred: `[batch_size, dim]` embeddings, usually l2-normalized.
      margin: the margin in the hinge.
      distance_metric: "L2", "squared-L2", "angular" (1 - cosine similarity), or a
        callable from the embeddings to the `[batch_size, batch_size]` distance matrix.

    Returns:
      A scalar in `y_pred`'s dtype. tfa returned 0/0 = NaN for a batch without a
      positive pair (all labels distinct); this returns 0, which a small per-replica batch
      can easily meet.
    """
    same_label, distances, dtype = _prepare(y_true, y_pred, distance_metric)
    different_label = ops.logical_not(same_label)
    # [anchor, positive, negative]: n is a negative of a farther from a than p is.
    anchor_positive = ops.expand_dims(distances, 2)
    anchor_negative = ops.expand_dims(distances, 1)
    outside = ops.logical_and(
        ops.expand_dims(different_label, 1), ops.greater(anchor_negative, anchor_positive)
    )
    row_maximum = ops.expand_dims(ops.max(distances, axis=1, keepdims=True), 2)
    negatives_outside = ops.min(
        ops.where(outside, ops.broadcast_to(anchor_negative, ops.shape(outside)), row_maximum),
        axis=2,
    )
    negatives_inside = _masked_maximum(distances, different_label)
    semi_hard_negatives = ops.where(ops.any(outside, axis=2), negatives_outside, negatives_inside)

    batch_size = ops.shape(distances)[0]
    positives = ops.cast(same_label, distances.dtype) - ops.eye(batch_size, dtype=distances.dtype)
    hinge = ops.maximum((margin + distances - semi_hard_negatives) * positives, 0.0)
    loss = ops.divide_no_nan(ops.sum(hinge), ops.sum(positives))
    return ops.cast(loss, dtype)


@keras.saving.register_keras_serializable(package="Addons")
def triplet_hard_loss(y_true, y_pred, margin=1.0, soft: bool = False, distance_metric="L2"):
    """Triplet loss with batch-hard mining (Hermans et al. 2017, "In Defense of the
    Triplet Loss for Person Re-Identification": batch hard, and its soft margin).

    Each anchor takes its farthest positive and its closest negative; the loss is the
    mean over anchors of `max(d_ap - d_an + margin, 0)`, or `log(1 + exp(d_ap - d_an))`
    with `soft=True` (which ignores `margin`). An anchor without a positive takes 0 for
    `d_ap`, one without a negative its largest distance for `d_an` (as tfa).

    Args:
      y_true: `[batch_size]` (or `[batch_size, 1]`) integer class labels.
      y_pred: `[batch_size, dim]` embeddings, usually l2-normalized.
      margin: the margin in the hinge.
      soft: use the soft-margin form.
      distance_metric: as in `triplet_semihard_loss`.

    Returns:
      A scalar in `y_pred`'s dtype.
    """
    same_label, distances, dtype = _prepare(y_true, y_pred, distance_metric)
    hard_negatives = _masked_minimum(distances, ops.logical_not(same_label))
    batch_size = ops.shape(distances)[0]
    # tfa masks with `same_label - eye` as a float, and its masked maximum counts the
    # anchor itself (mask 0) through the row minimum; a boolean off-diagonal mask matches.
    positives = ops.logical_and(same_label, ops.logical_not(ops.eye(batch_size, dtype="bool")))
    hard_positives = _masked_maximum(distances, positives)
    if soft:
        loss = ops.log1p(ops.exp(hard_positives - hard_negatives))
    else:
        loss = ops.maximum(hard_positives - hard_negatives + margin, 0.0)
    return ops.cast(ops.mean(loss), dtype)


@keras.saving.register_keras_serializable(package="Addons")
class TripletSemiHardLoss(keras.losses.Loss):
    """`triplet_semihard_loss` as a loss. The function already reduces the batch to a
    scalar, so the reduction is `"none"` (as tfa). Under a distribution strategy the batch is
    each replica's own, and the scalar is divided by the number of replicas, as Keras does
    for its averaged losses, so that the summed replica gradients are their mean (tfa's
    reduction NONE summed them: the step grew with the replica count). `y_true` is
    `[batch_size]` integer labels and `y_pred` `[batch_size, dim]` embeddings."""

    def __init__(self, margin=1.0, distance_metric="L2", name=None, **kwargs):
        kwargs.pop("reduction", None)
        super().__init__(name=name or "triplet_semihard_loss", reduction="none", **kwargs)
        self.margin = margin
        self.distance_metric = distance_metric

    def call(self, y_true, y_pred):
        loss = triplet_semihard_loss(y_true, y_pred, self.margin, self.distance_metric)
        return scale_loss_for_distribution(loss)

    def get_config(self):
        config = super().get_config()
        config.update({"margin": self.margin, "distance_metric": self.distance_metric})
        return config


@keras.saving.register_keras_serializable(package="Addons")
class TripletHardLoss(keras.losses.Loss):
    """`triplet_hard_loss` as a loss, reduction `"none"` (the function returns a scalar),
    mined within and averaged over replicas as `TripletSemiHardLoss`."""

    def __init__(self, margin=1.0, soft: bool = False, distance_metric="L2", name=None, **kwargs):
        kwargs.pop("reduction", None)
        super().__init__(name=name or "triplet_hard_loss", reduction="none", **kwargs)
        self.margin = margin
        self.soft = soft
        self.distance_metric = distance_metric

    def call(self, y_true, y_pred):
        loss = triplet_hard_loss(y_true, y_pred, self.margin, self.soft, self.distance_metric)
        return scale_loss_for_distribution(loss)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"margin": self.margin, "soft": self.soft, "distance_metric": self.distance_metric}
        )
        return config
