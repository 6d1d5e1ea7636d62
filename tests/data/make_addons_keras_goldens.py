"""Writes tests/data/addons_keras_goldens.npz: tfa 0.23's MultiHeadAttention, equalize,
gaussian_filter2d, sharpness and PearsonsCorrelation values that kerasdl.addons must match
(tfa's own tests of these check shapes, or compare with SciPy/PIL to 2 decimals).

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_addons_keras_goldens.py
Keys are `<symbol>/<case>/<array>`; inputs and weights are stored beside the outputs.
"""

import pathlib
import warnings

import numpy as np
import tensorflow_addons as tfa

warnings.simplefilter("ignore")
rng = np.random.RandomState(2323)
out = {}


def put(key, **arrays):
    for name, value in arrays.items():
        out[f"{key}/{name}"] = np.asarray(value)


# MultiHeadAttention: the shapes of tfa's tests (query 9, key 11, value 13 features), its
# initial weights, with and without value/mask/output_size, extra leading dimensions.
cases = {
    "qkv": dict(shapes=[(4, 5, 9), (4, 7, 11), (4, 7, 13)], kwargs={}),
    "output_size_no_bias": dict(
        shapes=[(4, 5, 9), (4, 7, 11), (4, 7, 13)],
        kwargs=dict(output_size=6, use_projection_bias=False),
    ),
    "no_value": dict(shapes=[(4, 5, 9), (4, 7, 11)], kwargs={}),
    "mask_per_head": dict(shapes=[(4, 5, 9), (4, 7, 11), (4, 7, 13)], kwargs={}, mask=(4, 3, 5, 7)),
    "mask_no_batch": dict(shapes=[(4, 5, 9), (4, 7, 11), (4, 7, 13)], kwargs={}, mask=(5, 7)),
    "extra_dims": dict(shapes=[(2, 3, 5, 9), (2, 3, 7, 11), (2, 3, 7, 13)], kwargs={}),
}
for case, spec in cases.items():
    inputs = [rng.uniform(size=s).astype("float32") for s in spec["shapes"]]
    layer = tfa.layers.MultiHeadAttention(
        head_size=4, num_heads=3, return_attn_coef=True, **spec["kwargs"]
    )
    mask = None
    if "mask" in spec:
        mask = rng.uniform(size=spec["mask"]) > 0.3
    output, coef = layer(inputs, mask=mask)
    arrays = {f"input{i}": x for i, x in enumerate(inputs)}
    arrays.update({f"weight{i}": w.numpy() for i, w in enumerate(layer.weights)})
    if mask is not None:
        arrays["mask"] = mask
    put(f"MultiHeadAttention/{case}", output=output, attn_coef=coef, **arrays)

# equalize: uint8 and float images, one flat channel (tfa leaves a channel whose step is 0),
# HW / HWC / NHWC, and another bin count.
image = rng.randint(0, 256, size=(2, 9, 8, 3)).astype("uint8")
image[1, :, :, 2] = 7
low = (rng.beta(2, 5, size=(9, 8, 3)) * 255).astype("uint8")
put("equalize/nhwc", image=image, output=tfa.image.equalize(image))
put("equalize/hwc_low_contrast", image=low, output=tfa.image.equalize(low))
put(
    "equalize/hw_float",
    image=low[..., 0].astype("float32"),
    output=tfa.image.equalize(low[..., 0].astype("float32")),
)
put("equalize/bins_300", image=low, output=tfa.image.equalize(low, bins=300))

# gaussian_filter2d: each padding, even and odd, square and not filters, two sigmas, ints.
image = rng.uniform(0, 255, size=(2, 7, 9, 3)).astype("float32")
filter_cases = {
    "default": dict(),
    "reflect_5x3_sigma_pair": dict(filter_shape=(5, 3), sigma=(1.5, 0.7)),
    "constant_4": dict(filter_shape=4, sigma=2.0, padding="CONSTANT", constant_values=10.0),
    "symmetric_3": dict(filter_shape=3, sigma=0.5, padding="SYMMETRIC"),
}
for case, kwargs in filter_cases.items():
    put(
        f"gaussian_filter2d/{case}",
        image=image,
        output=tfa.image.gaussian_filter2d(image, **kwargs),
    )
put(
    "gaussian_filter2d/hw_uint8",
    image=image[0, ..., 0].astype("uint8"),
    output=tfa.image.gaussian_filter2d(image[0, ..., 0].astype("uint8"), sigma=1.2),
)

# sharpness: factors 0, between 0 and 1, 1 and above 1, uint8 and float images.
image = rng.randint(0, 256, size=(2, 6, 7, 3)).astype("uint8")
for factor in (0.0, 0.3, 1.0, 2.5):
    put(f"sharpness/uint8_{factor}", image=image, output=tfa.image.sharpness(image, factor))
put(
    "sharpness/float_hwc_1.7",
    image=image[0].astype("float32"),
    output=tfa.image.sharpness(image[0].astype("float32"), 1.7),
)

# PearsonsCorrelation: tfa's test cases (whose SciPy comparison is to 2 decimals), the
# streaming one in two updates, and random predictions with values outside the range.
corr_cases = {
    "ties": ([12, 2, 1, 12, 2], [1, 4, 7, 1, 0], (0, 13, 0, 8)),
    "perfect": (
        [1, 2, 3, 4, 5, 6, 7, 8],
        [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
        (0, 10, 0.0, 1.0),
    ),
    "serialization": ([4, 4, 3, 3, 2, 2, 1, 1], [1, 2, 4, 1, 3, 3, 4, 4], (0, 5, 0, 5, 10, 10)),
    "random_clipped": (rng.uniform(-0.1, 1.1, 64), rng.uniform(-0.2, 1.0, 64), ()),
}
for case, (actuals, preds, args) in corr_cases.items():
    metric = tfa.metrics.PearsonsCorrelation(*args)
    metric.update_state(actuals[:3], preds[:3])
    metric.update_state(actuals[3:], preds[3:])
    put(
        f"PearsonsCorrelation/{case}",
        actuals=actuals,
        preds=preds,
        args=np.asarray(args, "float64"),
        result=metric.result(),
    )

path = pathlib.Path(__file__).with_name("addons_keras_goldens.npz")
np.savez_compressed(path, **out)
print(f"wrote {len(out)} arrays to {path}")
