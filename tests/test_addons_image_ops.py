"""kerasdl.addons.image's warps, splines, resampler, filters, blend, YIQ colour, connected
components and distance transform against tfa 0.23.

Two kinds of cases: goldens written by tfa 0.23 on TF 2.15 (tests/data/make_image_goldens.py
-> tests/data/addons_image_goldens.npz; its custom C++ kernels included), compared exactly
unless a case says why not; and the cases of tfa 0.23's own test files
(image/tests/dense_image_warp_test.py, interpolate_spline_test.py, sparse_image_warp_test.py,
resampler_ops_test.py, filters_test.py, compose_ops_test.py, distort_image_ops_test.py,
connected_components_test.py, distance_transform_test.py) with their expected numbers.
"""

import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa
from kerasdl.addons.image.sparse_image_warp import _get_boundary_locations, _get_grid_locations

G = np.load(pathlib.Path(__file__).parent / "data" / "addons_image_goldens.npz")
FLOATS = ["float16", "float32", "float64"]


def assert_same(actual, expected):
    """Equal values (NaN where NaN) and dtype."""
    actual = np.asarray(actual)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_array_equal(actual, expected)


def gradients(fn, inputs, cotangent):
    """d sum(fn(*inputs) * cotangent) / d inputs, as the golden script takes them."""
    inputs = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        y = fn(*inputs)
        loss = tf.reduce_sum(y * tf.cast(cotangent, y.dtype))
    return [g.numpy() for g in tape.gradient(loss, inputs)]


# --- goldens: warps, splines and the resampler ----------------------------------------------


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize(
    "grid_dtype, query_dtype",
    [
        ("float16", "float16"),
        ("float32", "float32"),
        ("float64", "float64"),
        ("float64", "float32"),
    ],
)
def test_interpolate_bilinear_matches_tfa(grid_dtype, query_dtype, indexing):
    k = "image.interpolate_bilinear"
    grid, queries = G[f"{k}/inputs/grid"], G[f"{k}/inputs/queries"]
    y = tfa.image.interpolate_bilinear(
        grid.astype(grid_dtype), queries.astype(query_dtype), indexing
    )
    assert_same(y, G[f"{k}/{grid_dtype}_{query_dtype}_{indexing}/y"])
    if grid_dtype == query_dtype != "float16":
        d_grid, d_queries = gradients(
            lambda g, q: tfa.image.interpolate_bilinear(g, q, indexing),
            [grid.astype(grid_dtype), queries.astype(grid_dtype)],
            G[f"{k}/inputs/cotangent"],
        )
        assert_same(d_grid, G[f"{k}/grad_{grid_dtype}_{indexing}/grid"])
        assert_same(d_queries, G[f"{k}/grad_{grid_dtype}_{indexing}/queries"])


@pytest.mark.parametrize(
    "image_dtype, flow_dtype",
    [
        ("float16", "float16"),
        ("float32", "float32"),
        ("float64", "float64"),
        ("float16", "float32"),
        ("float64", "float32"),
        ("float32", "float16"),
    ],
)
def test_dense_image_warp_matches_tfa(image_dtype, flow_dtype):
    k = "image.dense_image_warp"
    image, flow = G[f"{k}/inputs/image"], G[f"{k}/inputs/flow"]
    y = tfa.image.dense_image_warp(image.astype(image_dtype), flow.astype(flow_dtype))
    assert_same(y, G[f"{k}/{image_dtype}_{flow_dtype}/y"])
    if image_dtype == flow_dtype != "float16":
        d_image, d_flow = gradients(
            tfa.image.dense_image_warp,
            [image.astype(image_dtype), flow.astype(image_dtype)],
            G[f"{k}/inputs/cotangent"],
        )
        assert_same(d_image, G[f"{k}/grad_{image_dtype}/image"])
        assert_same(d_flow, G[f"{k}/grad_{image_dtype}/flow"])


def _assert_spline_close(actual, expected, order):
    """Orders 1, 2 and 4 (sqrt, log, square) are tfa's exactly. Orders 3, 5 and 6 call
    tf.pow, whose float32 results changed in the last bit between TensorFlow 2.15 and 2.21
    (a quarter of values); the linear solve amplifies that: 1e-4 in float32, 1e-10 in
    float64."""
    if order in (1, 2, 4):
        assert_same(actual, expected)
    else:
        tolerance = 1e-4 if expected.dtype == np.float32 else 1e-10
        np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_interpolate_spline_matches_tfa(dtype, order):
    k = "image.interpolate_spline"
    points, values, queries = (
        G[f"{k}/inputs/{name}"].astype(dtype)
        for name in ("train_points", "train_values", "query_points")
    )
    for regularization in (0.0, 0.01):
        y = tfa.image.interpolate_spline(points, values, queries, order, regularization)
        _assert_spline_close(y, G[f"{k}/{dtype}_{order}_{regularization}/y"], order)


@pytest.mark.parametrize("order", [2, 3])
def test_interpolate_spline_gradients_match_tfa(order):
    k = "image.interpolate_spline"
    names = ("train_points", "train_values", "query_points")
    grads = gradients(
        lambda c, f, x: tfa.image.interpolate_spline(c, f, x, order, 0.01),
        [G[f"{k}/inputs/{name}"] for name in names],
        G[f"{k}/inputs/cotangent"],
    )
    for name, grad in zip(names, grads, strict=True):
        _assert_spline_close(grad, G[f"{k}/grad_float64_{order}/{name}"], order)


SPARSE_CASES = sorted(
    {key.split("/")[1] for key in G.files if key.startswith("image.sparse_image_warp/float")}
    - {"float64_rank2"}
)


@pytest.mark.parametrize("case", SPARSE_CASES)
def test_sparse_image_warp_matches_tfa(case):
    k = "image.sparse_image_warp"
    dtype, order, boundary, regularization = case.split("_")
    image, source, dest = (G[f"{k}/inputs/{n}"].astype(dtype) for n in ("image", "source", "dest"))
    warped, flow = tfa.image.sparse_image_warp(
        image, source, dest, int(order), float(regularization), int(boundary)
    )
    _assert_spline_close(warped, G[f"{k}/{case}/image"], int(order))
    _assert_spline_close(flow, G[f"{k}/{case}/flow"], int(order))


def test_sparse_image_warp_rank2_and_gradients_match_tfa():
    k = "image.sparse_image_warp"
    image, source, dest = (G[f"{k}/inputs/{n}"] for n in ("image", "source", "dest"))
    warped, _ = tfa.image.sparse_image_warp(image[0, :, :, 0], source[:1], dest[:1])
    assert_same(warped, G[f"{k}/float64_rank2/image"])
    grads = gradients(
        lambda x, s, d: tfa.image.sparse_image_warp(x, s, d, 2, 0.0, 2)[0],
        [image, source, dest],
        G[f"{k}/inputs/cotangent"],
    )
    for name, grad in zip(("image", "source", "dest"), grads, strict=True):
        assert_same(grad, G[f"{k}/grad_float64/{name}"])


# The kernel's hand-written gradient sums the same terms in another order than
# TensorFlow's derivative of the forward ops: float64 and float32 agree to rounding, float16
# (the kernel accumulates in half precision) to a few half-precision steps.
RESAMPLER_GRAD_TOLERANCE = {"float16": 4e-3, "float32": 1e-6, "float64": 1e-14}


@pytest.mark.parametrize("dtype", FLOATS)
def test_resampler_matches_tfa_kernel(dtype):
    k = "image.resampler"
    data, warp = G[f"{k}/inputs/data"].astype(dtype), G[f"{k}/inputs/warp"].astype(dtype)
    assert_same(tfa.image.resampler(data, warp), G[f"{k}/{dtype}/y"])
    d_data, d_warp = gradients(tfa.image.resampler, [data, warp], G[f"{k}/inputs/cotangent"])
    tolerance = RESAMPLER_GRAD_TOLERANCE[dtype]
    np.testing.assert_allclose(d_data, G[f"{k}/grad_{dtype}/data"], rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(d_warp, G[f"{k}/grad_{dtype}/warp"], rtol=tolerance, atol=tolerance)


# --- goldens: filters, components, distances, colour -----------------------------------------


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "float16", "float32", "float64"])
@pytest.mark.parametrize("name", ["mean_filter2d", "median_filter2d"])
def test_filters_match_tfa(name, dtype):
    image = G["image.filters/inputs/image"].astype(dtype)
    fn = getattr(tfa.image, name)
    for shape in ((3, 3), (2, 4), 4, (1, 5)):
        tag = f"{shape}" if isinstance(shape, int) else f"{shape[0]}x{shape[1]}"
        for padding in ("REFLECT", "CONSTANT", "SYMMETRIC"):
            y = fn(image, shape, padding, constant_values=7)
            assert_same(y, G[f"image.{name}/{dtype}_{tag}_{padding.lower()}/y"])
    if dtype == "float32":
        assert_same(fn(image[0, :, :, 0]), G[f"image.{name}/rank2/y"])
    if dtype == "uint8":
        assert_same(fn(image[0], (3, 2)), G[f"image.{name}/rank3/y"])


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64", "float16", "float32"])
def test_connected_components_matches_tfa_kernel(dtype):
    k = "image.connected_components"
    labels = tf.cast(G[f"{k}/inputs/labels"], dtype)
    assert_same(tfa.image.connected_components(labels), G[f"{k}/{dtype}/y"])


def test_connected_components_nan_zero_and_rank2_match_tfa_kernel():
    k = "image.connected_components"
    labels = G[f"{k}/inputs/labels"].astype("float64")
    assert_same(tfa.image.connected_components(labels), G[f"{k}/float64/y"])
    # NaN equals nothing, -0.0 is zero
    assert_same(tfa.image.connected_components(G[f"{k}/nan/x"]), G[f"{k}/nan/y"])
    assert_same(tfa.image.connected_components(G[f"{k}/rank2/x"]), G[f"{k}/rank2/y"])


@pytest.mark.parametrize("dtype", FLOATS)
def test_euclidean_dist_transform_matches_tfa_kernel(dtype):
    k = "image.euclidean_dist_transform"
    images = G[f"{k}/inputs/images"]  # image 1's channel 1 has no zero: sqrt(dtype max)
    assert_same(tfa.image.euclidean_dist_transform(images, dtype), G[f"{k}/{dtype}/y"])
    wide = G[f"{k}/inputs/wide"]  # a few zeros in 40 x 45: distances up to 32 pixels
    assert_same(tfa.image.euclidean_dist_transform(wide, dtype), G[f"{k}/wide_{dtype}/y"])
    if dtype == "float32":
        assert_same(tfa.image.euclidean_dist_transform(images[0, ..., 0]), G[f"{k}/rank2/y"])


@pytest.mark.parametrize("dtype", ["uint8", "int32", "float32", "float64"])
def test_blend_matches_tfa(dtype):
    image1 = G["image.blend/inputs/image1"].astype(dtype)
    image2 = G["image.blend/inputs/image2"].astype(dtype)
    for factor in (0.0, 1.0, 0.3, 0.5, 1.7, -0.4):
        assert_same(tfa.image.blend(image1, image2, factor), G[f"image.blend/{dtype}_{factor}/y"])
    if dtype == "uint8":
        y = tfa.image.blend(image1, image2, tf.constant(0.37))
        assert_same(y, G["image.blend/tensor_0.37/y"])


HSV_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", HSV_DTYPES)
def test_adjust_hsv_in_yiq_matches_tfa(dtype):
    """float32 and integers: tfa's kernel; float16 and float64: tfa's Python fallback."""
    k = "image.adjust_hsv_in_yiq"
    image = G[f"{k}/{dtype}/x"]
    params = [tuple(float(p) for p in row) for row in G[f"{k}/inputs/params"]]
    for i, (hue, saturation, value) in enumerate(params):
        y = tfa.image.adjust_hsv_in_yiq(image, hue, saturation, value)
        assert_same(y, G[f"{k}/{dtype}_{i}/y"])
        if dtype == "float32":
            # tfa's float32 values after its fallback had switched the kernel off: one
            # float32 rounding away.
            expected = G[f"{k}/float32_fallback_{i}/y"]
            np.testing.assert_allclose(y, expected, rtol=0, atol=2.5e-7)


def test_adjust_hsv_rank3_and_seeded_random_match_tfa():
    k = "image.adjust_hsv_in_yiq"
    colours = G[f"{k}/inputs/colours"].astype("float32")
    y = tfa.image.adjust_hsv_in_yiq(colours[0], 0.7, 1.4, 0.8)
    assert_same(y, G[f"{k}/float32_rank3/y"])
    tf.random.set_seed(7)  # TensorFlow's seeded draws are the same as under TF 2.15
    for draw in ("first", "second"):
        y = tfa.image.random_hsv_in_yiq(colours, 0.8, 0.5, 1.5, 0.7, 1.2, seed=11)
        assert_same(y, G[f"image.random_hsv_in_yiq/seeded/{draw}"])


def test_graph_mode_matches_eager():
    """Every op inside one `tf.function` gives its golden."""
    k = "image.resampler"
    data, warp = G[f"{k}/inputs/data"].astype("float32"), G[f"{k}/inputs/warp"].astype("float32")
    sparse = [G[f"image.sparse_image_warp/inputs/{n}"] for n in ("image", "source", "dest")]
    spline = [
        G[f"image.interpolate_spline/inputs/{n}"]
        for n in ("train_points", "train_values", "query_points")
    ]

    @tf.function(autograph=False)  # the ops need no conversion; it would cost seconds
    def run():
        return {
            "resampler": tfa.image.resampler(data, warp),
            "dense_image_warp": tfa.image.dense_image_warp(
                G["image.dense_image_warp/inputs/image"], G["image.dense_image_warp/inputs/flow"]
            ),
            "interpolate_spline": tfa.image.interpolate_spline(*spline, 2, 0.01),
            "sparse_image_warp": tfa.image.sparse_image_warp(*sparse, 2, 0.0, 3)[0],
            "mean_filter2d": tfa.image.mean_filter2d(
                G["image.filters/inputs/image"].astype("float32"), (3, 3)
            ),
            "median_filter2d": tfa.image.median_filter2d(
                G["image.filters/inputs/image"].astype("uint8"), (2, 4)
            ),
            "connected_components": tfa.image.connected_components(
                G["image.connected_components/inputs/labels"]
            ),
            "euclidean_dist_transform": tfa.image.euclidean_dist_transform(
                G["image.euclidean_dist_transform/inputs/images"]
            ),
            "blend": tfa.image.blend(
                G["image.blend/inputs/image1"].astype("float32"),
                G["image.blend/inputs/image2"].astype("float32"),
                tf.constant(1.7),
            ),
            "adjust_hsv_in_yiq": tfa.image.adjust_hsv_in_yiq(
                G["image.adjust_hsv_in_yiq/uint8/x"], 0.3, 1.1, 0.9
            ),
        }

    out = {name: value.numpy() for name, value in run().items()}
    assert_same(out["resampler"], G["image.resampler/float32/y"])
    assert_same(out["dense_image_warp"], G["image.dense_image_warp/float64_float64/y"])
    assert_same(out["interpolate_spline"], G["image.interpolate_spline/float64_2_0.01/y"])
    assert_same(out["sparse_image_warp"], G["image.sparse_image_warp/float64_2_3_0.0/image"])
    assert_same(out["mean_filter2d"], G["image.mean_filter2d/float32_3x3_reflect/y"])
    assert_same(out["median_filter2d"], G["image.median_filter2d/uint8_2x4_reflect/y"])
    assert_same(out["connected_components"], G["image.connected_components/int64/y"])
    assert_same(out["euclidean_dist_transform"], G["image.euclidean_dist_transform/float32/y"])
    assert_same(out["blend"], G["image.blend/float32_1.7/y"])
    assert_same(out["adjust_hsv_in_yiq"], G["image.adjust_hsv_in_yiq/uint8_0/y"])


# --- tfa's dense_image_warp_test.py ---------------------------------------------------------

SMALL_GRID = np.arange(12, dtype="float32").reshape(1, 4, 3, 1)


def test_tfa_interpolate_small_grid_ij_xy_and_batched():
    ij = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.5], [1.5, 1.5], [3.0, 2.0]]
    expected = np.reshape([0.0, 3.0, 6.5, 6.0, 11.0], [1, 5, 1])
    np.testing.assert_allclose(tfa.image.interpolate_bilinear(SMALL_GRID, [ij]), expected)
    xy = [[0.0, 0.0], [0.0, 1.0], [0.5, 2.0], [1.5, 1.5], [2.0, 3.0]]
    y = tfa.image.interpolate_bilinear(SMALL_GRID, [xy], indexing="xy")
    np.testing.assert_allclose(y, expected)
    grid = np.reshape([[[0.0, 1.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]], [2, 2, 2, 1])
    queries = [[[0.0, 0.0], [1.0, 0.0], [0.5, 0.5]], [[0.5, 0.0], [1.0, 0.0], [1.0, 1.0]]]
    y = tfa.image.interpolate_bilinear(grid.astype("float32"), np.float32(queries))
    np.testing.assert_allclose(y, np.reshape([[0.0, 3.0, 2.0], [6.0, 7.0, 8.0]], [2, 3, 1]))


def test_tfa_interpolate_unknown_shape():
    spec = tf.TensorSpec(shape=None, dtype=tf.float32)
    fn = tf.function(tfa.image.interpolate_bilinear).get_concrete_function(spec, spec)
    queries = tf.constant([[0.0, 0.0], [0.0, 1.0], [0.5, 2.0], [1.5, 1.5]], shape=[1, 4, 2])
    for shape in (2, 4, 3, 6), (6, 2, 4, 3), (1, 2, 4, 3):
        assert fn(tf.ones(shape), tf.tile(queries, [shape[0], 1, 1])).shape == (
            shape[0],
            4,
            shape[3],
        )


def test_tfa_interpolate_bad_indexing_and_size():
    with pytest.raises(ValueError, match="Indexing mode must be 'ij' or 'xy'"):
        tfa.image.interpolate_bilinear(SMALL_GRID, np.zeros((1, 2, 2), "float32"), "yx")
    errors = (ValueError, tf.errors.InvalidArgumentError)
    with pytest.raises(errors, match="Grid width must be at least 2."):
        tfa.image.dense_image_warp(np.ones((1, 2, 1, 1), "float32"), np.ones((1, 2, 1, 2)))


@pytest.mark.parametrize("shape", [[3, 4, 5, 6], [1, 2, 2, 1]])
def test_tfa_zero_flows_and_unknown_shapes(shape):
    rng = np.random.RandomState(0)
    image = rng.normal(size=shape).astype("float32")
    flows = (rng.normal(size=shape[:3] + [2]) * 3).astype("float32")
    y = tfa.image.dense_image_warp(image, flows * 0)
    np.testing.assert_allclose(y, image, rtol=1e-6, atol=1e-6)
    spec = tf.TensorSpec(shape=None, dtype=tf.float32)
    fn = tf.function(tfa.image.dense_image_warp).get_concrete_function(spec, spec)
    y = fn(tf.constant(image), tf.constant(flows))  # concrete functions take tensors
    np.testing.assert_array_equal(y, tfa.image.dense_image_warp(image, flows))


def test_tfa_dense_image_warp_gradients_exist():
    image = tf.random.normal([4, 5, 6, 7], seed=1)
    flows = tf.Variable(tf.random.normal([4, 5, 6, 2], seed=2) * 0.25)
    with tf.GradientTape() as tape:
        interp = tfa.image.dense_image_warp(image, flows)
    assert np.sum(np.abs(tape.gradient(interp, flows).numpy())) != 0


def test_tfa_symbolic_tensor_shape():
    # tfa passed a tf.keras Input; a Keras 3 symbolic tensor goes through a layer.
    image = keras.Input(shape=(7, 7, 192))
    interp = keras.layers.Lambda(lambda x: tfa.image.dense_image_warp(x, tf.ones((1, 7, 7, 2))))(
        image
    )
    assert tuple(interp.shape) == (None, 7, 7, 192)


# --- tfa's interpolate_spline_test.py ---------------------------------------------------------

# tfa's regression values: queries of the seed-0 problem, by (order, regularization weight)
HARDCODED_1D = {
    (1, 0.0): [6.2647187603, -7.84362604077, -5.63690142322, 1.42928896387],
    (1, 0.01): [6.77688289946, -8.02163669853, -5.79491157027, 1.4063285693],
    (2, 0.0): [8.67110264937, -8.41281390883, -5.80190044693, 1.50155606059],
    (2, 0.01): [6.70797816797, -7.49709587663, -5.28965776238, 1.52284731741],
    (3, 0.0): [9.37691802935, -8.50390141515, -5.80786417426, 1.63467762122],
    (3, 0.01): [4.47106304758, -5.71266128361, -3.92529303296, 1.86755293857],
    (4, 0.0): [9.58172461111, -8.51432104771, -5.80967675388, 1.63361164256],
    (4, 0.01): [-3.87902711352, -0.0253462273846, 1.79857618022, -0.769339675725],
}
HARDCODED_ND = {
    (1, 0.0): [1.06609663962, 1.28894849357, 1.10882405595, 1.63966936885],
    (1, 0.01): [1.03123780748, 1.2952930985, 1.10366822954, 1.65265118569],
    (2, 0.0): [0.627787735064, 1.43802857251, 1.00194632358, 1.91667538215],
    (2, 0.01): [0.730159985046, 1.41702471595, 1.0065827217, 1.85758519312],
    (3, 0.0): [0.350460417862, 1.67223539464, 1.00475331246, 2.31580322491],
    (3, 0.01): [0.624557250556, 1.63138876667, 0.976588193162, 2.12511237866],
    (4, 0.0): [0.898129669986, 1.24434133638, -0.938056116931, 1.59910338833],
    (4, 0.01): [0.0930360338179, -3.38791305538, -1.00969032567, 0.745535080382],
}


def _spline_problem(dim, extrapolate=True):
    """tfa's `_QuadraticPlusSinProblem1D` (dim 1) and `...ND` (dim 3), float64, seed 0."""
    rng = np.random.RandomState(0)
    train_points = rng.uniform(size=[1, 10, dim])
    query_points = rng.uniform(size=[1, 4, dim])
    if not extrapolate:
        query_points = np.clip(query_points, train_points.min(), train_points.max())
    if dim == 1:
        values = np.mean((train_points - 0.5) ** 3 - 0.25 * train_points, 2, keepdims=True)
        values += np.mean(10 * np.sin(train_points * 10), 2, keepdims=True)
    else:
        values = np.sum(
            (train_points - 0.5) ** 2 + 0.25 * train_points + np.sin(train_points * 15),
            2,
            keepdims=True,
        )
    return train_points, values, query_points


@pytest.mark.parametrize("dim, expected", [(1, HARDCODED_1D), (3, HARDCODED_ND)])
def test_tfa_spline_regression_values(dim, expected):
    points, values, queries = _spline_problem(dim)
    for (order, regularization), target in expected.items():
        y = tfa.image.interpolate_spline(points, values, queries, order, regularization)
        np.testing.assert_allclose(y[0, :, 0], target, rtol=1e-6 if dim == 3 else 1e-7)


def test_tfa_spline_1d_linear_matches_scipy():
    interpolate = pytest.importorskip("scipy.interpolate")
    points, values, queries = _spline_problem(1, extrapolate=False)
    y = tfa.image.interpolate_spline(points, values, queries, 1)[0, :, 0]
    reference = interpolate.interp1d(points[0, :, 0], values[0, :, 0], kind="linear")
    np.testing.assert_allclose(y, reference(queries[0, :, 0]), atol=1e-3, rtol=1e-3)


def test_tfa_spline_unspecified_shapes():
    points, values, queries = _spline_problem(3)
    specs = [
        tf.TensorSpec([None, None, 3], tf.float64),
        tf.TensorSpec([None, None, 1], tf.float64),
        tf.TensorSpec([None, None, 3], tf.float64),
    ]
    fn = tf.function(tfa.image.interpolate_spline).get_concrete_function(*specs, 1, 0.01)
    y = fn(*(tf.constant(x) for x in (points, values, queries)))
    np.testing.assert_allclose(y[0, :, 0], HARDCODED_ND[(1, 0.01)], rtol=1e-6)
    for unknown in (0, 1):
        unknown_specs = list(specs)
        unknown_specs[unknown] = tf.TensorSpec([None, None, None], tf.float64)
        with pytest.raises(ValueError, match="statically-inferrable"):
            tf.function(tfa.image.interpolate_spline).get_concrete_function(*unknown_specs, 1, 0.01)


def test_tfa_spline_gradients_exist():
    points, values, queries = (x.astype("float32") for x in _spline_problem(3))
    points = tf.Variable(points)
    for order in (1, 2, 3, 4):
        with tf.GradientTape() as tape:
            y = tfa.image.interpolate_spline(points, values, queries, order, 0.001)
        assert np.sum(np.abs(tape.gradient(y, points).numpy())) != 0


# --- tfa's sparse_image_warp_test.py ---------------------------------------------------------


def test_tfa_sparse_warp_zero_shift():
    image = np.random.RandomState(1).uniform(size=[1, 4, 4, 3]).astype("float32")
    points = np.float32([[[1.0, 1.0], [2.0, 2.0], [2.0, 1.0]]])
    for order in (1, 2):
        for regularization in (0, 0.01):
            for boundary in (0, 1):
                warped, _ = tfa.image.sparse_image_warp(
                    image, points, points, order, regularization, boundary
                )
                np.testing.assert_allclose(warped, image, rtol=1e-6, atol=1e-6)


def test_tfa_sparse_warp_locations():
    locations = _get_boundary_locations(11, 11, 4).numpy()
    assert locations.shape[0] == 4 + 4 * 4
    points = {tuple(p) for p in locations.tolist()}
    for i in (0, 10):
        for j in (0, 10):
            assert (i, j) in points
        for j in (2, 4, 6, 8):
            assert (i, j) in points and (j, i) in points
    grid = _get_grid_locations(5, 3).numpy()
    np.testing.assert_array_equal(
        grid, np.stack(np.meshgrid(range(5), range(3), indexing="ij"), -1)
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tfa_sparse_warp_move_single_pixel(dtype):
    image = np.zeros([1, 7, 7, 3], dtype)
    image[:, 3, 3, :] = 1.0
    source = np.array([[[3.0, 3.0]]], dtype)
    dest = source + np.array([[[0.0, 1.0]]], dtype)
    for order in (1, 2):
        for boundary in (1, 2):
            warped, flow = tfa.image.sparse_image_warp(image, source, dest, order, 0.0, boundary)
            np.testing.assert_allclose(warped[0, 4, 5], image[0, 4, 4], atol=1e-5, rtol=1e-5)
            for i in (0, 6):
                for j in (0, 6):
                    np.testing.assert_allclose(flow[0, i, j], np.zeros([2]), atol=1e-5, rtol=1e-5)


def test_tfa_sparse_warp_backprop_runs():
    image = tf.Variable(np.random.RandomState(2).uniform(size=[1, 9, 12, 3]), dtype=tf.float32)
    source = np.float32([[[3.0, 3.0]]])
    with tf.GradientTape() as tape:
        dest = source + np.float32([0.25, -0.5])
        warped, _ = tfa.image.sparse_image_warp(image, source, dest, 2, 0.0, 3)
    assert np.sum(np.abs(tape.gradient(warped, image).numpy())) != 0


def test_tfa_sparse_warp_unknown_shape():
    source = np.float32([[[3.0, 3.0]]])
    dest = source + np.float32([[[0.25, -0.5]]])
    fn = tf.function(tfa.image.sparse_image_warp).get_concrete_function(
        tf.TensorSpec(shape=None, dtype=tf.float32),
        tf.TensorSpec(shape=[1, 1, 2], dtype=tf.float32),
        tf.TensorSpec(shape=[1, 1, 2], dtype=tf.float32),
        num_boundary_points=3,
    )
    for shape in [(9, 12), (9, 12, 3), (1, 9, 12, 3)]:
        image = tf.ones(shape)
        expected = tfa.image.sparse_image_warp(image, source, dest, num_boundary_points=3)
        outputs = fn(image, tf.constant(source), tf.constant(dest))
        for got, want in zip(outputs, expected, strict=True):
            np.testing.assert_array_equal(got, want)


# --- tfa's resampler_ops_test.py --------------------------------------------------------------


def _bilinearly_interpolate(data, x, y):
    """tfa's NumPy reference: zero-padded data, 0 past the padding."""
    x, y = np.asarray(x) + 1, np.asarray(y) + 1
    data = np.pad(data, 1, "constant", constant_values=0)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    x1, y1 = x0 + 1, y0 + 1
    x0, x1 = np.clip(x0, 0, data.shape[1] - 1), np.clip(x1, 0, data.shape[1] - 1)
    y0, y1 = np.clip(y0, 0, data.shape[0] - 1), np.clip(y1, 0, data.shape[0] - 1)
    return (
        (x1 - x) * (y1 - y) * data[y0, x0]
        + (x1 - x) * (y - y0) * data[y1, x0]
        + (x - x0) * (y1 - y) * data[y0, x1]
        + (x - x0) * (y - y0) * data[y1, x1]
    )


def _make_warp(rng, batch_size, height, width, dtype):
    x, y = np.meshgrid(np.linspace(0, width - 1, width), np.linspace(0, height - 1, height))
    warp = np.tile(np.stack([x, y], -1)[None], [batch_size, 1, 1, 1])
    return (warp + rng.randn(*warp.shape)).astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_tfa_resampler_forward_pass(dtype):
    rng = np.random.RandomState(0)
    warp = _make_warp(rng, 10, 8, 4, dtype)
    data = rng.rand(10, 9, 7, 5).astype(dtype)
    outputs = tfa.image.resampler(data, warp)
    assert outputs.shape == (10, 8, 4, 5)
    reference = np.zeros(outputs.shape)
    for b in range(10):
        for c in range(5):
            reference[b, :, :, c] = _bilinearly_interpolate(
                data[b, :, :, c], warp[b, :, :, 0], warp[b, :, :, 1]
            )
    tolerance = 5e-3 if dtype == "float16" else 1e-6
    np.testing.assert_allclose(outputs, reference, rtol=tolerance, atol=tolerance)


def test_tfa_resampler_errors():
    with pytest.raises(ValueError, match="Only bilinear interpolation is currently supported."):
        tfa.image.resampler(np.zeros((10, 9, 7, 3, 5)), np.zeros((10, 8, 4, 2)))
    with pytest.raises(ValueError, match="warp should be at least a matrix"):
        tfa.image.resampler(np.zeros((10, 9, 7, 5)), np.zeros((10,)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Batch size of data and warp"):
        tfa.image.resampler(np.zeros((10, 9, 7, 5)), np.zeros((11, 8, 4, 2)))
    with pytest.raises(ValueError, match="Only bilinear interpolation is supported, warping"):
        tfa.image.resampler(np.zeros((10, 9, 7, 5)), np.zeros((10, 8, 4, 3)))


def _jacobians(fn, inputs):
    """Each input's `[output size, input size]` Jacobian, by backpropagation."""
    inputs = [tf.constant(x) for x in inputs]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(inputs)
        y = fn(*inputs)
    return [
        tf.reshape(j, [tf.size(y), tf.size(x)]).numpy()
        for j, x in zip(tape.jacobian(y, inputs), inputs, strict=True)
    ]


def _numerical_jacobians(fn, inputs, delta=1e-3):
    """Each input's `[output size, input size]` Jacobian by central differences."""
    jacobians = []
    for i, x in enumerate(inputs):
        columns = []
        for j in range(x.size):
            step = np.zeros(x.size)
            step[j] = delta
            plus, minus = list(inputs), list(inputs)
            plus[i], minus[i] = x + step.reshape(x.shape), x - step.reshape(x.shape)
            difference = np.asarray(fn(*plus)) - np.asarray(fn(*minus))
            columns.append(difference.ravel() / (2 * delta))
        jacobians.append(np.stack(columns, axis=1))
    return jacobians


def test_tfa_resampler_backward_pass():
    # tfa's tf.test.compute_gradient comparison, with faster Jacobians
    rng = np.random.RandomState(13)
    warp = _make_warp(rng, 3, 6, 2, "float32")
    data = rng.rand(3, 4, 5, 3).astype("float32")
    resampler = tf.function(tfa.image.resampler)
    numerical = _numerical_jacobians(resampler, [data.astype("float64"), warp.astype("float64")])
    for dtype in ("float32", "float64"):
        theoretical = _jacobians(tfa.image.resampler, [data.astype(dtype), warp.astype(dtype)])
        for t, n in zip(theoretical, numerical, strict=True):
            np.testing.assert_allclose(t, n, rtol=5e-5, atol=5e-5)


def test_tfa_resampler_empty_batch():
    data = tf.zeros((0, 4, 5, 3))
    warp = tf.constant(_make_warp(np.random.RandomState(13), 0, 6, 2, "float32"))
    with tf.GradientTape() as tape:
        tape.watch([data, warp])
        outputs = tfa.image.resampler(data, warp)
    data_grad, warp_grad = tape.gradient(outputs, (data, warp))
    assert outputs.shape == (0, 6, 2, 3)
    assert data_grad.shape == data.shape and warp_grad.shape == warp.shape


# --- tfa's filters_test.py (mean and median) --------------------------------------------------

FILTER_DTYPES = ["uint8", "int32", "float16", "float32", "float64"]
FILTER_SHAPES = [(3, 3, 1), (3, 3, 3), (1, 3, 3, 1), (2, 3, 3, 3)]
MEAN_CASES = {
    ("REFLECT", (3, 3), 0): [
        [3.6666667, 4.0, 4.3333335],
        [4.6666665, 5.0, 5.3333335],
        [5.6666665, 6.0, 6.3333335],
    ],
    ("REFLECT", (4, 4), 0): [[5.0] * 3] * 3,
    ("CONSTANT", (3, 3), 0): [
        [1.3333334, 2.3333333, 1.7777778],
        [3.0, 5.0, 3.6666667],
        [2.6666667, 4.3333335, 3.1111112],
    ],
    ("CONSTANT", (3, 3), 1): [
        [1.8888888, 2.6666667, 2.3333333],
        [3.3333333, 5.0, 4.0],
        [3.2222223, 4.6666665, 3.6666667],
    ],
    ("SYMMETRIC", (3, 3), 0): [
        [2.3333333, 3.0, 3.6666667],
        [4.3333335, 5.0, 5.6666665],
        [6.3333335, 7.0, 7.6666665],
    ],
}
MEDIAN_CASES = {
    ("REFLECT", (3, 3), 0): [[4, 4, 5], [5, 5, 5], [5, 6, 6]],
    ("REFLECT", (4, 4), 0): [[5, 5, 5]] * 3,
    ("CONSTANT", (3, 3), 0): [[0, 2, 0], [2, 5, 3], [0, 5, 0]],
    ("CONSTANT", (3, 3), 1): [[1, 2, 1], [2, 5, 3], [1, 5, 1]],
    ("SYMMETRIC", (3, 3), 0): [[2, 3, 3], [4, 5, 6], [7, 7, 8]],
}


def _tile(plane, shape):
    image = np.tile(np.asarray(plane)[:, :, None], (1, 1, shape[-1]))
    return np.tile(image[None], (shape[0], 1, 1, 1)) if len(shape) == 4 else image


@pytest.mark.parametrize(
    "name, cases", [("mean_filter2d", MEAN_CASES), ("median_filter2d", MEDIAN_CASES)]
)
def test_tfa_filter_values(name, cases):
    plane = np.arange(1, 10).reshape(3, 3)
    for (padding, filter_shape, constant), expected in cases.items():
        for shape in FILTER_SHAPES:
            for dtype in FILTER_DTYPES:
                y = getattr(tfa.image, name)(
                    _tile(plane, shape).astype(dtype), filter_shape, padding, constant
                )
                want = tf.cast(_tile(np.float32(expected), shape), dtype).numpy()
                np.testing.assert_allclose(y, want, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("name", ["mean_filter2d", "median_filter2d"])
def test_tfa_filter_bad_arguments_and_unknown_shapes(name):
    fn = getattr(tfa.image, name)
    for shape in [(1,), (16, 28, 28, 1, 1)]:
        with pytest.raises((ValueError, tf.errors.InvalidArgumentError)):
            fn(tf.ones(shape))
    image = tf.ones((1, 28, 28, 1))
    for filter_shape in [(3, 3, 3), (3, None, 3)]:
        with pytest.raises(ValueError):
            fn(image, filter_shape=filter_shape)
    with pytest.raises(TypeError):
        fn(image, filter_shape=None)
    with pytest.raises(ValueError):
        fn(image, padding="TEST")
    for spec_shape in [(3, 3, None), (1, 3, 3, None)]:  # channels unknown
        concrete = tf.function(fn).get_concrete_function(tf.TensorSpec(spec_shape, tf.float32))
        for channels in (1, 3):
            concrete(tf.ones(spec_shape[:-1] + (channels,)))
    unknown = tf.function(fn).get_concrete_function(
        tf.TensorSpec(shape=None, dtype=tf.float32), padding="CONSTANT", constant_values=1.0
    )
    for shape in [(3, 3), (3, 3, 3), (1, 3, 3, 3)]:
        np.testing.assert_equal(unknown(tf.ones(shape)).numpy(), np.ones(shape))


def test_median_even_window_of_uint8_wraps_as_tfa():
    # TensorFlow adds the two middle uint8 values in uint8 before halving: 200 + 100 wraps.
    image = np.array([[200, 100], [100, 200]], "uint8")
    y = tfa.image.median_filter2d(image, (2, 2), "SYMMETRIC")
    assert int(np.asarray(y)[0, 0]) == (300 % 256) // 2


# --- tfa's compose_ops_test.py ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64", "float16", "float32", "float64"])
def test_tfa_blend(dtype):
    blended = tfa.image.blend(np.zeros((4, 4), dtype), np.full((4, 4), 255, dtype), 0.5)
    np.testing.assert_equal(np.asarray(blended), np.full((4, 4), 128))
    rng = np.random.RandomState(0)
    image1 = rng.randint(0, 255, (3, 5, 5), np.uint8)
    image2 = rng.randint(0, 255, (3, 5, 5), np.uint8)
    factor = np.float32(rng.uniform())
    blended = np.asarray(tfa.image.blend(image1, image2, tf.constant(factor)))
    expected = np.round(image1 + factor * (image2.astype("float32") - image1))
    np.testing.assert_equal(blended, expected)
    assert blended.dtype == expected.dtype


# --- tfa's distort_image_ops_test.py ------------------------------------------------------------

TYIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
TYIQ_INVERSE = np.array(
    [[1.0, 0.95617069, 0.62143257], [1.0, -0.2726886, -0.64681324], [1.0, -1.103744, 1.70062309]]
)


def _hue_in_yiq_np(x, delta_h):
    u, w = np.cos(delta_h), np.sin(delta_h)
    rotation = np.array([[1.0, 0.0, 0.0], [0.0, u, -w], [0.0, w, u]])
    y = x.reshape([-1, 3]).astype("float64") @ TYIQ.T @ rotation.T @ TYIQ_INVERSE.T
    return y.reshape(x.shape)


def _styled(rng, shape, style, dtype):
    """tfa's test images: random RGB, or with channels copied ("rg": red into green)."""
    x = (rng.rand(*shape) * 255.0).astype(dtype)
    copies = {"rg": [(0, 1)], "rb": [(0, 2)], "gb": [(1, 2)], "rgb": [(0, 1), (0, 2)]}
    for source, target in copies.get(style, []):
        x[..., target] = x[..., source]
    return x


@pytest.mark.parametrize("dtype", FLOATS)
def test_tfa_adjust_hue_saturation_value_in_yiq(dtype):
    rng = np.random.RandomState(3)
    gray = np.array([0.299, 0.587, 0.114])
    # tfa's tolerances (half_rtol 0.8); near zero, float16 sums of terms up to 255 are only
    # good to a half-precision step there, 0.25.
    rtol, atol = (0.8, 0.25) if dtype == "float16" else (2e-4, 1e-4)
    for shape in ([2, 2, 3], [2, 5, 3], [1000, 1, 3]):
        for style in ("all", "rg", "rb", "gb", "rgb"):
            x = _styled(rng, shape, style, dtype)
            delta_h = (rng.rand() * 2.0 - 1.0) * np.pi
            y = tfa.image.adjust_hsv_in_yiq(x, delta_h, 1, 1)
            np.testing.assert_allclose(y, _hue_in_yiq_np(x, delta_h), rtol=rtol, atol=atol)
            scale = rng.rand() * 2.0 - 1.0
            y = tfa.image.adjust_hsv_in_yiq(x, 0, scale, 1)
            expected = x * scale + np.sum(x * gray, -1, keepdims=True) * (1 - scale)
            np.testing.assert_allclose(y, expected, rtol=rtol, atol=atol)
            if dtype == "float64":
                y = tfa.image.adjust_hsv_in_yiq(x, 0, 1, scale)
                np.testing.assert_allclose(y, x * scale, rtol=2e-4, atol=1e-4)


def test_tfa_hsv_bad_shapes_and_unknown_shapes():
    for fn_args in [(0.3, 1, 1), (0, 1, 0.5), (0, 0.5, 1)]:
        with pytest.raises((tf.errors.InvalidArgumentError, ValueError), match="at least 3-D"):
            tfa.image.adjust_hsv_in_yiq(np.random.rand(2, 3) * 255.0, *fn_args)
        with pytest.raises(
            (tf.errors.InvalidArgumentError, ValueError),
            match="input must have 3 channels but instead has 4",
        ):
            tfa.image.adjust_hsv_in_yiq(np.random.rand(4, 2, 4) * 255.0, *fn_args)
    fn = tf.function(tfa.image.adjust_hsv_in_yiq).get_concrete_function(
        tf.TensorSpec(shape=None, dtype=tf.float64)
    )
    for shape in (2, 3, 3), (4, 2, 3, 3):
        image = np.random.RandomState(4).rand(*shape) * 255.0
        y = fn(tf.constant(image))
        np.testing.assert_allclose(y, _hue_in_yiq_np(image, 0), rtol=2e-4, atol=1e-4)
    fn = tf.function(tfa.image.random_hsv_in_yiq).get_concrete_function(
        tf.TensorSpec(shape=None, dtype=tf.float32)
    )
    for shape in (2, 3, 3), (4, 2, 3, 3):
        np.testing.assert_equal(fn(tf.ones(shape)).numpy(), fn(tf.ones(shape)).numpy())
    for bad in [dict(max_delta_hue=-1), dict(lower_saturation=2), dict(lower_value=-1)]:
        with pytest.raises(ValueError):
            tfa.image.random_hsv_in_yiq(tf.ones((2, 2, 3)), **bad)


# --- tfa's connected_components_test.py -------------------------------------------------------

SNAKE = np.asarray(
    [
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 1, 1, 1, 1, 0, 0, 0, 0],
        [0, 0, 0, 0, 1, 1, 1, 1, 0],
        [0, 0, 0, 0, 0, 0, 0, 1, 0],
        [0, 1, 1, 1, 1, 1, 1, 1, 0],
        [0, 1, 0, 0, 0, 0, 0, 0, 0],
        [0, 1, 0, 1, 1, 1, 1, 1, 0],
        [0, 1, 0, 0, 0, 0, 0, 1, 0],
        [0, 1, 1, 1, 1, 1, 1, 1, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
    ]
)


def test_tfa_connected_components_disconnected_simple_snake():
    arr = np.array(
        [
            [1, 0, 0, 1, 0, 0, 0, 0, 1],
            [0, 1, 0, 0, 0, 1, 0, 1, 0],
            [1, 0, 1, 0, 0, 0, 1, 0, 0],
            [0, 0, 0, 0, 1, 0, 0, 0, 0],
            [0, 0, 1, 0, 0, 0, 0, 0, 0],
        ],
        bool,
    )
    expected = [
        [1, 0, 0, 2, 0, 0, 0, 0, 3],
        [0, 4, 0, 0, 0, 5, 0, 6, 0],
        [7, 0, 8, 0, 0, 0, 9, 0, 0],
        [0, 0, 0, 0, 10, 0, 0, 0, 0],
        [0, 0, 11, 0, 0, 0, 0, 0, 0],
    ]
    np.testing.assert_equal(tfa.image.connected_components(arr).numpy(), expected)
    simple = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    np.testing.assert_equal(tfa.image.connected_components(simple.astype(bool)).numpy(), simple)
    np.testing.assert_equal(tfa.image.connected_components(SNAKE.astype(bool)).numpy(), SNAKE)


def test_tfa_snake_disconnected():
    # tfa cut the snake at each of its pixels in turn, one call each; here one batch.
    cuts = [tuple(p) for p in np.argwhere(SNAKE) if tuple(p) not in [(1, 1), (6, 3)]]
    snakes = np.repeat(SNAKE[None], len(cuts), axis=0).astype(bool)
    for n, (i, j) in enumerate(cuts):
        snakes[n, i, j] = False
    components = tfa.image.connected_components(snakes).numpy()
    for image in components:
        ids, counts = np.unique(image, return_counts=True)
        assert len(ids) == 3 and ids[0] == 0 and np.all(counts > 0)


def test_tfa_connected_components_multiple_images_zeros_ones():
    images = np.array(
        [
            [[1, 1, 1, 1], [1, 0, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]],
            [[1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1]],
            [[1, 1, 0, 1], [0, 1, 1, 0], [1, 0, 1, 0], [0, 0, 1, 1]],
        ],
        bool,
    )
    expected = [
        [[1, 1, 1, 1], [1, 0, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]],
        [[2, 0, 0, 3], [0, 0, 0, 0], [0, 0, 0, 0], [4, 0, 0, 5]],
        [[6, 6, 0, 7], [0, 6, 6, 0], [8, 0, 6, 0], [0, 0, 6, 6]],
    ]
    np.testing.assert_equal(tfa.image.connected_components(images).numpy(), expected)
    zeros = tfa.image.connected_components(tf.zeros((100, 20, 50), tf.bool))
    np.testing.assert_equal(zeros.numpy(), np.zeros((100, 20, 50)))
    ones = tfa.image.connected_components(tf.ones((100, 20, 50), tf.bool))
    np.testing.assert_equal(ones.numpy(), np.tile(np.arange(100)[:, None, None] + 1, [1, 20, 50]))
    small = tfa.image.connected_components(tf.ones((3, 5), tf.bool))
    np.testing.assert_equal(small.numpy(), np.ones((3, 5)))


def test_tfa_connected_components_random_scipy():
    ndimage = pytest.importorskip("scipy.ndimage")
    images = np.random.RandomState(42).randint(0, 2, size=(10, 100, 200)).astype(bool)
    expected = np.asarray([ndimage.label(image)[0] for image in images])
    offsets = np.cumsum([0] + [image.max() for image in expected[:-1]])
    expected = np.where(expected > 0, expected + offsets[:, None, None], 0)
    np.testing.assert_equal(tfa.image.connected_components(images).numpy(), expected)


def test_connected_components_strings_and_rank_errors():
    # tfa's kernel took strings ("" is zero); its wheel's string kernel crashes on TF 2.15.
    words = tf.constant([["a", "", "a"], ["a", "b", "b"]])
    np.testing.assert_equal(tfa.image.connected_components(words).numpy(), [[1, 0, 2], [1, 3, 3]])
    with pytest.raises(TypeError, match="images should have rank 2"):
        tfa.image.connected_components(np.ones((2, 2, 2, 2)))


# --- tfa's distance_transform_test.py ---------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
def test_tfa_single_and_batch_binary_images(dtype):
    image = np.array(
        [[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0], [1, 0, 1, 0, 1], [0, 1, 0, 1, 0]],
        "uint8",
    )[..., None]
    expected = [[2, 2.23606801, 2, 2.23606801, 2], [1, 1.41421354, 1, 1.41421354, 1]]
    expected = np.concatenate([expected, image[2:, :, 0]], axis=0)  # 1 beside a zero
    output = tfa.image.euclidean_dist_transform(image, dtype=dtype)
    assert output.dtype == dtype and output.shape == (5, 5, 1)
    np.testing.assert_allclose(output[..., 0], expected, rtol=1e-3 if dtype == "float16" else 1e-6)
    square = np.zeros((5, 5), "uint8")
    square[1:4, 1:4] = 1
    expected = np.array([[0] * 5, [0, 1, 1, 1, 0], [0, 1, 2, 1, 0], [0, 1, 1, 1, 0], [0] * 5])
    output = tfa.image.euclidean_dist_transform(
        np.tile(square[None, ..., None], [3, 1, 1, 1]), dtype
    )
    assert output.shape == (3, 5, 5, 1)
    np.testing.assert_allclose(output[..., 0], np.tile(expected[None], [3, 1, 1]))


def test_tfa_distance_transform_bad_dtypes_and_zeros():
    image = np.ones((5, 5, 1), "uint8")
    for dtype in (tf.uint8, tf.int32, tf.int64):
        with pytest.raises(TypeError, match="`dtype` must be float16, float32 or float64"):
            tfa.image.euclidean_dist_transform(image, dtype=dtype)
    with pytest.raises(TypeError, match="Expected uint8"):
        tfa.image.euclidean_dist_transform(image.astype("int32"))
    for dtype in FLOATS:
        output = tfa.image.euclidean_dist_transform(np.zeros((10, 10), "uint8"), dtype=dtype)
        np.testing.assert_allclose(output, np.zeros((10, 10)))
