"""tfa.image.blend: linear interpolation (and extrapolation) of two images, as tfa 0.23."""

import numpy as np
import tensorflow as tf

from kerasdl.addons.image.color_ops import _blend


def blend(image1, image2, factor):
    """Blends `image1` (`factor` 0) into `image2` (`factor` 1), as tfa 0.23.

    `image1 + factor * (image2 - image1)` in float32, rounded half to even; a factor
    outside (0, 1) extrapolates and the result is clipped to [0, 255] first. Factors 0 and
    1 return `image1` or `image2` as given (their dtype); other factors return float32.

    Args:
        image1: an image tensor (HW, HWC or CHW, or any shape `image2` shares).
        image2: an image tensor of `image1`'s shape.
        factor: a float, or a float32 scalar tensor (a symbolic one inside `tf.function`
            gives float32 for 0 and 1 too).

    Returns:
        The blended image.
    """
    image1 = tf.convert_to_tensor(image1)
    image2 = tf.convert_to_tensor(image2)
    if isinstance(factor, tf.Tensor | np.ndarray | np.generic) and not tf.is_symbolic_tensor(
        factor
    ):
        factor = float(factor)  # a concrete value: tfa's Python comparisons
    return _blend(image1, image2, factor)


__all__ = ["blend"]
