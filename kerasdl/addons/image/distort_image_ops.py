"""tfa.image.adjust_hsv_in_yiq and random_hsv_in_yiq: hue, saturation and value changed by
one linear map of RGB in YIQ space (https://beesbuzz.biz/code/hsv_color_transforms.php).

tfa 0.23 had two paths, both kept here in TensorFlow ops, rounding for rounding:

- float32 images (and integer images, converted to float32 first) went to its custom
  kernel (`Addons>AdjustHsvInYiq`): the 3x3 matrix `yiq_inverse @ hsv @ yiq` in float32,
  then each output channel `((r m0 + g m1) + b m2)`;
- float16 and float64 images, which that kernel did not take, went to its Python
  fallback: `image @ (yiq @ hsv @ yiq_inverse)` in the image's dtype.

(A fallback switched tfa's kernels off for the rest of the process, so a float32 image
adjusted after a float16 or float64 one got the fallback's float32 values, within a
float32 rounding of the kernel's; as off Linux, where tfa always used the fallback. Here
float32 always takes the kernel's arithmetic.)
"""

import numpy as np
import tensorflow as tf

# RGB -> YIQ (rows Y, I, Q) and back, as tfa wrote them (https://en.wikipedia.org/wiki/YIQ).
_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_YIQ_INVERSE = np.array(
    [[1.0, 0.95617069, 0.62143257], [1.0, -0.2726886, -0.64681324], [1.0, -1.103744, 1.70062309]]
)


def _check(image):
    if image.shape.rank is not None and image.shape.rank < 3:
        raise ValueError("input must be at least 3-D.")
    if image.shape.rank is not None and image.shape[-1] not in (None, 3):
        raise ValueError(f"input must have 3 channels but instead has {image.shape[-1]}.")


def _kernel_float32(image, delta_hue, scale_saturation, scale_value):
    """The custom kernel's float32 arithmetic, rounding for rounding: `M = (yiq_inverse @
    hsv) @ yiq`, each entry of the second product summed as Eigen sums it, `t0 + (t1 +
    t2)`; then `out_j = (r M[j, 0] + g M[j, 1]) + b M[j, 2]`."""
    # The kernel calls std::cos and std::sin on floats: the float32 values nearest to them.
    cos = tf.cast(tf.math.cos(tf.cast(delta_hue, tf.float64)), tf.float32)
    sin = tf.cast(tf.math.sin(tf.cast(delta_hue, tf.float64)), tf.float32)
    vsu = scale_value * scale_saturation * cos
    vsw = scale_value * scale_saturation * sin
    # Python floats holding the float32 constants exactly.
    yiq = _YIQ.astype("float32").tolist()
    inverse = _YIQ_INVERSE.astype("float32").tolist()
    # inverse @ hsv, hsv = [[v, 0, 0], [0, vsu, -vsw], [0, vsw, vsu]] (zero terms dropped).
    inverse_hsv = [
        [row[0] * scale_value, row[1] * vsu + row[2] * vsw, row[1] * -vsw + row[2] * vsu]
        for row in inverse
    ]
    matrix = [
        [a * yiq[0][j] + (b * yiq[1][j] + c * yiq[2][j]) for j in range(3)]
        for a, b, c in inverse_hsv
    ]
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    return tf.stack([(r * m[0] + g * m[1]) + b * m[2] for m in matrix], axis=-1)


def _product(a, b):
    """`a @ b` for 3x3 nested lists, each entry summed left to right."""
    return [
        [(a[i][0] * b[0][j] + a[i][1] * b[1][j]) + a[i][2] * b[2][j] for j in range(3)]
        for i in range(3)
    ]


def _fallback(image, delta_hue, scale_saturation, scale_value):
    """tfa's Python fallback, in `image`'s dtype: `image @ (yiq^T @ hsv^T @ yiq_inverse^T)`,
    each dot product summed left to right with a rounding per operation (TensorFlow 2.15's
    matmul, whose float16 products tfa's values carry; a matmul now sums float16 in
    float32)."""
    dtype = image.dtype
    vsu = scale_value * scale_saturation * tf.math.cos(delta_hue)
    vsw = scale_value * scale_saturation * tf.math.sin(delta_hue)
    zero = tf.zeros([], dtype)
    hsv = [[scale_value, zero, zero], [zero, vsu, vsw], [zero, -vsw, vsu]]
    yiq = [[tf.constant(v, dtype) for v in row] for row in _YIQ.T]
    inverse = [[tf.constant(v, dtype) for v in row] for row in _YIQ_INVERSE.T]
    m = _product(_product(yiq, hsv), inverse)
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    return tf.stack([(r * m[0][j] + g * m[1][j]) + b * m[2][j] for j in range(3)], axis=-1)


def adjust_hsv_in_yiq(
    image, delta_hue=0, scale_saturation=1, scale_value=1, name: str | None = None
):
    """Adjusts hue, saturation and value of RGB image(s) in YIQ space, as tfa 0.23.

    The image is mapped to YIQ, rotated around the luma axis Y by `delta_hue` radians, its
    chrominance (I, Q) scaled by `scale_saturation` and all of Y, I, Q by `scale_value`,
    then mapped back to RGB; no clipping. Integer images are converted to float32 in
    [0, 1] (`tf.image.convert_image_dtype`) and back.

    Args:
        image: RGB image(s), last dimension 3, rank >= 3; uint8, int8, int16, int32, int64,
            float16, float32 or float64.
        delta_hue: the hue rotation, radians.
        scale_saturation: factor on the saturation.
        scale_value: factor on the value.
        name: unused (tfa's op name).

    Returns:
        The adjusted image(s), of `image`'s shape and dtype.
    """
    image = tf.convert_to_tensor(image)
    _check(image)
    original_dtype = image.dtype
    if not image.dtype.is_floating:
        image = tf.image.convert_image_dtype(image, tf.float32)
    delta_hue = tf.cast(delta_hue, image.dtype)
    scale_saturation = tf.cast(scale_saturation, image.dtype)
    scale_value = tf.cast(scale_value, image.dtype)
    if image.dtype == tf.float32:
        image = _kernel_float32(image, delta_hue, scale_saturation, scale_value)
    else:
        image = _fallback(image, delta_hue, scale_saturation, scale_value)
    return tf.image.convert_image_dtype(image, original_dtype)


def random_hsv_in_yiq(
    image,
    max_delta_hue=0,
    lower_saturation=1,
    upper_saturation=1,
    lower_value=1,
    upper_value=1,
    seed=None,
    name: str | None = None,
):
    """`adjust_hsv_in_yiq` with random parameters, as tfa 0.23.

    `delta_hue` is drawn from `[-max_delta_hue, max_delta_hue]`, `scale_saturation` from
    `[lower_saturation, upper_saturation]` and `scale_value` from `[lower_value,
    upper_value]` (one draw each for the whole batch; equal bounds draw nothing), by
    `tf.random.uniform` with op seed `seed`, in tfa's order.

    Returns:
        The adjusted image(s), of `image`'s shape and dtype.

    Raises:
        ValueError: a negative `max_delta_hue`, `lower_saturation` or `lower_value`, or a
            lower bound above its upper bound.
    """
    if max_delta_hue < 0:
        raise ValueError("max_delta must be non-negative.")
    if lower_saturation < 0:
        raise ValueError("lower_saturation must be non-negative.")
    if lower_value < 0:
        raise ValueError("lower_value must be non-negative.")
    if lower_saturation > upper_saturation:
        raise ValueError("lower_saturation must be not greater than upper_saturation.")
    if lower_value > upper_value:
        raise ValueError("lower_value must be not greater than upper_value.")

    def draw(low, high):
        return low if low == high else tf.random.uniform([], low, high, seed=seed)

    delta_hue = 0 if max_delta_hue == 0 else draw(-max_delta_hue, max_delta_hue)
    scale_saturation = draw(lower_saturation, upper_saturation)
    scale_value = draw(lower_value, upper_value)
    return adjust_hsv_in_yiq(image, delta_hue, scale_saturation, scale_value)


__all__ = ["adjust_hsv_in_yiq", "random_hsv_in_yiq"]
