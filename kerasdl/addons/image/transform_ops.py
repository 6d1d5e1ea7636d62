"""tfa.image.transform_ops: projective warps with tfa's signatures, on `kerasdl.ops`."""

from keras import ops

from kerasdl.ops import image as _image


def _interpolation(interpolation: str) -> str:
    return interpolation.lower()


def transform(
    images,
    transforms,
    interpolation: str = "nearest",
    fill_mode: str = "constant",
    output_shape=None,
    name=None,
    fill_value: float = 0.0,
):
    """Warps `images` (`[B, H, W, C]`, `[H, W, C]` or `[H, W]`) by `transforms`.

    `transforms` is `[8]` or `[B, 8]`: `[a0, a1, a2, b0, b1, b2, c0, c1]` maps an output
    point `(x, y)` to the input point `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`,
    `k = c0 x + c1 y + 1`. `interpolation` is `"nearest"` or `"bilinear"` (any case, as tfa
    accepted `"NEAREST"`/`"BILINEAR"`); `fill_mode` `"constant"`, `"reflect"`, `"wrap"` or
    `"nearest"`. `output_shape` (`[2]`: height, width of the output) samples an output
    grid of that size, as tfa (TensorFlow's `ImageProjectiveTransformV3` kernel, which tfa
    called); `name` is accepted and ignored.
    """
    if output_shape is not None:
        return _transform_to_shape(
            images, transforms, interpolation, fill_mode, output_shape, fill_value
        )
    return _image.transform(
        images, transforms, _interpolation(interpolation), fill_mode, fill_value
    )


def _transform_to_shape(images, transforms, interpolation, fill_mode, output_shape, fill_value):
    """`transform` onto an `output_shape` grid: tfa's own call of TensorFlow's kernel."""
    import tensorflow as tf

    _image._check(_interpolation(interpolation), fill_mode)
    batch, rank = _image._to_batch(images)
    transforms = tf.reshape(tf.cast(transforms, tf.float32), [-1, 8])
    transforms = tf.broadcast_to(transforms, [tf.shape(batch)[0], 8])
    output_shape = tf.cast(tf.reshape(output_shape, [2]), tf.int32)
    warped = tf.raw_ops.ImageProjectiveTransformV3(
        images=batch,
        transforms=transforms,
        output_shape=output_shape,
        fill_value=tf.cast(fill_value, tf.float32),
        interpolation=interpolation.upper(),
        fill_mode=fill_mode.upper(),
    )
    static = tf.get_static_value(output_shape)
    if static is not None:
        warped = tf.ensure_shape(warped, [None, int(static[0]), int(static[1]), None])
    return _image._from_batch(warped, rank)


def compose_transforms(transforms, name=None):
    """Composes a list of `[B, 8]` transforms into one, applied in list order as tfa did:
    `compose_transforms([t1, t2])` warps as `t1` then `t2` (`T1 @ T2` in matrix form).
    Flat `[8]` transforms are taken as `[1, 8]`."""
    transforms = [ops.reshape(ops.cast(t, "float32"), (-1, 8)) for t in transforms]
    return _image.compose_transforms(*transforms)


def flat_transforms_to_matrices(transforms, name=None):
    """`[8]` or `[B, 8]` transforms -> `[B, 3, 3]` matrices mapping output to input."""
    return _image.transforms_to_matrices(ops.reshape(ops.cast(transforms, "float32"), (-1, 8)))


def matrices_to_flat_transforms(transform_matrices, name=None):
    """`[3, 3]` or `[B, 3, 3]` matrices -> `[B, 8]` transforms."""
    matrices = ops.reshape(ops.cast(transform_matrices, "float32"), (-1, 3, 3))
    return _image.matrices_to_transforms(matrices)


def angles_to_projective_transforms(angles, image_height, image_width, name=None):
    """Counter-clockwise rotations by `angles` radians (scalar or `[B]`) about the image
    centre as `[B, 8]` transforms (a scalar gives `[1, 8]`, as in tfa)."""
    return _image.angles_to_projective_transforms(angles, image_height, image_width)


def rotate(
    images,
    angles,
    interpolation: str = "nearest",
    fill_mode: str = "constant",
    name=None,
    fill_value: float = 0.0,
):
    """Rotates `images` counter-clockwise by `angles` radians (scalar or `[B]`)."""
    return _image.rotate(images, angles, _interpolation(interpolation), fill_mode, fill_value)


def _wrap(image):
    """Appends a channel of ones, which the warp turns to 0 where it filled the image."""
    image = ops.convert_to_tensor(image)
    ones = ops.ones(ops.shape(image)[:-1] + (1,), dtype=image.dtype)
    return ops.concatenate([image, ones], axis=-1)


def _unwrap(image, replace):
    """Drops the added channel; where it is not 1, writes `replace` (1 or 3 values)."""
    channels = image.shape[-1] - 1
    replace = ops.cast(ops.convert_to_tensor(replace), image.dtype)
    replace = ops.broadcast_to(ops.reshape(replace, (-1,)), (channels,))
    keep = ops.equal(image[..., -1:], ops.ones((), image.dtype))
    return ops.where(keep, image[..., :channels], replace)


def shear_x(image, level, replace):
    """Shears a `[H, W, 3]` image along x about its top-left corner: output `(x, y)` reads
    input `(x + level y, y)`; pixels from outside the image get `replace` (1 or 3 values).
    Nearest-neighbour, as tfa. For a centred shear use `kerasdl.ops.shear`."""
    level = ops.cast(level, "float32")
    one, zero = ops.ones((), "float32"), ops.zeros((), "float32")
    transform_ = ops.stack([one, level, zero, zero, one, zero, zero, zero])
    return _unwrap(_image.transform(_wrap(image), transform_), replace)


def shear_y(image, level, replace):
    """Shears a `[H, W, 3]` image along y about its top-left corner: output `(x, y)` reads
    input `(x, level x + y)`; pixels from outside get `replace`."""
    level = ops.cast(level, "float32")
    one, zero = ops.ones((), "float32"), ops.zeros((), "float32")
    transform_ = ops.stack([one, zero, zero, level, one, zero, zero, zero])
    return _unwrap(_image.transform(_wrap(image), transform_), replace)
