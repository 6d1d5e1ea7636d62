"""tfa.image under Keras 3: the geometry kerasdl provides, with tfa's names and arguments,
and tfa's deterministic `equalize`, `sharpness` and `gaussian_filter2d` in `keras.ops`
(Keras 3's layers for these draw their parameters at random).

Interpolation names are accepted in either case (`"BILINEAR"` as tfa's docs wrote them).
The warps by flow fields and control points (`dense_image_warp`, `sparse_image_warp`,
`interpolate_bilinear`, `interpolate_spline`, `resampler`), the mean and median filters,
`blend`, the YIQ colour adjustments, `connected_components` and
`euclidean_dist_transform` are TensorFlow ops with tfa 0.23's values, including those of
tfa's custom C++ kernels, which they re-express.
"""

from kerasdl.addons.image.color_ops import equalize, sharpness
from kerasdl.addons.image.compose_ops import blend
from kerasdl.addons.image.connected_components import connected_components
from kerasdl.addons.image.cutout_ops import cutout, random_cutout
from kerasdl.addons.image.dense_image_warp import dense_image_warp, interpolate_bilinear
from kerasdl.addons.image.distance_transform import euclidean_dist_transform
from kerasdl.addons.image.distort_image_ops import adjust_hsv_in_yiq, random_hsv_in_yiq
from kerasdl.addons.image.filters import gaussian_filter2d, mean_filter2d, median_filter2d
from kerasdl.addons.image.interpolate_spline import interpolate_spline
from kerasdl.addons.image.resampler_ops import resampler
from kerasdl.addons.image.sparse_image_warp import sparse_image_warp
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
    "adjust_hsv_in_yiq",
    "angles_to_projective_transforms",
    "blend",
    "compose_transforms",
    "connected_components",
    "cutout",
    "dense_image_warp",
    "equalize",
    "euclidean_dist_transform",
    "gaussian_filter2d",
    "interpolate_bilinear",
    "interpolate_spline",
    "mean_filter2d",
    "median_filter2d",
    "random_cutout",
    "random_hsv_in_yiq",
    "resampler",
    "rotate",
    "sharpness",
    "shear_x",
    "shear_y",
    "sparse_image_warp",
    "transform",
    "translate",
    "translate_xy",
    "translations_to_projective_transforms",
]
