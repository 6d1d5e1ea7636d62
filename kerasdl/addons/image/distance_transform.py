"""tfa.image.euclidean_dist_transform: each pixel's distance to the nearest zero pixel,
tfa 0.23's kernel (`Addons>EuclideanDistanceTransform`) re-expressed in TensorFlow ops.

tfa's kernel runs Felzenszwalb and Huttenlocher's lower-envelope algorithm ("Distance
Transforms of Sampled Functions", 2012) along rows, then columns. Both passes here compute
the same minima, `g(x) = min_x' (x - x')^2 + f(x')`, by looping over `x'` with every pixel
of the batch at once: exact squared distances (integers in float32, or float64), the square
root taken in the output dtype, and `sqrt(dtype.max)` for a channel without zeros, as the
kernel leaves it. float16 equals the kernel's values while squared distances stay exact
in float16 (up to 2048, distances up to 45 pixels).
"""

import tensorflow as tf

from kerasdl.addons.image.utils import from_4d_image, to_4d_image


def _squared_distance_pass(f, axis: int):
    """`g[..., x, ...] = min over x' of (x - x')^2 + f[..., x', ...]` along `axis`."""
    size = tf.shape(f)[axis]
    positions = tf.cast(tf.range(size), f.dtype)
    # Broadcast the positions x along `axis` of a [B, H, W, C] tensor.
    x = tf.reshape(positions, [-1, 1, 1] if axis == 1 else [-1, 1])

    def body(i, g):
        column = tf.gather(f, [i], axis=axis)
        return i + 1, tf.minimum(g, tf.square(x - tf.cast(i, f.dtype)) + column)

    infinity = tf.fill(tf.shape(f), tf.constant(float("inf"), f.dtype))
    _, g = tf.while_loop(lambda i, _: i < size, body, (0, infinity))
    return g


def euclidean_dist_transform(images, dtype=tf.float32, name: str | None = None):
    """The Euclidean distance from each pixel to the nearest zero pixel of its image and
    channel, as tfa 0.23 (zero pixels get 0).

    Args:
        images: uint8 `[height, width]`, `[height, width, channels]` or `[batch, height,
            width, channels]`; each channel is transformed on its own.
        dtype: the output dtype: `tf.float16`, `tf.float32` or `tf.float64`.
        name: unused (tfa's op name).

    Returns:
        Distances of `images`' shape in `dtype`; a channel with no zero pixel is filled
        with `sqrt(dtype.max)` (tfa's kernel's value).

    Raises:
        TypeError: `images` is not uint8, or `dtype` is not one of the three floats.
    """
    images = tf.convert_to_tensor(images)
    if images.dtype != tf.uint8:
        raise TypeError(f"Invalid dtype {images.dtype}. Expected uint8.")
    images, rank = to_4d_image(images)
    dtype = tf.as_dtype(dtype)
    if dtype not in (tf.float16, tf.float32, tf.float64):
        raise TypeError("`dtype` must be float16, float32 or float64")
    # float32 holds every squared distance below 2^24 exactly; float64 for float64.
    exact = tf.float64 if dtype == tf.float64 else tf.float32
    infinity = tf.constant(float("inf"), exact)
    f = tf.where(tf.equal(images, 0), tf.zeros([], exact), infinity)
    squared = _squared_distance_pass(_squared_distance_pass(f, axis=2), axis=1)
    largest = tf.fill(tf.shape(squared), tf.constant(dtype.max, dtype))
    squared = tf.where(tf.math.is_inf(squared), largest, tf.cast(squared, dtype))
    return from_4d_image(tf.sqrt(squared), rank)


__all__ = ["euclidean_dist_transform"]
