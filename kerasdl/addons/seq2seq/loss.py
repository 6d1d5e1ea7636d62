"""tfa.seq2seq.loss: the weighted cross-entropy of a sequence of logits."""

from __future__ import annotations

import keras
from keras import ops

from kerasdl.losses import scale_loss_for_distribution


def sequence_loss(
    logits,
    targets,
    weights,
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    sum_over_timesteps: bool = False,
    sum_over_batch: bool = False,
    softmax_loss_function=None,
    name=None,
):
    """The weighted cross-entropy `w[b, t] * CE(targets[b, t], logits[b, t])`, reduced
    over the batch and time axes by the flags, as tfa 0.23:

    - `average_across_*`: the sum over that axis divided by the sum of the weights over it;
    - `sum_over_*`: the sum over that axis divided by the number of nonzero weights on it;
    - neither: that axis is kept.

    Both axes together reduce at once (the total divided by the total weight, or by the
    total nonzero count); a quotient by zero is 0. The result has rank 0, 1 or 2.

    Args:
      logits: `[batch_size, sequence_length, num_classes]` floats.
      targets: `[batch_size, sequence_length]` class ids, or
        `[batch_size, sequence_length, num_classes]` one-hot (or soft) labels.
      weights: `[batch_size, sequence_length]` floats, e.g. a sequence mask.
      average_across_timesteps, average_across_batch, sum_over_timesteps, sum_over_batch:
        the reductions; an axis cannot be both averaged and summed, and averaging one axis
        while summing the other is ambiguous (a ValueError).
      softmax_loss_function: `f(labels=..., logits=...)` on the flattened `[N]` targets and
        `[N, num_classes]` logits, instead of the softmax cross-entropy.
      name: unused (tfa's op name).

    Returns:
      The loss: a scalar by default (the weighted average cross-entropy per symbol).

    Example:

    ```python
    from kerasdl.addons import seq2seq

    logits = np.random.randn(2, 3, 5).astype("float32")
    targets = np.array([[1, 4, 0], [2, 2, 0]])
    mask = np.array([[1, 1, 0], [1, 1, 0]], "float32")  # the last step is padding
    loss = seq2seq.sequence_loss(logits, targets, mask)  # mean over the 4 real symbols
    per_step = seq2seq.sequence_loss(logits, targets, mask, average_across_timesteps=False)
    assert per_step.shape == (3,) and float(per_step[2]) == 0.0
    ```
    """
    del name
    logits = ops.convert_to_tensor(logits)
    targets = ops.convert_to_tensor(targets)
    weights = ops.convert_to_tensor(weights)
    if len(logits.shape) != 3:
        raise ValueError("Logits must be a [batch_size x sequence_length x logits] tensor")
    targets_rank = len(targets.shape)
    if targets_rank not in (2, 3):
        raise ValueError(
            "Targets must be either a [batch_size x sequence_length] tensor where each "
            "element contains the labels' index or a [batch_size x sequence_length x "
            "num_classes] tensor where the third axis is a one-hot representation of the "
            "labels"
        )
    if len(weights.shape) != 2:
        raise ValueError("Weights must be a [batch_size x sequence_length] tensor")
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError(
            "average_across_timesteps and sum_over_timesteps cannot be set to True at same time."
        )
    if average_across_batch and sum_over_batch:
        raise ValueError(
            "average_across_batch and sum_over_batch cannot be set to True at same time."
        )
    if average_across_batch and sum_over_timesteps:
        raise ValueError(
            "average_across_batch and sum_over_timesteps cannot be set to True at same time "
            "because of ambiguous order."
        )
    if sum_over_batch and average_across_timesteps:
        raise ValueError(
            "sum_over_batch and average_across_timesteps cannot be set to True at same time "
            "because of ambiguous order."
        )
    num_classes = logits.shape[2] if logits.shape[2] is not None else ops.shape(logits)[2]
    logits_flat = ops.reshape(logits, (-1, num_classes))
    if softmax_loss_function is not None:
        crossent = softmax_loss_function(labels=ops.reshape(targets, (-1,)), logits=logits_flat)
    elif targets_rank == 2:
        crossent = ops.sparse_categorical_crossentropy(
            ops.reshape(targets, (-1,)), logits_flat, from_logits=True
        )
    else:
        crossent = ops.categorical_crossentropy(
            ops.reshape(ops.cast(targets, logits.dtype), (-1, num_classes)),
            logits_flat,
            from_logits=True,
        )
    weights = ops.cast(weights, crossent.dtype)
    crossent = crossent * ops.reshape(weights, (-1,))
    if average_across_timesteps and average_across_batch:
        return ops.divide_no_nan(ops.sum(crossent), ops.sum(weights))
    if sum_over_timesteps and sum_over_batch:
        return ops.divide_no_nan(ops.sum(crossent), _nonzero(weights, None, crossent.dtype))
    crossent = ops.reshape(crossent, ops.shape(logits)[:2])
    if average_across_timesteps or average_across_batch:
        axis = 0 if average_across_batch else 1
        return ops.divide_no_nan(ops.sum(crossent, axis=axis), ops.sum(weights, axis=axis))
    if sum_over_timesteps or sum_over_batch:
        axis = 0 if sum_over_batch else 1
        return ops.divide_no_nan(
            ops.sum(crossent, axis=axis), _nonzero(weights, axis, crossent.dtype)
        )
    return crossent


def _nonzero(weights, axis, dtype):
    return ops.cast(ops.count_nonzero(weights, axis=axis), dtype)


@keras.saving.register_keras_serializable(package="Addons")
class SequenceLoss(keras.losses.Loss):
    """`sequence_loss` as a Keras loss: `loss(y_true=targets, y_pred=logits,
    sample_weight=weights)`. The defaults sum over both axes (the total divided by the
    number of nonzero weights), as tfa; the flags' reduction replaces Keras' own
    (reduction "none"). `sample_weight` is required (Keras passes `[batch_size,
    sequence_length]` weights through as they are). Under a distribution strategy the
    value is divided by the number of replicas, as Keras divides its averaged losses, so
    the summed replica gradients are their mean.

    Args:
      average_across_timesteps, average_across_batch, sum_over_timesteps, sum_over_batch,
        softmax_loss_function: as `sequence_loss`.
      name: the loss's name.
    """

    def __init__(
        self,
        average_across_timesteps: bool = False,
        average_across_batch: bool = False,
        sum_over_timesteps: bool = True,
        sum_over_batch: bool = True,
        softmax_loss_function=None,
        name=None,
        reduction="none",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.average_across_timesteps = average_across_timesteps
        self.average_across_batch = average_across_batch
        self.sum_over_timesteps = sum_over_timesteps
        self.sum_over_batch = sum_over_batch
        self.softmax_loss_function = softmax_loss_function

    def __call__(self, y_true, y_pred, sample_weight=None):
        if sample_weight is None:
            raise ValueError(
                "SequenceLoss needs the [batch_size x sequence_length] weights as sample_weight"
            )
        loss = sequence_loss(
            y_pred,
            y_true,
            sample_weight,
            average_across_timesteps=self.average_across_timesteps,
            average_across_batch=self.average_across_batch,
            sum_over_timesteps=self.sum_over_timesteps,
            sum_over_batch=self.sum_over_batch,
            softmax_loss_function=self.softmax_loss_function,
        )
        return scale_loss_for_distribution(loss)

    def call(self, y_true, y_pred):
        raise NotImplementedError("SequenceLoss reduces in __call__, with the sample weights")

    def get_config(self):
        return {
            "name": self.name,
            "average_across_timesteps": self.average_across_timesteps,
            "average_across_batch": self.average_across_batch,
            "sum_over_timesteps": self.sum_over_timesteps,
            "sum_over_batch": self.sum_over_batch,
            "softmax_loss_function": keras.saving.serialize_keras_object(
                self.softmax_loss_function
            ),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("softmax_loss_function") is not None:
            config["softmax_loss_function"] = keras.saving.deserialize_keras_object(
                config["softmax_loss_function"]
            )
        return cls(**config)
