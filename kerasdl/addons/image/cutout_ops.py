"""tfa.image.cutout_ops: cutout with tfa's signatures, on `kerasdl.ops.cutout`."""

import keras
import numpy as np
from keras import ops

from kerasdl.ops import image as _image


def _mask_size(mask_size):
    mask_size = ops.cast(ops.convert_to_tensor(mask_size), "int32")
    if len(mask_size.shape) == 0:
        mask_size = ops.stack([mask_size, mask_size])
    return mask_size


def cutout(images, mask_size, offset=(0, 0), constant_values=0):
    """Fills a `mask_size = (height, width)` patch centred at `offset = (row, col)`
    (`[2]` or `[B, 2]`) with `constant_values`. tfa required even sizes; odd sizes work
    here (see `kerasdl.ops.cutout`)."""
    return _image.cutout(images, _mask_size(mask_size), offset, constant_values)


def _static_mask_size(mask_size) -> list:
    """`mask_size` as two Python ints, without a round trip through a tensor (which a
    `tf.function` could not read back)."""
    if isinstance(mask_size, (int, np.integer)):
        return [int(mask_size)] * 2
    if isinstance(mask_size, (list, tuple)):
        return [int(v) for v in mask_size]
    values = np.asarray(ops.convert_to_numpy(mask_size)).reshape(-1)
    return [int(v) for v in np.broadcast_to(values, (2,))]


def _random_center(mask_length, image_length, batch_size, seed):
    if mask_length >= image_length:
        return ops.full((batch_size,), image_length // 2, dtype="int32")
    half = mask_length // 2
    return keras.random.randint(
        (batch_size,), minval=half, maxval=image_length - half, dtype="int32", seed=seed
    )


def random_cutout(images, mask_size, constant_values=0, seed=None):
    """Cutout at a uniformly drawn centre per image, the patch kept inside the image as in
    tfa (`[B, H, W, C]` images). `seed` is an int or a `keras.random.SeedGenerator`; the
    draws are Keras', so the centres differ from tfa's for the same seed."""
    images = ops.convert_to_tensor(images)
    batch_size, height, width = images.shape[0], images.shape[1], images.shape[2]
    if batch_size is None:
        batch_size = ops.shape(images)[0]
    size = _static_mask_size(mask_size)
    if isinstance(seed, int):
        seed = keras.random.SeedGenerator(seed)
    rows = _random_center(size[0], height, batch_size, seed)
    cols = _random_center(size[1], width, batch_size, seed)
    return cutout(images, size, ops.stack([rows, cols], axis=1), constant_values)
