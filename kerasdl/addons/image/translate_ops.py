"""tfa.image.translate_ops: translations with tfa's signatures, on `kerasdl.ops`."""

from keras import ops

from kerasdl.addons.image.transform_ops import _unwrap, _wrap
from kerasdl.ops import image as _image


def translations_to_projective_transforms(translations, name=None):
    """`[dx, dy]` (`[2]` or `[B, 2]`) pixel translations as `[B, 8]` transforms."""
    return _image.translations_to_projective_transforms(translations)


def translate(
    images,
    translations,
    interpolation: str = "nearest",
    fill_mode: str = "constant",
    name=None,
    fill_value: float = 0.0,
):
    """Shifts `images` by `translations = [dx, dy]` (`[2]` or `[B, 2]`) pixels: positive
    `dx` moves the content right, positive `dy` down."""
    return _image.translate(images, translations, interpolation.lower(), fill_mode, fill_value)


def translate_xy(image, translate_to, replace):
    """Shifts a `[H, W, 3]` image by `translate_to = [dx, dy]` pixels; pixels from outside
    the image get `replace` (1 or 3 values), as tfa's AutoAugment helper."""
    translate_to = ops.cast(ops.convert_to_tensor(translate_to), "float32")
    shifted = _image.translate(_wrap(image), ops.stack([translate_to[0], translate_to[1]]))
    return _unwrap(shifted, replace)
