"""Seeded, batched image augmentation for tf.data, built from named steps.

An `Augmenter` turns a spec such as ``"crop:4,flip,rotate:15,cutout:8"`` into one function
that augments a whole batch (``map`` after ``batch``) with independent random parameters per
example. Randomness is stateless: every batch is keyed on ``(seed, epoch, step)``, so the same
seed gives the same augmented stream, every epoch differs from the last, and parallel or
out-of-order execution cannot change the result.

Usage::

    augmenter = Augmenter("cifar", seed=0, num_classes=10)
    train = augmenter.apply(train.batch(128))        # a new epoch each time it is iterated
    model.fit(train, validation_data=valid)          # never augment validation/test data

    layer = Augmentation("crop:4,flip")               # or inside a model: active only when
    outputs = layer(images, training=True)           # training (fit), identity in predict

Spec grammar (whitespace is ignored)::

    spec  := "" | item ("," item)*
    item  := recipe | step
    recipe:= "none" | "cifar" | "mnist" | "cifar-randaugment"   (expands in place)
    step  := name (":" value)*

=====================  ========  ==============================================================
step                   defaults  what each example gets
=====================  ========  ==============================================================
``crop:P``             4         zero-pad P px per side, random HxW crop (integer shift)
``flip:M``             h         mirrored with probability 1/2; M is h, v or hv
``rotate:D``           15        rotation by U(-D, D) degrees
``scale:S``            0.1       zoom by U(1-S, 1+S) about the centre
``translate:F``        0.1       shift by U(-F, F) x size (F < 1) or pixels (F >= 1), x and y
``shear:D``            10        shear by U(-D, D) degrees, x and y independently
``cutout:S``           8         one SxS patch (uniform centre, clipped) set to ``fill_value``
``brightness:D``       0.2       add U(-D, D) x (value range)
``contrast:C``         0.2       scale around the per-channel mean by U(1-C, 1+C)
``saturation:S``       0.2       blend with grey by U(1-S, 1+S) (PIL ``Color``)
``hue:H``              0.05      rotate hue by U(-H, H) turns (in YIQ space)
``mixup:A``            0.2       lam ~ Beta(A, A); x, y = lam x + (1-lam) x', same for y
``cutmix:A``           1.0       paste a box of area ~ 1-lam from a partner; y by area
``randaugment:N:M``    2, 9      N ops per example from 13, magnitude M in 0..10
=====================  ========  ==============================================================

Recipes: ``cifar`` = ``crop:4,flip,rotate:15,cutout:8``; ``mnist`` = ``crop:2,rotate:10,
scale:0.1``; ``cifar-randaugment`` = ``crop:4,flip,randaugment:2:9,cutout:8``; ``none`` = no
steps.

Execution. Consecutive geometric steps (crop, flip, rotate, scale, translate, shear) are
composed into one ``[B, 3, 3]`` inverse map per example and applied with a single warp: one
interpolation instead of one per step. Because the warp happens once, a region filled by an
earlier step (crop's zero border) is moved by the later ones exactly as if applied in turn;
all geometric steps share ``fill_mode``/``fill_value``. A cutout right after the warp is
fused into it (erased pixels read the fill value). By default the whole batch function is
compiled with XLA and warps with `kerasdl.ops.warp` (gathers that XLA fuses with the
casts, cutout and rounding into one loop); with ``jit_compile=False`` it warps with the
`ImageProjectiveTransformV3` kernel; both give the same images (to +-1 rounding). One
fused pass per batch, instead of a chain of layers each reading and writing the batch, is
where the speed over Keras preprocessing layers comes from (``benchmarks/augment.py``).

Pixel steps run in spec order between warps, in float32. Mixing steps need labels: integer
class ids are one-hot encoded (``num_classes`` required) and the labels come back float32
``[B, num_classes]``; mixing partners are a random permutation of the batch. Images come
back in their input dtype (integers rounded and clipped), labels unchanged when no mixing
step is present.

All randomness is drawn with `tf.random.stateless_*` (Philox) outside the compiled part, so
the stream does not depend on ``jit_compile``. The augmentation is TensorFlow code (it lives
in tf.data), not a multi-backend `keras.ops` one; the geometry it calls is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import tensorflow as tf

from kerasdl.data.epochs import EpochCounter
from kerasdl.data.parallel import parallel_map
from kerasdl.ops import image as image_ops

__all__ = [
    "RECIPES",
    "STEPS",
    "Augmentation",
    "Augmenter",
    "Step",
    "parse_spec",
]

RECIPES: dict[str, str] = {
    "none": "",
    "cifar": "crop:4,flip,rotate:15,cutout:8",
    "mnist": "crop:2,rotate:10,scale:0.1",
    "cifar-randaugment": "crop:4,flip,randaugment:2:9,cutout:8",
}

GEOMETRIC = ("crop", "flip", "rotate", "scale", "translate", "shear")
COLOUR = ("brightness", "contrast", "saturation", "hue")
MIXING = ("mixup", "cutmix")

# name -> default arguments; the types of the defaults are the argument types.
STEPS: dict[str, tuple] = {
    "crop": (4,),
    "flip": ("h",),
    "rotate": (15.0,),
    "scale": (0.1,),
    "translate": (0.1,),
    "shear": (10.0,),
    "cutout": (8,),
    "brightness": (0.2,),
    "contrast": (0.2,),
    "saturation": (0.2,),
    "hue": (0.05,),
    "mixup": (0.2,),
    "cutmix": (1.0,),
    "randaugment": (2, 9.0),
}


@dataclass(frozen=True)
class Step:
    """One parsed step: its name and its arguments (defaults filled in).

    Example:

    ```python
    from kerasdl.data import augmentation

    step = augmentation.parse_spec("rotate:15")[0]
    step.name, step.args, str(step)  # "rotate", (15.0,), "rotate:15.0"
    ```
    """

    name: str
    args: tuple

    def __str__(self) -> str:
        return ":".join([self.name, *(str(a) for a in self.args)])


def parse_spec(spec: str | Sequence[Step] | None) -> list[Step]:
    """Parses an augmentation spec string (grammar in the module docstring) into steps.

    Raises:
        ValueError: naming the offending item, for an unknown name or a bad argument.

    Example:

    ```python
    from kerasdl.data import augmentation

    [step.name for step in augmentation.parse_spec("crop:4,flip,cutout:8")]
    # ["crop", "flip", "cutout"]
    [step.name for step in augmentation.parse_spec("mnist")]  # a recipe name
    ```
    """
    if spec is None:
        return []
    if not isinstance(spec, str):
        return list(spec)
    steps: list[Step] = []
    for item in "".join(spec.split()).split(","):
        if not item:
            continue
        if item in RECIPES:
            steps.extend(parse_spec(RECIPES[item]))
            continue
        name, *values = item.split(":")
        if name not in STEPS:
            raise ValueError(
                f"unknown augmentation step {name!r} in {spec!r}; steps: "
                f"{', '.join(STEPS)}; recipes: {', '.join(RECIPES)}"
            )
        defaults = STEPS[name]
        if len(values) > len(defaults):
            raise ValueError(f"{item!r}: {name} takes at most {len(defaults)} argument(s)")
        args = list(defaults)
        for i, value in enumerate(values):
            try:
                kind = type(defaults[i])
                args[i] = int(float(value)) if kind is int else kind(value)
            except ValueError:
                raise ValueError(f"{item!r}: bad argument {value!r} for {name}") from None
        if name == "flip" and args[0] not in ("h", "v", "hv"):
            raise ValueError(f"{item!r}: flip takes h, v or hv")
        if name != "flip" and any(a < 0 for a in args):
            raise ValueError(f"{item!r}: arguments must be non-negative")
        steps.append(Step(name, tuple(args)))
    return steps


# --- random numbers -------------------------------------------------------------------------

# Named, not "auto_select": XLA's auto choice differs from the CPU kernel's, and the stream
# must not depend on `jit_compile`.
_ALG = "philox"


def _key(key, index: int):
    """A sub-key for one step of one batch."""
    return tf.random.experimental.stateless_fold_in(key, index, alg=_ALG)


def _uniform(key, shape, low=0.0, high=1.0):
    return tf.random.stateless_uniform(shape, seed=key, minval=low, maxval=high, alg=_ALG)


def _between(u, low, high):
    """Maps uniforms ``u`` in [0, 1) to [low, high)."""
    return low + (high - low) * u


def _noise_width(step: Step) -> int:
    """How many U[0, 1) numbers per example a step consumes."""
    if step.name == "randaugment":
        return 2 * step.args[0]
    return {"rotate": 1, "scale": 1, "mixup": 1, "cutmix": 3}.get(step.name, 2)


def _beta(key, n, alpha: float):
    a, b = _key(key, 0), _key(key, 1)
    alpha = tf.constant(max(alpha, 1e-6), tf.float32)
    ga = tf.random.stateless_gamma([n], seed=a, alpha=alpha)
    gb = tf.random.stateless_gamma([n], seed=b, alpha=alpha)
    return ga / tf.maximum(ga + gb, 1e-12)


# --- geometric steps: [B, 3, 3] inverse maps ------------------------------------------------


def _identity(n):
    return tf.eye(3, batch_shape=[n])


def _matrices(transforms):
    return image_ops.transforms_to_matrices(transforms)


def _geometry(step: Step, u, n, height, width):
    """Per-example inverse maps ``[B, 3, 3]`` for one geometric step; ``u`` [B, k] uniforms."""
    name, args = step.name, step.args
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    if name == "crop":
        pad = args[0]
        shifts = tf.minimum(tf.floor(u * (2 * pad + 1)), 2 * pad) - pad
        return _matrices(image_ops.translations_to_projective_transforms(shifts))
    if name == "flip":
        fx = (u[:, 0] < 0.5) & ("h" in args[0])
        fy = (u[:, 1] < 0.5) & ("v" in args[0])
        sx = tf.where(fx, -1.0, 1.0)
        sy = tf.where(fy, -1.0, 1.0)
        zeros = tf.zeros_like(sx)
        t = tf.stack(
            [sx, zeros, tf.where(fx, w - 1.0, 0.0), zeros, sy, tf.where(fy, h - 1.0, 0.0)], 1
        )
        return _matrices(tf.concat([t, tf.zeros([n, 2])], axis=1))
    if name == "rotate":
        limit = math.radians(args[0])
        angles = _between(u[:, 0], -limit, limit)
        return _matrices(image_ops.angles_to_projective_transforms(angles, height, width))
    if name == "scale":
        scales = _between(u[:, 0], 1.0 - args[0], 1.0 + args[0])
        return _matrices(image_ops.scales_to_projective_transforms(scales, height, width))
    if name == "translate":
        limit = args[0]
        shifts = _between(u, -1.0, 1.0) * limit
        if limit < 1:
            shifts = shifts * tf.stack([w, h])
        return _matrices(image_ops.translations_to_projective_transforms(shifts))
    if name == "shear":
        limit = math.tan(math.radians(args[0]))
        shear = _between(u, -limit, limit)
        return _matrices(
            image_ops.shears_to_projective_transforms(shear[:, 0], shear[:, 1], height, width)
        )
    raise AssertionError(name)


# --- pixel steps ----------------------------------------------------------------------------

_LUMA = (0.299, 0.587, 0.114)


def _grey(x):
    return tf.reduce_sum(x * tf.constant(_LUMA, x.dtype), axis=-1, keepdims=True)


def _blend(degenerate, x, factor):
    """PIL ``ImageEnhance``: ``degenerate + factor (x - degenerate)``, ``factor`` per example."""
    return degenerate + factor[:, None, None, None] * (x - degenerate)


def _hue_rotate(x, turns):
    """Rotates hue by ``turns`` per example as a rotation of the IQ plane of YIQ."""
    rgb_to_yiq = tf.constant(
        [[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], tf.float32
    )
    yiq_to_rgb = tf.linalg.inv(rgb_to_yiq)
    theta = 2.0 * math.pi * turns
    c, s = tf.cos(theta), tf.sin(theta)
    ones, zeros = tf.ones_like(c), tf.zeros_like(c)
    rot = tf.reshape(tf.stack([ones, zeros, zeros, zeros, c, -s, zeros, s, c], 1), [-1, 3, 3])
    # Row vectors: rgb' = rgb @ (yiq_to_rgb R rgb_to_yiq)^T.
    m = tf.matmul(yiq_to_rgb[None], tf.matmul(rot, rgb_to_yiq[None]))
    return tf.einsum("bhwc,bdc->bhwd", x, m)


def _cutout_mask(u, size: int, height, width):
    """``[B, H, W]`` bool: one ``size`` x ``size`` patch per example, uniform centre, clipped.

    The patch is `ops.cutout`'s for a centre drawn uniformly over the pixels (DeVries and
    Taylor, 2017: the patch may hang over the border).
    """
    top = tf.cast(tf.floor(u[:, 0] * tf.cast(height, tf.float32)), tf.int32) - size // 2
    left = tf.cast(tf.floor(u[:, 1] * tf.cast(width, tf.float32)), tf.int32) - size // 2
    rows = tf.range(height)[None, :]
    cols = tf.range(width)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < top[:, None] + size)
    in_cols = (cols >= left[:, None]) & (cols < left[:, None] + size)
    return in_rows[:, :, None] & in_cols[:, None, :]


def _colour(step: Step, x, u, value_range):
    """One colour step on float32 images; clipped to ``value_range``."""
    lo, hi = value_range
    a = step.args[0]
    u = u[:, 0]
    if step.name == "brightness":
        x = x + _between(u, -a, a)[:, None, None, None] * (hi - lo)
    elif step.name == "contrast":
        mean = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
        x = _blend(mean, x, _between(u, 1.0 - a, 1.0 + a))
    elif step.name == "saturation":
        x = _blend(_grey(x), x, _between(u, 1.0 - a, 1.0 + a))
    elif step.name == "hue":
        x = _hue_rotate(x, _between(u, -a, a))
    return tf.clip_by_value(x, lo, hi)


# RandAugment (Cubuk et al., 2020) op list without equalize; magnitudes follow timm's
# "increasing" variant (rand-mM-inc1) with m = M / 10: enhance factors 1 +- 0.9 m (random
# sign), rotate 30 m degrees, shear 0.3 m, translate 0.45 m of the size, posterize to
# 8 - round(4 m) bits, solarize above 256 (1 - m).
_RANDAUGMENT_OPS = (
    "identity",
    "autocontrast",
    "brightness",
    "color",
    "contrast",
    "sharpness",
    "posterize",
    "solarize",
    "rotate",
    "shear_x",
    "shear_y",
    "translate_x",
    "translate_y",
)


def _randaugment(x, u, layers: int, magnitude: float, value_range, height, width):
    """RandAugment colour part on float32 ``x`` and the composed geometry ``[B, 3, 3]``.

    Every example draws ``layers`` ops uniformly from `_RANDAUGMENT_OPS`. Each op is written
    so that a per-example parameter turns it into the identity, so one pass per op serves the
    whole batch. Colour ops of all layers run first, then one warp (the caller's) applies the
    geometry of all layers: the ops commute except where the warp fills the border.
    """
    lo, hi = value_range
    span = hi - lo
    m = min(max(magnitude / 10.0, 0.0), 1.0)
    n = tf.shape(x)[0]
    ops_n = len(_RANDAUGMENT_OPS)
    geometry = _identity(n)
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    for layer in range(layers):
        choice = tf.cast(tf.minimum(tf.floor(u[:, 2 * layer] * ops_n), ops_n - 1), tf.int32)
        sign = tf.where(u[:, 2 * layer + 1] < 0.5, -1.0, 1.0)

        def chosen(name, choice=choice):
            return tf.equal(choice, _RANDAUGMENT_OPS.index(name))

        enhance = 1.0 + 0.9 * m * sign

        def factor(name, enhance=enhance, chosen=chosen):
            return tf.where(chosen(name), enhance, 1.0)

        mask = chosen("autocontrast")[:, None, None, None]
        low = tf.reduce_min(x, axis=[1, 2], keepdims=True)
        high = tf.reduce_max(x, axis=[1, 2], keepdims=True)
        stretched = lo + (x - low) * span / tf.maximum(high - low, 1e-6)
        x = tf.where(mask & (high > low), stretched, x)
        x = _blend(tf.fill(tf.shape(x[..., :1]), float(lo)), x, factor("brightness"))
        x = _blend(_grey(x), x, factor("color"))
        mean = tf.reduce_mean(_grey(x), axis=[1, 2, 3], keepdims=True)
        x = _blend(mean, x, factor("contrast"))
        kernel = tf.constant([[1, 1, 1], [1, 5, 1], [1, 1, 1]], tf.float32) / 13.0
        channels = x.shape[-1]
        kernel = tf.tile(kernel[:, :, None, None], [1, 1, channels, 1])
        smooth = tf.nn.depthwise_conv2d(x, kernel, [1, 1, 1, 1], "VALID")
        smooth = tf.pad(smooth, [[0, 0], [1, 1], [1, 1], [0, 0]])
        border = tf.pad(
            tf.zeros_like(smooth[:1, 1:-1, 1:-1, :1]),
            [[0, 0], [1, 1], [1, 1], [0, 0]],
            constant_values=1.0,
        )
        smooth = border * x + (1.0 - border) * smooth
        x = tf.clip_by_value(_blend(smooth, x, factor("sharpness")), lo, hi)
        # Posterize to 8 - round(4 m) bits and solarize above 256 (1 - m), on a 0..255 scale.
        unit = (x - lo) * (255.0 / span)
        bits = 8 - int(round(4 * m))
        step = tf.where(chosen("posterize"), float(2 ** (8 - bits)), 1.0)[:, None, None, None]
        unit = tf.floor(unit / step) * step if bits < 8 else unit
        threshold = tf.where(chosen("solarize"), 256.0 * (1.0 - m), 256.0)[:, None, None, None]
        unit = tf.where(unit >= threshold, 255.0 - unit, unit)
        x = lo + unit * (span / 255.0)

        angle = tf.where(chosen("rotate"), sign * math.radians(30.0 * m), 0.0)
        shear_x = tf.where(chosen("shear_x"), sign * 0.3 * m, 0.0)
        shear_y = tf.where(chosen("shear_y"), sign * 0.3 * m, 0.0)
        dx = tf.where(chosen("translate_x"), sign * 0.45 * m * w, 0.0)
        dy = tf.where(chosen("translate_y"), sign * 0.45 * m * h, 0.0)
        for t in (
            image_ops.angles_to_projective_transforms(angle, height, width),
            image_ops.shears_to_projective_transforms(shear_x, shear_y, height, width),
            image_ops.translations_to_projective_transforms(tf.stack([dx, dy], axis=1)),
        ):
            geometry = tf.matmul(geometry, _matrices(t))
    return x, geometry


# --- mixing steps ----------------------------------------------------------------------------


def _partners(u):
    """A random permutation of the batch from [B] uniforms: each example's mixing partner."""
    return tf.argsort(u)


def _mixup(x, y, u, lam):
    """Mixup (Zhang et al., 2018) with per-example weights ``lam`` [B] ~ Beta(a, a)."""
    perm = _partners(u[:, 0])
    x = _blend(tf.gather(x, perm), x, lam)
    y = lam[:, None] * y + (1.0 - lam[:, None]) * tf.gather(y, perm)
    return x, y


def _cutmix(x, y, u, lam):
    """CutMix (Yun et al., 2019): a box of area ``1 - lam`` from a partner, labels by area."""
    shape = tf.shape(x)
    height, width = shape[1], shape[2]
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    perm = _partners(u[:, 0])
    cut = tf.sqrt(1.0 - lam)
    cy, cx = u[:, 1] * h, u[:, 2] * w
    top = tf.cast(tf.clip_by_value(tf.round(cy - cut * h / 2), 0, h), tf.int32)
    bottom = tf.cast(tf.clip_by_value(tf.round(cy + cut * h / 2), 0, h), tf.int32)
    left = tf.cast(tf.clip_by_value(tf.round(cx - cut * w / 2), 0, w), tf.int32)
    right = tf.cast(tf.clip_by_value(tf.round(cx + cut * w / 2), 0, w), tf.int32)
    rows = tf.range(height)[None, :]
    cols = tf.range(width)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < bottom[:, None])
    in_cols = (cols >= left[:, None]) & (cols < right[:, None])
    inside = in_rows[:, :, None, None] & in_cols[:, None, :, None]
    x = tf.where(inside, tf.gather(x, perm), x)
    # The label weight is the area actually kept, after clipping the box at the border.
    area = tf.cast((bottom - top) * (right - left), tf.float32) / (h * w)
    keep = (1.0 - area)[:, None]
    y = keep * y + (1.0 - keep) * tf.gather(y, perm)
    return x, y


# --- the pipeline -----------------------------------------------------------------------------


class Augmenter:
    """A batched, seeded augmentation function built from a spec (see the module docstring).

    Args:
        spec: a spec string (``"cifar"``, ``"crop:4,flip,rotate:15"``), or a list of `Step`.
        seed: integer seed; the same seed gives the same augmented stream.
        num_classes: needed to one-hot integer labels when the spec mixes (mixup, cutmix).
        interpolation: ``"bilinear"`` or ``"nearest"`` for the geometric warp.
        fill_mode: ``"constant"``, ``"reflect"``, ``"wrap"`` or ``"nearest"`` for pixels the
            geometric steps bring in from outside the image.
        fill_value: value for ``constant`` fill and for cutout patches.
        value_range: ``(low, high)`` of pixel values (``(0, 255)`` for uint8 or 0..255 floats,
            ``(0, 1)`` for unit floats): colour steps scale by it and clip to it.
        jit_compile: compile the batch function with XLA (default). It roughly doubles the
            throughput on CPU; turn it off where XLA is unavailable.
        implementation: the warp, ``"gather"`` (pure ops, XLA-friendly) or ``"kernel"``
            (`ImageProjectiveTransformV3`); default: gather with XLA, else kernel. Both give
            the same images (to rounding).

    Call it on a batch, ``augmenter(images, labels, epoch=e, step=s)``, with
    ``images [B, H, W, C]`` and labels ``[B]``/``[B, K]`` or ``None``; or wrap a batched
    dataset with `apply`.

    Example:

    ```python
    from kerasdl.data import augmentation

    augmenter = augmentation.Augmenter("crop:2,flip", seed=0, jit_compile=False)
    images = np.random.randint(0, 256, (4, 16, 16, 3)).astype("uint8")
    augmented, labels = augmenter(images, np.arange(4), epoch=0, step=0)  # same shapes
    dataset = tf.data.Dataset.from_tensor_slices((images, np.arange(4))).batch(2)
    dataset = augmenter.apply(dataset)  # every epoch a new, seeded augmentation
    ```
    """

    def __init__(
        self,
        spec: str | Sequence[Step] | None = "none",
        seed: int = 0,
        num_classes: int | None = None,
        interpolation: str = "bilinear",
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        value_range: tuple[float, float] = (0.0, 255.0),
        jit_compile: bool = True,
        implementation: str | None = None,
    ):
        self.steps = parse_spec(spec)
        self.spec = ",".join(str(s) for s in self.steps)
        self.seed = int(seed)
        self.num_classes = num_classes
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = float(fill_value)
        self.value_range = (float(value_range[0]), float(value_range[1]))
        image_ops._check(interpolation, fill_mode)
        self.mixes = any(s.name in MIXING for s in self.steps)
        self.jit_compile = bool(jit_compile)
        # XLA fuses the gather warp with the pixel work around it; without XLA the C++
        # kernel is the faster warp.
        self._implementation = implementation or ("gather" if self.jit_compile else "kernel")
        if self._implementation not in image_ops.IMPLEMENTATIONS:
            raise ValueError(f"implementation must be one of {image_ops.IMPLEMENTATIONS}")
        self._compiled = None
        self._epochs: EpochCounter | None = None
        self._generator: tf.random.Generator | None = None

    def __repr__(self) -> str:
        return f"Augmenter({self.spec!r}, seed={self.seed})"

    # The core: one batch, one key.
    def augment(self, images, labels=None, key=None):
        """Augments one batch with the stateless ``key`` (``[2]`` int).

        Returns ``images`` (same shape and dtype) or ``(images, labels)`` when labels are
        given.
        """
        images = tf.convert_to_tensor(images)
        if images.shape.rank is None:  # e.g. batches of tf.io.decode_image output
            images = tf.ensure_shape(images, [None] * 4)  # checked when the batch arrives
        if images.shape.rank != 4:
            raise ValueError(f"Augmenter works on batches [B, H, W, C], got {images.shape}")
        if labels is not None and self.mixes:
            labels = self._soft_labels(labels)
        elif labels is None and self.mixes:
            raise ValueError(f"{self.spec!r} mixes labels (mixup/cutmix): pass labels")
        key = tf.cast(key if key is not None else [self.seed, 0], tf.int64)
        if not self.steps:
            return images if labels is None else (images, labels)
        # Beta draws (gamma sampling) have no XLA kernel: drawn here, outside the compiled
        # function, one [B] vector per mixing step.
        # All random numbers are drawn here, outside the compiled function: the stream is
        # then the same with and without XLA (whose stateless kernels differ from the CPU's
        # for some seeds), and Beta draws (gamma sampling) have no XLA kernel.
        n = tf.shape(images)[0]
        widths = [_noise_width(step) for step in self.steps]
        noise = tf.split(_uniform(key, [n, sum(widths)]), widths, axis=1)
        lams = {
            i: _beta(_key(_key(key, i), 0x6C616D), n, step.args[0])
            for i, step in enumerate(self.steps)
            if step.name in MIXING
        }
        if self.jit_compile:
            if self._compiled is None:
                self._compiled = tf.function(self._augment, jit_compile=True, reduce_retracing=True)
            x, y = self._compiled(images, labels, noise, lams)
        else:
            x, y = self._augment(images, labels, noise, lams)
        x = tf.ensure_shape(x, images.shape)
        return x if labels is None else (x, y)

    def _augment(self, images, labels, noise, lams):
        dtype = images.dtype
        shape = tf.shape(images)
        n, height, width = shape[0], shape[1], shape[2]
        # Warps and pixel steps run in float32 and round once at the end: the TF kernel is
        # about twice as slow on uint8 as on float32 and truncates, and under XLA the casts
        # fuse into the warp's loop anyway.
        x = tf.cast(images, tf.float32)
        pending = None  # composed [B, 3, 3] geometry not yet applied

        def flush(x, pending, erase=None):
            if pending is None:
                return x
            t = image_ops.matrices_to_transforms(pending)
            if self._implementation == "gather":
                return image_ops.warp(
                    x, t, self.interpolation, self.fill_mode, self.fill_value, erase
                )
            x = image_ops.transform(x, t, self.interpolation, self.fill_mode, self.fill_value)
            return x if erase is None else tf.where(erase[..., None], self.fill_value, x)

        for index, step in enumerate(self.steps):
            u = noise[index]
            if step.name in GEOMETRIC:
                m = _geometry(step, u, n, height, width)
                pending = m if pending is None else tf.matmul(pending, m)
                continue
            if step.name == "cutout":
                # Fused into the pending warp where there is one: erased pixels read the fill
                # value instead of the image, which costs nothing extra.
                erase = _cutout_mask(u, step.args[0], height, width)
                if pending is None:
                    x = tf.where(erase[..., None], self.fill_value, x)
                else:
                    x = flush(x, pending, erase)
                    pending = None
                continue
            x = flush(x, pending)
            pending = None
            if step.name in COLOUR:
                x = _colour(step, x, u, self.value_range)
            elif step.name == "randaugment":
                x, pending = _randaugment(
                    x, u, step.args[0], step.args[1], self.value_range, height, width
                )
            elif step.name == "mixup":
                x, labels = _mixup(x, labels, u, lams[index])
            elif step.name == "cutmix":
                x, labels = _cutmix(x, labels, u, lams[index])
        x = flush(x, pending)
        if dtype.is_integer:
            x = tf.clip_by_value(tf.round(x), dtype.min, dtype.max)
        return tf.cast(x, dtype), labels

    def _soft_labels(self, labels):
        labels = tf.convert_to_tensor(labels)
        if labels.dtype.is_integer:
            if self.num_classes is None:
                raise ValueError(f"{self.spec!r} mixes labels: integer class ids need num_classes")
            return tf.one_hot(tf.reshape(labels, [-1]), self.num_classes, dtype=tf.float32)
        return tf.cast(labels, tf.float32)

    def key(self, epoch, step):
        """The stateless key of batch ``step`` of epoch ``epoch``."""
        base = tf.constant([self.seed, 0x6B646C], tf.int64)
        return _key(_key(base, tf.cast(epoch, tf.int64)), tf.cast(step, tf.int64))

    def __call__(self, images, labels=None, *, epoch=None, step=None):
        """Augments a batch keyed on ``(seed, epoch, step)``.

        Without ``epoch``/``step`` (as in ``dataset.map(augmenter)``), keys come from a
        `tf.random.Generator` seeded with ``seed``: reproducible for a sequential map, and
        each pass differs. `apply` is the order-independent way.
        """
        if epoch is None and step is None:
            if self._generator is None:
                self._generator = tf.random.Generator.from_seed(self.seed)
            key = self._generator.make_seeds(1)[:, 0]
        else:
            key = self.key(epoch or 0, step or 0)
        return self.augment(images, labels, key)

    def _map_batch(self, epoch, step, batch):
        if isinstance(batch, tuple):
            if len(batch) == 1:
                return (self.augment(batch[0], None, self.key(epoch, step)),)
            images, labels = self.augment(batch[0], batch[1], self.key(epoch, step))
            return (images, labels, *batch[2:])
        return self.augment(batch, None, self.key(epoch, step))

    def apply(self, dataset: tf.data.Dataset, epoch: int | None = None) -> tf.data.Dataset:
        """Augments a *batched* dataset of ``images`` or ``(images, labels[, weights])``.

        Batch ``s`` of epoch ``e`` is keyed on ``(seed, e, s)``. With ``epoch=None`` the
        returned dataset counts its own epochs: every fresh iteration (every ``model.fit``
        epoch) increments the counter, so epochs differ while two augmenters with the same
        seed give the same stream. Use `set_epoch` to resume. Apply it to training data only.
        """

        if epoch is not None:
            epochs = tf.data.Dataset.from_tensors(tf.constant(epoch, tf.int64))
        else:
            epochs = self._counter().epochs()
        # The epoch repeated beside the batches, and one map over both: a map inside a
        # `flat_map` over the epochs would instantiate its function again on every
        # iteration (about 75 ms on 2 CPUs, as long as 150 CIFAR batches take to augment).
        epochs = epochs.flat_map(lambda e: tf.data.Dataset.from_tensors(e).repeat())
        augmented = parallel_map(
            tf.data.Dataset.zip(epochs, dataset.enumerate()),
            lambda e, batch: self._map_batch(e, *batch),
            deterministic=True,
        )
        cardinality = int(dataset.cardinality())
        if cardinality >= 0:
            augmented = augmented.apply(tf.data.experimental.assert_cardinality(cardinality))
        return augmented

    def _counter(self) -> EpochCounter:
        # Made on first use: an Augmenter inside an `Augmentation` layer never counts epochs.
        if self._epochs is None:
            self._epochs = EpochCounter()
        return self._epochs

    def set_epoch(self, epoch: int) -> None:
        """Makes the next iteration of an `apply`-ed dataset use ``epoch``."""
        self._counter().set_epoch(epoch)


@keras.saving.register_keras_serializable(package="kerasdl")
class Augmentation(keras.layers.Layer):
    """The `Augmenter` as a Keras layer: augments in training, the identity otherwise.

    Images ``[B, H, W, C]`` in, same shape and dtype out. Keys come from a
    `keras.random.SeedGenerator` seeded with ``seed``, so every training step differs and
    a rebuilt model with the same seed repeats the stream. Mixing steps (mixup, cutmix) need
    labels and therefore belong in the tf.data pipeline, not in a layer. TensorFlow backend
    (the augmentation is written in TF ops). The warp is the pure-ops gather, so the layer
    also works inside a model compiled with XLA (`jit_compile=True`).

    Args: as for `Augmenter`, without ``num_classes``.

    Example:

    ```python
    from kerasdl.data import augmentation

    model = keras.Sequential([
        keras.Input((16, 16, 3)),
        augmentation.Augmentation("flip,rotate:10", seed=0),  # identity at inference
        keras.layers.Conv2D(4, 3),
    ])
    model(np.zeros((2, 16, 16, 3), "float32"), training=True).shape  # (2, 14, 14, 4)
    ```
    """

    def __init__(
        self,
        spec: str = "none",
        seed: int = 0,
        interpolation: str = "bilinear",
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        value_range: Sequence[float] = (0.0, 255.0),
        **kwargs,
    ):
        super().__init__(**kwargs)
        # No nested XLA function: the model decides how its graph is compiled.
        self.augmenter = Augmenter(
            spec,
            seed,
            None,
            interpolation,
            fill_mode,
            fill_value,
            tuple(value_range),
            jit_compile=False,
            implementation="gather",
        )
        if self.augmenter.mixes:
            raise ValueError(
                f"{spec!r}: mixup/cutmix mix labels; use Augmenter(...).apply(dataset) instead"
            )
        self.spec = self.augmenter.spec
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training: bool = True):
        if not training or not self.augmenter.steps:
            return inputs
        key = tf.cast(self.seed_generator.next(), tf.int64)
        return self.augmenter.augment(inputs, None, key)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        a = self.augmenter
        config.update(
            spec=self.spec,
            seed=self.seed,
            interpolation=a.interpolation,
            fill_mode=a.fill_mode,
            fill_value=a.fill_value,
            value_range=list(a.value_range),
        )
        return config
