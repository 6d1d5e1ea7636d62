"""Writes tests/data/addons_image_goldens.npz: tfa 0.23's values for the tfa.image ops
ported in kerasdl.addons.image (warps, splines, resampler, filters, blend, YIQ colour,
connected components, distance transform), with gradients where tfa had them.

Run in the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_image_goldens.py
Keys are `<symbol>/<case>/<array>`; inputs are stored beside the outputs.

tfa's wheel built its custom kernels (connected_components, euclidean_dist_transform,
resampler, adjust_hsv_in_yiq) with CUDA: loading them needs CUDA's fat-binary registration
functions, so on a machine without a CUDA runtime they fail ("undefined symbol:
__cudaUnregisterFatBinary") and tfa raises (or, for adjust_hsv_in_yiq, silently uses its
Python fallback). This script compiles those three functions as no-ops (a C compiler is
needed), preloads them and runs itself again, so the kernels' CPU code gives the values.
"""

import pathlib

from _cuda_stub import reexec_with_cuda_stub

reexec_with_cuda_stub()  # tfa's custom kernels need CUDA's registration functions

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_addons as tfa  # noqa: E402
from tensorflow_addons.image import distort_image_ops  # noqa: E402

rng = np.random.RandomState(20)
out = {}


def put(key, **arrays):
    for name, value in arrays.items():
        out[f"{key}/{name}"] = np.asarray(value)


def gradients(fn, inputs, cotangent):
    """d sum(fn(*inputs) * cotangent) / d inputs."""
    inputs = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        y = fn(*inputs)
        loss = tf.reduce_sum(y * tf.cast(cotangent, y.dtype))
    return [g.numpy() for g in tape.gradient(loss, inputs)]


# interpolate_bilinear: points inside, between and outside a [2, 4, 5, 3] grid
grid = rng.randn(2, 4, 5, 3)
queries = rng.uniform(-1.5, 5.5, (2, 7, 2))
queries[0, :3] = [[0, 0], [3, 4], [1.5, 2.25]]  # corners and a midpoint
put("image.interpolate_bilinear/inputs", grid=grid, queries=queries)
for grid_dtype, query_dtype in [
    ("float16", "float16"),
    ("float32", "float32"),
    ("float64", "float64"),
    ("float64", "float32"),
]:
    for indexing in ("ij", "xy"):
        g, q = grid.astype(grid_dtype), queries.astype(query_dtype)
        y = tfa.image.interpolate_bilinear(g, q, indexing=indexing).numpy()
        put(f"image.interpolate_bilinear/{grid_dtype}_{query_dtype}_{indexing}", y=y)
cotangent = rng.randn(2, 7, 3)
put("image.interpolate_bilinear/inputs", cotangent=cotangent)
for dtype in ("float32", "float64"):
    for indexing in ("ij", "xy"):
        d_grid, d_queries = gradients(
            lambda g, q, indexing=indexing: tfa.image.interpolate_bilinear(g, q, indexing),
            [grid.astype(dtype), queries.astype(dtype)],
            cotangent,
        )
        put(
            f"image.interpolate_bilinear/grad_{dtype}_{indexing}",
            grid=d_grid,
            queries=d_queries,
        )

# dense_image_warp: a [2, 5, 6, 3] image, flows of a few pixels (some leave the image)
image = rng.randn(2, 5, 6, 3)
flow = 2.0 * rng.randn(2, 5, 6, 2)
cotangent = rng.randn(2, 5, 6, 3)
put("image.dense_image_warp/inputs", image=image, flow=flow, cotangent=cotangent)
for image_dtype, flow_dtype in [
    ("float16", "float16"),
    ("float32", "float32"),
    ("float64", "float64"),
    ("float16", "float32"),
    ("float64", "float32"),
    ("float32", "float16"),
]:
    y = tfa.image.dense_image_warp(image.astype(image_dtype), flow.astype(flow_dtype))
    put(f"image.dense_image_warp/{image_dtype}_{flow_dtype}", y=y.numpy())
for dtype in ("float32", "float64"):
    d_image, d_flow = gradients(
        tfa.image.dense_image_warp, [image.astype(dtype), flow.astype(dtype)], cotangent
    )
    put(f"image.dense_image_warp/grad_{dtype}", image=d_image, flow=d_flow)

# interpolate_spline: 6 centres in the unit square, 3 values each; queries in and out
train_points = rng.uniform(0, 1, (2, 6, 2))
train_values = rng.randn(2, 6, 3)
query_points = rng.uniform(-0.2, 1.2, (2, 5, 2))
cotangent = rng.randn(2, 5, 3)
put(
    "image.interpolate_spline/inputs",
    train_points=train_points,
    train_values=train_values,
    query_points=query_points,
    cotangent=cotangent,
)
for dtype in ("float32", "float64"):
    for order in (1, 2, 3, 4, 5, 6):
        for regularization in (0.0, 0.01):
            y = tfa.image.interpolate_spline(
                train_points.astype(dtype),
                train_values.astype(dtype),
                query_points.astype(dtype),
                order,
                regularization,
            )
            put(f"image.interpolate_spline/{dtype}_{order}_{regularization}", y=y.numpy())
for order in (2, 3):
    grads = gradients(
        lambda c, f, x, order=order: tfa.image.interpolate_spline(c, f, x, order, 0.01),
        [train_points, train_values, query_points],
        cotangent,
    )
    put(
        f"image.interpolate_spline/grad_float64_{order}",
        train_points=grads[0],
        train_values=grads[1],
        query_points=grads[2],
    )

# sparse_image_warp: three control points moved on a [2, 6, 7, 1] image
image = rng.uniform(0, 1, (2, 6, 7, 1))
source = np.array([[[1.5, 2.0], [4.0, 5.0], [3.0, 1.0]], [[1.0, 1.0], [4.0, 2.0], [2.0, 5.0]]])
dest = source + rng.uniform(-1.5, 1.5, source.shape)
put("image.sparse_image_warp/inputs", image=image, source=source, dest=dest)
cases = [(order, boundary, 0.0) for order in (1, 2, 3) for boundary in (0, 1, 3)]
for dtype in ("float32", "float64"):
    for order, boundary, regularization in cases + [(2, 2, 0.01)]:
        if dtype == "float32" and (order, boundary) not in [(1, 3), (2, 0), (2, 2), (3, 1)]:
            continue
        warped, flows = tfa.image.sparse_image_warp(
            image.astype(dtype),
            source.astype(dtype),
            dest.astype(dtype),
            interpolation_order=order,
            regularization_weight=regularization,
            num_boundary_points=boundary,
        )
        key = f"image.sparse_image_warp/{dtype}_{order}_{boundary}_{regularization}"
        put(key, image=warped.numpy(), flow=flows.numpy())
warped, _ = tfa.image.sparse_image_warp(image[0, :, :, 0], source[:1], dest[:1])
put("image.sparse_image_warp/float64_rank2", image=warped.numpy())
cotangent = rng.randn(2, 6, 7, 1)
put("image.sparse_image_warp/inputs", cotangent=cotangent)
grads = gradients(
    lambda x, s, d: tfa.image.sparse_image_warp(x, s, d, 2, 0.0, 2)[0],
    [image, source, dest],
    cotangent,
)
put("image.sparse_image_warp/grad_float64", image=grads[0], source=grads[1], dest=grads[2])

# resampler: (x, y) points over a [2, 5, 6, 3] grid, inside, on and past the border
data = rng.uniform(0, 1, (2, 5, 6, 3))
warp = np.stack([rng.uniform(-1.8, 6.8, (2, 4, 3)), rng.uniform(-1.8, 5.8, (2, 4, 3))], axis=-1)
warp[0, 0] = [[-1.0, 2.0], [5.0, 4.0], [6.0, 1.0]]  # on the zero ring's edge
warp[0, 1] = [[0.0, 0.0], [2.0, 3.0], [-0.5, 4.5]]
cotangent = rng.randn(2, 4, 3, 3)
put("image.resampler/inputs", data=data, warp=warp, cotangent=cotangent)
for dtype in ("float16", "float32", "float64"):
    y = tfa.image.resampler(data.astype(dtype), warp.astype(dtype))
    put(f"image.resampler/{dtype}", y=y.numpy())
    d_data, d_warp = gradients(
        tfa.image.resampler, [data.astype(dtype), warp.astype(dtype)], cotangent
    )
    put(f"image.resampler/grad_{dtype}", data=d_data, warp=d_warp)

# mean_filter2d and median_filter2d: every padding, odd, even and int windows, each dtype
image = rng.randint(0, 256, (2, 5, 6, 2))
put("image.filters/inputs", image=image)
for dtype in ("uint8", "int16", "int32", "float16", "float32", "float64"):
    for shape in ((3, 3), (2, 4), 4, (1, 5)):
        for padding in ("REFLECT", "CONSTANT", "SYMMETRIC"):
            tag = f"{dtype}_{shape if isinstance(shape, int) else 'x'.join(map(str, shape))}"
            for fn in (tfa.image.mean_filter2d, tfa.image.median_filter2d):
                y = fn(image.astype(dtype), shape, padding, constant_values=7).numpy()
                put(f"image.{fn.__name__}/{tag}_{padding.lower()}", y=y)
for fn in (tfa.image.mean_filter2d, tfa.image.median_filter2d):
    put(f"image.{fn.__name__}/rank2", y=fn(image[0, :, :, 0].astype("float32")).numpy())
    put(f"image.{fn.__name__}/rank3", y=fn(image[0].astype("uint8"), (3, 2)).numpy())

# connected_components: several values, bool, NaN and -0.0, one image
labels = rng.choice(4, (3, 7, 9), p=[0.4, 0.3, 0.2, 0.1])
put("image.connected_components/inputs", labels=labels)
for dtype in ("bool", "uint8", "int32", "int64", "float16", "float32", "float64"):
    y = tfa.image.connected_components(tf.cast(labels, dtype)).numpy()
    put(f"image.connected_components/{dtype}", y=y)
odd = rng.choice([0.0, -0.0, 1.5, np.nan], (2, 6, 7))
put("image.connected_components/nan", x=odd, y=tfa.image.connected_components(odd).numpy())
flat = rng.randint(0, 2, (9, 11)).astype("uint8")
put("image.connected_components/rank2", x=flat, y=tfa.image.connected_components(flat).numpy())

# euclidean_dist_transform: sparse zeros, one channel without any, the three dtypes
binary = (rng.uniform(size=(2, 9, 11, 2)) > 0.1).astype("uint8")
binary[1, ..., 1] = 1
wide = (rng.uniform(size=(1, 40, 45, 1)) > 0.003).astype("uint8")
put("image.euclidean_dist_transform/inputs", images=binary, wide=wide)
for dtype in ("float16", "float32", "float64"):
    y = tfa.image.euclidean_dist_transform(binary, dtype=tf.as_dtype(dtype)).numpy()
    put(f"image.euclidean_dist_transform/{dtype}", y=y)
    y = tfa.image.euclidean_dist_transform(wide, dtype=tf.as_dtype(dtype)).numpy()
    put(f"image.euclidean_dist_transform/wide_{dtype}", y=y)
put(
    "image.euclidean_dist_transform/rank2",
    y=tfa.image.euclidean_dist_transform(binary[0, ..., 0]).numpy(),
)

# blend: interpolation, extrapolation and the two ends, a tensor factor
image1 = rng.randint(0, 256, (3, 5, 5))
image2 = rng.randint(0, 256, (3, 5, 5))
put("image.blend/inputs", image1=image1, image2=image2)
for dtype in ("uint8", "int32", "float32", "float64"):
    for factor in (0.0, 1.0, 0.3, 0.5, 1.7, -0.4):
        y = tfa.image.blend(image1.astype(dtype), image2.astype(dtype), factor).numpy()
        put(f"image.blend/{dtype}_{factor}", y=y)
y = tfa.image.blend(image1.astype("uint8"), image2.astype("uint8"), tf.constant(0.37)).numpy()
put("image.blend/tensor_0.37", y=y)

# adjust_hsv_in_yiq: each accepted dtype. float32 and the integers (converted to float32)
# run tfa's kernel; float16 and float64, which it does not take, its Python fallback. A
# fallback also switches tfa's kernels off for the rest of the process (and tfa uses the
# fallback everywhere off Linux): the float32 fallback values are kept too.
assert distort_image_ops._distort_image_so.ops is not None  # raises if it cannot load
params = [(0.3, 1.1, 0.9), (-2.5, 0.4, 1.3), (0.0, 1.0, 1.0), (np.pi, 0.0, 0.5)]
put("image.adjust_hsv_in_yiq/inputs", params=np.array(params))
colours = rng.uniform(0, 1, (2, 4, 5, 3))
put("image.adjust_hsv_in_yiq/inputs", colours=colours)
# Integer images span their type's range (convert_image_dtype maps it to [0, 1]).
ranges = {"uint8": 255, "int8": 127, "int16": 32767, "int32": 2**31 - 1, "int64": 2**62}
for dtype in ("uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"):
    if dtype in ranges:
        x = np.round(colours * ranges[dtype]).astype(dtype)
    else:
        x = colours.astype(dtype)
    put(f"image.adjust_hsv_in_yiq/{dtype}", x=x)
    for i, (hue, saturation, value) in enumerate(params):
        tfa.options.enable_custom_kernel()
        y = tfa.image.adjust_hsv_in_yiq(x, hue, saturation, value).numpy()
        kernel = not tfa.options.is_custom_kernel_disabled()
        assert kernel == (dtype not in ("float16", "float64")), dtype
        put(f"image.adjust_hsv_in_yiq/{dtype}_{i}", y=y)
        if dtype == "float32":
            tfa.options.disable_custom_kernel()
            y = tfa.image.adjust_hsv_in_yiq(x, hue, saturation, value).numpy()
            put(f"image.adjust_hsv_in_yiq/float32_fallback_{i}", y=y)
tfa.options.enable_custom_kernel()
put(
    "image.adjust_hsv_in_yiq/float32_rank3",
    y=tfa.image.adjust_hsv_in_yiq(colours[0].astype("float32"), 0.7, 1.4, 0.8).numpy(),
)
tf.random.set_seed(7)
x = colours.astype("float32")
first = tfa.image.random_hsv_in_yiq(x, 0.8, 0.5, 1.5, 0.7, 1.2, seed=11).numpy()
second = tfa.image.random_hsv_in_yiq(x, 0.8, 0.5, 1.5, 0.7, 1.2, seed=11).numpy()
assert not tfa.options.is_custom_kernel_disabled()
put("image.random_hsv_in_yiq/seeded", first=first, second=second)

path = pathlib.Path(__file__).with_name("addons_image_goldens.npz")
np.savez_compressed(path, **out)
print(f"{len(out)} arrays -> {path} ({path.stat().st_size} bytes)")
