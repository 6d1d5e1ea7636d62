"""tfa.image.gaussian_filter2d (a separable Gaussian blur, in `keras.ops`), mean_filter2d
and median_filter2d (in TensorFlow ops, whose dtype rules tfa's values follow: an even
window's median of integers is TensorFlow's sum-then-true-divide, cast back), each with
tfa's padding."""

import numpy as np
import tensorflow as tf
from keras import ops

from kerasdl.addons.image.utils import from_4d_image, is_floating, to_4d_image


def _gaussian_kernel(sigma, size: int):
    """tfa's 1-D kernel: softmax(-x^2 / (2 sigma^2)) over x = -size//2 + 1, ..., size//2."""
    x = np.arange(-size // 2 + 1, size // 2 + 1) ** 2
    return ops.softmax(-ops.cast(x, sigma.dtype) / (2.0 * ops.square(sigma)))


def gaussian_filter2d(
    image,
    filter_shape=(3, 3),
    sigma=1.0,
    padding: str = "REFLECT",
    constant_values=0,
    name: str | None = None,
):
    """Blurs image(s) with a 2-D Gaussian, as tfa 0.23.

    The kernel is the outer product of two 1-D kernels `softmax(-x^2 / (2 sigma^2))` (so
    it sums to 1); the image is padded by `filter_shape - 1` (one more at the bottom and
    right for an even size) and convolved per channel. `keras.layers.RandomGaussianBlur`
    draws sigma at random; this is tfa's deterministic filter.

    Args:
        image: `[height, width]`, `[height, width, channels]` or `[batch, height, width,
            channels]`; integer images are filtered in float32 and cast back.
        filter_shape: int or `(height, width)` of the filter.
        sigma: float or `(sigma_y, sigma_x)`, each >= 0.
        padding: "REFLECT", "CONSTANT" or "SYMMETRIC" (as `tf.pad`).
        constant_values: the pad value for "CONSTANT".
        name: unused (tfa's op name).

    Returns:
        The blurred image(s), of `image`'s shape and dtype.
    """
    if isinstance(sigma, list | tuple):
        if len(sigma) != 2:
            raise ValueError("sigma should be a float or a tuple/list of 2 floats")
    else:
        sigma = (sigma,) * 2
    if any(s < 0 for s in sigma):
        raise ValueError("sigma should be greater than or equal to 0.")
    if padding.upper() not in {"REFLECT", "CONSTANT", "SYMMETRIC"}:
        raise ValueError('padding should be one of "REFLECT", "CONSTANT", or "SYMMETRIC".')
    if isinstance(filter_shape, int):
        filter_shape = (filter_shape, filter_shape)
    filter_shape = tuple(int(s) for s in filter_shape)
    if len(filter_shape) != 2:
        raise ValueError(f"filter_shape must be an int or 2 ints, got {filter_shape}")

    image, rank = to_4d_image(ops.convert_to_tensor(image))
    original_dtype = image.dtype
    if not is_floating(original_dtype):
        image = ops.cast(image, "float32")
    sigma = ops.cast(ops.convert_to_tensor(sigma), image.dtype)
    kernel_y = _gaussian_kernel(sigma[0], filter_shape[0])
    kernel_x = _gaussian_kernel(sigma[1], filter_shape[1])
    kernel = ops.outer(kernel_y, kernel_x)[:, :, None, None]
    kernel = ops.tile(kernel, (1, 1, image.shape[-1], 1))

    height, width = filter_shape
    top, left = (height - 1) // 2, (width - 1) // 2
    pad_width = [[0, 0], [top, height - 1 - top], [left, width - 1 - left], [0, 0]]
    mode = padding.lower()
    if mode == "constant":
        image = ops.pad(image, pad_width, mode=mode, constant_values=constant_values)
    else:
        image = ops.pad(image, pad_width, mode=mode)
    output = ops.depthwise_conv(image, kernel, strides=1, padding="valid")
    return ops.cast(from_4d_image(output, rank), original_dtype)


def _normalize_filter_shape(filter_shape) -> tuple[int, int]:
    """tfa's `normalize_tuple(filter_shape, 2, "filter_shape")`: an int or two ints."""
    if isinstance(filter_shape, int):
        return (filter_shape, filter_shape)
    values = tuple(filter_shape)  # None: TypeError, as tfa
    message = f"The `filter_shape` argument must be a tuple of 2 integers. Received: {values}"
    if len(values) != 2:
        raise ValueError(message)
    try:
        return tuple(int(value) for value in values)
    except (TypeError, ValueError):
        raise ValueError(message) from None


def _pad(image, filter_shape, mode: str, constant_values):
    """`image` [B, H, W, C] padded by `filter_size - 1` (the extra one of an even size at
    the bottom and right), as tfa."""
    if mode.upper() not in {"REFLECT", "CONSTANT", "SYMMETRIC"}:
        raise ValueError('padding should be one of "REFLECT", "CONSTANT", or "SYMMETRIC".')
    height, width = filter_shape
    top, left = (height - 1) // 2, (width - 1) // 2
    paddings = [[0, 0], [top, height - 1 - top], [left, width - 1 - left], [0, 0]]
    constant_values = tf.convert_to_tensor(constant_values, image.dtype)
    return tf.pad(image, paddings, mode=mode, constant_values=constant_values)


def mean_filter2d(
    image,
    filter_shape=(3, 3),
    padding: str = "REFLECT",
    constant_values=0,
    name: str | None = None,
):
    """Replaces each pixel by the mean of its `filter_shape` window, as tfa 0.23.

    Float images are filtered in their dtype; integer images in float32, the mean then cast
    back (truncated). The window's sum is multiplied by `1 / area` (so a mean can differ
    from `sum / area` in the last bit, as tfa's did). The window of an even size reaches
    one pixel further down/right.

    Args:
        image: `[height, width]`, `[height, width, channels]` or `[batch, height, width,
            channels]`.
        filter_shape: int or `(height, width)` of the window.
        padding: "REFLECT", "CONSTANT" or "SYMMETRIC" (as `tf.pad`).
        constant_values: the pad value for "CONSTANT".
        name: unused (tfa's op name).

    Returns:
        The filtered image(s), of `image`'s shape and dtype.
    """
    image, rank = to_4d_image(tf.convert_to_tensor(image))
    filter_shape = _normalize_filter_shape(filter_shape)
    original_dtype = image.dtype
    if not original_dtype.is_floating:
        image = tf.cast(image, tf.float32)
    image = _pad(image, filter_shape, padding, constant_values)
    kernel = tf.ones(tf.stack([*filter_shape, tf.shape(image)[-1], 1]), image.dtype)
    output = tf.nn.depthwise_conv2d(image, kernel, strides=(1, 1, 1, 1), padding="VALID")
    # tfa divided by the area inside a tf.function, where TensorFlow's graph optimizer
    # turns the division by a constant into a product with its reciprocal: tfa's values.
    scale = tf.math.reciprocal(tf.constant(filter_shape[0] * filter_shape[1], image.dtype))
    return tf.cast(from_4d_image(output * scale, rank), original_dtype)


def median_filter2d(
    image,
    filter_shape=(3, 3),
    padding: str = "REFLECT",
    constant_values=0,
    name: str | None = None,
):
    """Replaces each pixel by the median of its `filter_shape` window, as tfa 0.23.

    An even window's median is the mean of its two middle values, computed as TensorFlow
    computes `(a + b) / 2` in `image`'s dtype and cast back: integers are truncated, and
    uint8's sum wraps past 255 (tfa's values).

    Args:
        image: `[height, width]`, `[height, width, channels]` or `[batch, height, width,
            channels]`.
        filter_shape: int or `(height, width)` of the window.
        padding: "REFLECT", "CONSTANT" or "SYMMETRIC" (as `tf.pad`).
        constant_values: the pad value for "CONSTANT".
        name: unused (tfa's op name).

    Returns:
        The filtered image(s), of `image`'s shape and dtype.
    """
    image, rank = to_4d_image(tf.convert_to_tensor(image))
    filter_shape = _normalize_filter_shape(filter_shape)
    shape = tf.shape(image)
    image = _pad(image, filter_shape, padding, constant_values)
    area = filter_shape[0] * filter_shape[1]
    patches = tf.image.extract_patches(
        image,
        sizes=[1, *filter_shape, 1],
        strides=[1, 1, 1, 1],
        rates=[1, 1, 1, 1],
        padding="VALID",
    )
    patches = tf.reshape(patches, tf.stack([shape[0], shape[1], shape[2], area, shape[3]]))
    top = tf.math.top_k(tf.transpose(patches, [0, 1, 2, 4, 3]), k=area // 2 + 1).values
    if area % 2 == 1:
        median = top[..., area // 2]
    else:
        median = (top[..., area // 2 - 1] + top[..., area // 2]) / 2
    return from_4d_image(tf.cast(median, image.dtype), rank)
