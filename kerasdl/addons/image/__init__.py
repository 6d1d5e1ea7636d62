"""tfa.image under Keras 3: the geometry kerasdl provides, with tfa's names and arguments,
and tfa's deterministic `equalize`, `sharpness` and `gaussian_filter2d` in `keras.ops`
(Keras 3's layers for these draw their parameters at random).

Interpolation names are accepted in either case (`"BILINEAR"` as tfa's docs wrote them).
The other colour, filter, warp-field and distance ops are not provided: see BUILD_NOTES'
migration table for each one's Keras 3 equivalent, if any.
"""

from kerasdl.addons.image.color_ops import equalize, sharpness
from kerasdl.addons.image.cutout_ops import cutout, random_cutout
from kerasdl.addons.image.filters import gaussian_filter2d
from kerasdl.addons.image.transform_ops import (
    angles_to_projective_transforms,
    compose_transforms,
    rotate,
    shear_x,
    shear_y,
    transform,
)
from kerasdl.addons.image.translate_ops import (
    translate,
    translate_xy,
    translations_to_projective_transforms,
)

__all__ = [
    "angles_to_projective_transforms",
    "compose_transforms",
    "cutout",
    "equalize",
    "gaussian_filter2d",
    "random_cutout",
    "rotate",
    "sharpness",
    "shear_x",
    "shear_y",
    "transform",
    "translate",
    "translate_xy",
    "translations_to_projective_transforms",
]
