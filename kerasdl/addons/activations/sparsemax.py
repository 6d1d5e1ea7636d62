"""tfa.activations.sparsemax: the Euclidean projection onto the probability simplex.

`keras.activations.sparsemax` (Keras 3.15.1) is wrong whenever two logits tie inside the
support: `sparsemax([[1., 1.]])` gives `[0, 0]` instead of `[0.5, 0.5]`
(keras-team/keras#23425). This follows tfa, which follows the paper's algorithm.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="Addons")
def sparsemax(logits, axis: int = -1):
    """Sparsemax of `logits` along `axis` (Martins & Astudillo 2016, "From Softmax to
    Sparsemax", ICML, Algorithm 1).

    With `z` sorted in decreasing order, the support size is
    `k(z) = max{k : 1 + k z_(k) > sum_{j<=k} z_(j)}`, the threshold
    `tau(z) = (sum_{j<=k(z)} z_(j) - 1) / k(z)` (eq. 2-3), and
    `sparsemax(z) = max(z - tau(z), 0)`. Rows containing NaN or -inf everywhere give NaN,
    as in tfa.

    Args:
        logits: a tensor of rank >= 1.
        axis: the axis to normalise over.

    Returns:
        A tensor of the same shape and dtype whose slices along `axis` sum to 1.
    """
    logits = ops.convert_to_tensor(logits)
    rank = len(logits.shape)
    if rank == 0:
        raise ValueError("sparsemax needs a tensor of rank >= 1")
    axis = axis % rank
    z = ops.moveaxis(logits, axis, -1) if axis != rank - 1 else logits
    dims = z.shape[-1]
    z_sorted = ops.flip(ops.sort(z, axis=-1), axis=-1)
    z_cumsum = ops.cumsum(z_sorted, axis=-1)
    k = ops.arange(1, dims + 1, dtype=z.dtype)
    z_check = 1 + k * z_sorted > z_cumsum
    k_z = ops.sum(ops.cast(z_check, "int32"), axis=-1, keepdims=True)
    # k_z is 0 only for rows of NaN or -inf; index 0 keeps the gather in range.
    k_z_safe = ops.maximum(k_z, 1)
    tau_sum = ops.take_along_axis(z_cumsum, k_z_safe - 1, axis=-1)
    tau_z = (tau_sum - 1) / ops.cast(k_z, z.dtype)
    p = ops.maximum(ops.zeros((), z.dtype), z - tau_z)
    invalid = ops.logical_or(ops.equal(k_z, 0), ops.isnan(z_cumsum[..., -1:]))
    p = ops.where(invalid, ops.full_like(p, float("nan")), p)
    return ops.moveaxis(p, -1, axis) if axis != rank - 1 else p
