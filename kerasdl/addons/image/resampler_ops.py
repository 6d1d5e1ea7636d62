"""tfa.image.resampler: bilinear sampling of `[B, H, W, C]` data at `(x, y)` points with
zero padding, tfa 0.23's custom kernel (`Addons>Resampler`) re-expressed in TensorFlow ops.

The kernel's arithmetic is kept term for term (weights from `ceil - x`, four weighted
samples summed in the kernel's order, the floor taken in float32), so forward values are
the kernel's in float16, float32 and float64. Gradients are TensorFlow's derivatives of
these ops: the kernel's hand-written gradient is the same expression, summed in another
order.
"""

import tensorflow as tf


def resampler(data, warp, name: str | None = None):
    """Samples `data` at the points `warp` by bilinear interpolation, as tfa 0.23.

    `data` is implicitly padded with zeros: a point with `-1 < x < width` and
    `-1 < y < height` blends its four neighbouring samples (those outside the data count
    as 0), so the result fades to 0 across the border; points further out give 0.

    Args:
        data: `[batch, height, width, channels]` float16, float32 or float64 tensor.
        warp: `[batch, d_1, ..., d_n, 2]` tensor of `data`'s dtype: `(x, y)` points, `x`
            along the width and `y` along the height.
        name: unused (tfa's op name).

    Returns:
        `[batch, d_1, ..., d_n, channels]` samples, of `data`'s dtype.
    """
    data = tf.convert_to_tensor(data)
    warp = tf.convert_to_tensor(warp)
    if data.dtype not in (tf.float16, tf.float32, tf.float64):
        raise TypeError(f"resampler takes float16, float32 or float64 data, got {data.dtype}")
    if data.shape.rank is not None and data.shape.rank != 4:
        raise ValueError(
            "Only bilinear interpolation is currently supported. The input data shape must "
            f"be [batch_size, data_height, data_width, data_channels], but is: {data.shape}"
        )
    if warp.shape.rank is not None and warp.shape.rank < 2:
        raise ValueError(f"warp should be at least a matrix, got shape {warp.shape}")
    if warp.shape.rank is not None and warp.shape[-1] not in (None, 2):
        raise ValueError(
            "Only bilinear interpolation is supported, warping coordinates must be 2D; "
            f"warp shape last entry should be 2, but shape vector is: {warp.shape}"
        )
    data_shape, warp_shape = tf.shape(data), tf.shape(warp)
    checks = [
        tf.debugging.assert_equal(
            data_shape[0],
            warp_shape[0],
            message="Batch size of data and warp tensor must be the same",
        )
    ]
    with tf.control_dependencies(checks):
        batch, height, width = data_shape[0], data_shape[1], data_shape[2]
        num_points = tf.reduce_prod(warp_shape[1:-1])
        points = tf.reshape(warp, [batch, num_points, 2])
    x, y = points[..., 0], points[..., 1]
    dtype = data.dtype
    inside = (x > -1) & (y > -1) & (x < tf.cast(width, dtype)) & (y < tf.cast(height, dtype))
    # Points outside give 0 and no gradient: sample them at (0, 0) and mask the result.
    x = tf.where(inside, x, tf.zeros_like(x))
    y = tf.where(inside, y, tf.zeros_like(y))
    # The kernel floors in float32, whatever the dtype.
    fx = tf.cast(tf.floor(tf.cast(x, tf.float32)), tf.int32)
    fy = tf.cast(tf.floor(tf.cast(y, tf.float32)), tf.int32)
    cx, cy = fx + 1, fy + 1
    dx = tf.cast(cx, dtype) - x
    dy = tf.cast(cy, dtype) - y
    one = tf.ones([], dtype)

    # One ring of zeros around the data: indices -1 and width (height) read 0.
    padded = tf.pad(data, [[0, 0], [1, 1], [1, 1], [0, 0]])
    flat = tf.reshape(padded, [-1, data_shape[3]])
    offsets = tf.range(batch)[:, None] * (height + 2) * (width + 2)

    def sample(px, py):
        return tf.gather(flat, offsets + (py + 1) * (width + 2) + (px + 1))

    dx, dy = dx[..., None], dy[..., None]
    value = (
        dx * dy * sample(fx, fy)
        + (one - dx) * (one - dy) * sample(cx, cy)
        + dx * (one - dy) * sample(fx, cy)
        + (one - dx) * dy * sample(cx, fy)
    )
    value = tf.where(inside[..., None], value, tf.zeros_like(value))
    output_shape = tf.concat([warp_shape[:-1], data_shape[3:]], axis=0)
    output = tf.reshape(value, output_shape)
    if warp.shape.rank is not None:
        output = tf.ensure_shape(output, warp.shape[:-1].concatenate(data.shape[3:]))
    return output


__all__ = ["resampler"]
