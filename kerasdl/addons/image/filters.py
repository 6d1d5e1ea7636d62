"""tfa.image.gaussian_filter2d: a separable Gaussian blur with tfa's padding and kernel."""

import numpy as np
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
