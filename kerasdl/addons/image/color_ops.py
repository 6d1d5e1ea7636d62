"""tfa.image.equalize and tfa.image.sharpness: PIL's ImageOps.equalize and
ImageEnhance.Sharpness as tfa 0.23 wrote them in TensorFlow ops, here in `keras.ops`."""

from keras import ops

from kerasdl.addons.image.utils import from_4d_image, to_4d_image


def _equalize(image, bins: int):
    """Per image and channel: PIL's lookup table from the histogram of `image`'s int values."""
    batch, height, width, channels = image.shape
    values = ops.reshape(
        ops.transpose(ops.cast(image, "int32"), (0, 3, 1, 2)), (-1, height * width)
    )
    # tf.histogram_fixed_width(values, [0, bins - 1], nbins=bins): bin of v is
    # floor(v / ((bins - 1) / bins)), clipped to the range.
    scaled = ops.cast(values, "float64") / ((bins - 1) / bins)
    bin_index = ops.clip(ops.cast(ops.floor(scaled), "int32"), 0, bins - 1)
    rows = ops.shape(values)[0]
    offsets = ops.arange(rows, dtype="int32")[:, None] * bins
    histo = ops.bincount(ops.reshape(bin_index + offsets, (-1,)), minlength=rows * bins)
    histo = ops.reshape(ops.cast(histo, "int32"), (rows, bins))

    positions = ops.arange(bins, dtype="int32")
    last_nonzero = ops.max(ops.where(histo != 0, positions, -1), axis=1, keepdims=True)
    last_count = ops.take_along_axis(histo, ops.maximum(last_nonzero, 0), axis=1)
    step = (ops.sum(histo, axis=1, keepdims=True) - last_count) // (bins - 1)
    safe_step = ops.maximum(step, 1)
    lut = (ops.cumsum(histo, axis=1) - histo + safe_step // 2) // safe_step
    lut = ops.clip(lut, 0, bins - 1)
    equalized = ops.take_along_axis(lut, values, axis=1)
    result = ops.where(step == 0, values, equalized)
    result = ops.transpose(ops.reshape(result, (-1, channels, height, width)), (0, 2, 3, 1))
    return ops.cast(result, image.dtype)


def equalize(image, bins: int = 256, name: str | None = None):
    """Equalizes each channel's histogram, as tfa 0.23 (PIL's `ImageOps.equalize`).

    For each image and channel, with `histo` the histogram of the (int-cast) values over
    `bins` bins spanning `[0, bins - 1]` and `step = (sum(histo) - histo[last nonzero])
    // (bins - 1)`, each value `v` becomes `lut[v]` where `lut = clip((exclusive_cumsum(
    histo) + step // 2) // step, 0, bins - 1)`; a channel with `step == 0` (one value,
    or nearly) is left as it is. `keras.layers.Equalization` is a random augmentation with
    another table.

    Args:
        image: `[height, width]`, `[height, width, channels]` or `[batch, height, width,
            channels]` with values in `[0, bins)`.
        bins: number of histogram bins.
        name: unused (tfa's op name).

    Returns:
        The equalized image(s), of `image`'s shape and dtype.
    """
    image, rank = to_4d_image(ops.convert_to_tensor(image))
    return from_4d_image(_equalize(image, bins), rank)


def _blend(image1, image2, factor):
    """tfa's `blend` (image1 at 0, image2 at 1, extrapolated and clipped to [0, 255]
    beyond), rounded; factor 0 and 1 return the images unrounded."""
    static = isinstance(factor, int | float)
    if static:
        if factor == 0.0:
            return image1
        if factor == 1.0:
            return image2
    image1, image2 = ops.cast(image1, "float32"), ops.cast(image2, "float32")
    factor = ops.cast(factor, "float32")
    blended = image1 + factor * (image2 - image1)
    inside = ops.logical_and(factor > 0.0, factor < 1.0)
    blended = ops.round(ops.where(inside, blended, ops.clip(blended, 0.0, 255.0)))
    if static:
        return blended
    return ops.where(factor == 0.0, image1, ops.where(factor == 1.0, image2, blended))


def sharpness(image, factor, name: str | None = None):
    """Changes the sharpness of image(s), as tfa 0.23 (PIL's `ImageEnhance.Sharpness`).

    The degenerate image is the image smoothed by `[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`
    (cast to `image`'s dtype, the one-pixel border kept); the result blends from it
    (`factor` 0) through the image (1) and beyond (sharper, clipped to `[0, 255]`), rounded.
    `keras.layers.RandomSharpness` draws the factor at random.

    Args:
        image: `[height, width, channels]` or `[batch, height, width, channels]`.
        factor: float >= 0 (or a scalar tensor).
        name: unused (tfa's op name).

    Returns:
        The image(s), of `image`'s shape and dtype.
    """
    image, rank = to_4d_image(ops.convert_to_tensor(image))
    dtype = image.dtype
    kernel = ops.convert_to_tensor([[1.0, 1.0, 1.0], [1.0, 5.0, 1.0], [1.0, 1.0, 1.0]]) / 13.0
    kernel = ops.tile(kernel[:, :, None, None], (1, 1, image.shape[-1], 1))
    degenerate = ops.depthwise_conv(ops.cast(image, "float32"), kernel, padding="valid")
    degenerate = ops.cast(degenerate, dtype)
    border = [[0, 0], [1, 1], [1, 1], [0, 0]]
    interior = ops.pad(ops.ones_like(degenerate), border) == 1
    degenerate = ops.where(interior, ops.pad(degenerate, border), image)
    if not isinstance(factor, int | float):
        factor = ops.convert_to_tensor(factor)
    blended = _blend(degenerate, image, factor)
    return from_4d_image(ops.cast(blended, dtype), rank)
