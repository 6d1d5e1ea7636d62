"""tfa.image under Keras 3: the geometry kerasdl provides, with tfa's names and arguments.

Interpolation names are accepted in either case (`"BILINEAR"` as tfa's docs wrote them).
The colour, filter, warp-field and distance ops are not provided: see BUILD_NOTES'
migration table for each one's Keras 3 equivalent, if any.
"""

from kerasdl.addons.image.cutout_ops import cutout, random_cutout
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
    "random_cutout",
    "rotate",
    "shear_x",
    "shear_y",
    "transform",
    "translate",
    "translate_xy",
    "translations_to_projective_transforms",
]
