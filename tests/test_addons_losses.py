"""kerasdl.addons.losses' triplet, contrastive, lifted, N-pair, pinball, GIoU, kappa and
sparsemax losses against the cases of tfa 0.23's losses/tests/triplet_test.py,
contrastive_test.py, lifted_test.py, npairs_test.py, quantiles_test.py, kappa_loss_test.py
and sparsemax_loss_test.py (inputs and expected values are tfa's; its
numpy references are rewritten here from the papers' definitions), and against tfa's own
outputs on random inputs (tests/data/make_addons_loss_goldens.py)."""

import json
import pathlib
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import script_result

import kerasdl.addons as tfa
from kerasdl.addons.losses import contrastive, quantiles, triplet

GOLDENS = np.load(pathlib.Path(__file__).parent / "data" / "addons_loss_goldens.npz")


def golden(key):
    return GOLDENS[key]


def numpy_distances(embeddings, metric):
    if metric == "angular":
        normed = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
        return np.maximum(1.0 - normed @ normed.T, 0.0)
    squared = np.sum((embeddings[:, None] - embeddings[None]) ** 2, axis=-1)
    return squared if metric == "squared-L2" else np.sqrt(squared)


def numpy_semihard(labels, embeddings, margin, metric="L2"):
    """FaceNet's semi-hard triplets, one loop per anchor and positive."""
    d = numpy_distances(embeddings.astype("float64"), metric)
    losses = []
    for a in range(len(labels)):
        negatives = np.sort(d[a][labels != labels[a]])
        for p in range(len(labels)):
            if p == a or labels[p] != labels[a]:
                continue
            farther = negatives[negatives > d[a, p]]
            negative = farther[0] if len(farther) else negatives[-1]
            losses.append(max(margin + d[a, p] - negative, 0.0))
    return np.mean(losses)


def numpy_hard(labels, embeddings, margin, soft=False, metric="L2"):
    """Batch-hard triplets: farthest positive (0 if none), closest negative."""
    d = numpy_distances(embeddings.astype("float64"), metric)
    losses = []
    for a in range(len(labels)):
        positive = max(
            [d[a, p] for p in range(len(labels)) if p != a and labels[p] == labels[a]] or [0.0]
        )
        negative = d[a][labels != labels[a]].min()
        gap = positive - negative
        losses.append(np.log1p(np.exp(gap)) if soft else max(gap + margin, 0.0))
    return np.mean(losses)


# --- triplet_test -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("metric", ["L2", "squared-L2", "angular"])
def test_tfa_semihard_triplet_loss(dtype, metric):
    rng = np.random.RandomState(0)
    embeddings = rng.rand(10, 6).astype("float32")
    labels = rng.randint(0, 4, size=10)
    loss = triplet.TripletSemiHardLoss(distance_metric=metric)(labels, embeddings.astype(dtype))
    expected = numpy_semihard(labels, embeddings, 1.0, metric)
    tolerance = 1e-5 if dtype == "float32" else 1e-2
    np.testing.assert_allclose(float(loss), expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("soft", [False, True])
def test_tfa_hard_triplet_loss(dtype, soft):
    rng = np.random.RandomState(1)
    embeddings = rng.rand(20, 6).astype("float32")
    labels = rng.randint(0, 4, size=20)
    loss = triplet.TripletHardLoss(soft=soft)(labels, embeddings.astype(dtype))
    expected = numpy_hard(labels, embeddings, 1.0, soft)
    tolerance = 1e-5 if dtype == "float32" else 1e-2
    np.testing.assert_allclose(float(loss), expected, rtol=tolerance, atol=tolerance)


def test_tfa_triplet_docstring_values():
    y_true, y_pred = np.array([0, 0]), np.array([[0.0, 1.0], [1.0, 0.0]], "float32")

    def dot(x):
        return keras.ops.matmul(x, keras.ops.transpose(x))

    np.testing.assert_allclose(tfa.losses.triplet_semihard_loss(y_true, y_pred), 2.4142137)
    np.testing.assert_allclose(tfa.losses.triplet_semihard_loss(y_true, y_pred, 1.0, dot), 1.0)
    np.testing.assert_allclose(tfa.losses.triplet_hard_loss(y_true, y_pred), 1.0)
    np.testing.assert_allclose(
        tfa.losses.triplet_hard_loss(y_true, y_pred, distance_metric=dot), 0.0
    )


@pytest.mark.parametrize(
    "name",
    [
        "triplet_semihard_loss",
        "triplet_hard_loss",
        "contrastive_loss",
        "pinball_loss",
        "giou_loss",
        "sparsemax_loss",
        "lifted_struct_loss",
        "npairs_loss",
        "npairs_multilabel_loss",
    ],
)
def test_tfa_functions_by_registered_name(name):
    # tfa compiled with the name; Keras 3's `compile` reads only its own names.
    loss = keras.losses.deserialize(f"Addons>{name}")
    assert loss is getattr(tfa.losses, name)


@pytest.mark.parametrize(
    "loss",
    [
        tfa.losses.TripletSemiHardLoss(margin=0.5, distance_metric="angular"),
        tfa.losses.TripletHardLoss(margin=0.5, soft=True, distance_metric="squared-L2"),
        tfa.losses.ContrastiveLoss(margin=2.0, reduction="sum", name="cl"),
        tfa.losses.PinballLoss(tau=0.1),
        tfa.losses.GIoULoss(mode="iou"),
        tfa.losses.SparsemaxLoss(),
        tfa.losses.LiftedStructLoss(margin=0.5),
        tfa.losses.NpairsLoss(name="nl"),
        tfa.losses.NpairsMultilabelLoss(name="nml"),
        tfa.losses.WeightedKappaLoss(num_classes=4, weightage="linear", epsilon=0.001),
    ],
    ids=lambda loss: type(loss).__name__,
)
def test_tfa_serialization(loss):
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == loss.get_config()


def test_triplet_without_positive_pairs_is_zero():
    """tfa divides 0 by 0 positive pairs (NaN); a replica's small batch meets this case."""
    loss = tfa.losses.triplet_semihard_loss([0, 1, 2], np.eye(3, dtype="float32"))
    assert float(loss) == 0.0


@pytest.mark.parametrize("metric", ["L2", "squared-L2", "angular"])
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_triplet_goldens(metric, margin):
    labels = golden("metric_learning.inputs/random/labels")
    embeddings = golden("metric_learning.inputs/random/embeddings")
    semihard = tfa.losses.triplet_semihard_loss(labels, embeddings, margin, metric)
    np.testing.assert_allclose(semihard, golden(f"triplet_semihard_loss/{metric}_{margin}/y"), 1e-5)
    for soft in (False, True):
        hard = tfa.losses.triplet_hard_loss(labels, embeddings, margin, soft, metric)
        expected = golden(f"triplet_hard_loss/{metric}_{margin}_{soft}/y")
        np.testing.assert_allclose(hard, expected, 1e-5)


def test_triplet_semihard_fit_separates_classes():
    """A small embedding model trains with model.fit on integer labels."""
    rng = np.random.RandomState(3)
    labels = rng.randint(0, 3, 96)
    x = (np.eye(3)[labels] @ rng.normal(size=(3, 8)) + 0.5 * rng.normal(size=(96, 8))).astype(
        "float32"
    )
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(4),
            keras.layers.UnitNormalization(),
        ]
    )
    model.compile(keras.optimizers.Adam(0.05), loss=tfa.losses.TripletSemiHardLoss())
    history = model.fit(x, labels, batch_size=32, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < 0.5 * losses[0]


# --- contrastive_test ---------------------------------------------------------------------

PAIR_LABELS = np.array([0, 0, 1, 1, 0, 1], "int64")
PAIR_DISTANCES = np.array([0.1, 0.3, 1.3, 0.7, 1.1, 0.5], "float32")


def test_tfa_contrastive_config():
    loss = contrastive.ContrastiveLoss(reduction="sum", name="cl")
    assert loss.name == "cl" and loss.reduction == "sum"


def test_tfa_contrastive_values():
    loss = contrastive.ContrastiveLoss()
    np.testing.assert_allclose(loss(PAIR_LABELS, np.array([1, 1, 0, 0, 1, 0], "float32")), 0.0)
    np.testing.assert_allclose(loss(PAIR_LABELS, PAIR_DISTANCES), 0.621666, rtol=1e-6)
    weights = np.array([1.2, 0.8, 0.5, 0.4, 1.5, 1.0], "float32")
    np.testing.assert_allclose(loss(PAIR_LABELS, PAIR_DISTANCES, weights), 0.4425, rtol=1e-6)
    np.testing.assert_allclose(loss(PAIR_LABELS, PAIR_DISTANCES, 6.0), 3.73, rtol=1e-6)
    np.testing.assert_allclose(loss(PAIR_LABELS, PAIR_DISTANCES, 0.0), 0.0)
    wider = contrastive.ContrastiveLoss(margin=2.0)
    np.testing.assert_allclose(wider(PAIR_LABELS, PAIR_DISTANCES), 1.623333, rtol=1e-6)
    unreduced = contrastive.ContrastiveLoss(reduction="none")(PAIR_LABELS, PAIR_DISTANCES)
    np.testing.assert_allclose(unreduced, [0.81, 0.49, 1.69, 0.49, 0.0, 0.25], rtol=1e-5)
    summed = contrastive.ContrastiveLoss(reduction="sum")(PAIR_LABELS, PAIR_DISTANCES)
    np.testing.assert_allclose(summed, 3.73, rtol=1e-6)


@pytest.mark.parametrize("margin", [1.0, 1.5])
def test_contrastive_goldens(margin):
    key = f"contrastive_loss/{margin}"
    y = tfa.losses.contrastive_loss(golden(f"{key}/labels"), golden(f"{key}/distances"), margin)
    np.testing.assert_allclose(y, golden(f"{key}/y"), rtol=1e-6)


# --- quantiles_test -----------------------------------------------------------------------

Q_TRUE = np.array([1, 9, 2, -5, -2, 6]).reshape(2, 3)
Q_PRED = np.array([4, 8, 12, 8, 1, 3], "float32").reshape(2, 3)


def test_tfa_pinball_config():
    loss = quantiles.PinballLoss(reduction="sum", name="pin_1")
    assert loss.name == "pin_1" and loss.reduction == "sum"


@pytest.mark.parametrize(
    "tau, expected", [(0.0, 4.8333), (0.1, 4.4166), (0.5, 2.75), (0.9, 1.0833), (1.0, 0.6666)]
)
def test_tfa_pinball_quantiles(tau, expected):
    np.testing.assert_almost_equal(quantiles.PinballLoss(tau=tau)(Q_TRUE, Q_PRED), expected, 3)


def test_tfa_pinball_weights_and_reductions():
    loss = quantiles.PinballLoss()
    assert float(loss(Q_PRED, Q_PRED)) == 0.0
    np.testing.assert_almost_equal(loss(Q_TRUE, Q_PRED, 2.3), 6.325, 3)
    np.testing.assert_almost_equal(loss(Q_TRUE, Q_PRED, np.array([[1.2], [3.4]])), 40.7 / 6, 3)
    timestep_weights = np.array([3, 6, 5, 0, 4, 2], "float32").reshape(2, 3)
    loss_3d = loss(Q_TRUE.reshape(2, 3, 1), Q_PRED.reshape(2, 3, 1), timestep_weights)
    np.testing.assert_almost_equal(loss_3d, 41.5 / 6, 3)
    np.testing.assert_almost_equal(loss(Q_TRUE, Q_PRED, 0.0), 0.0, 3)
    unreduced = quantiles.PinballLoss(reduction="none")(Q_TRUE, Q_PRED, 2.3)
    np.testing.assert_almost_equal(unreduced, [5.3666, 7.28333], 3)
    summed = quantiles.PinballLoss(reduction="sum")(Q_TRUE, Q_PRED, 2.3)
    np.testing.assert_almost_equal(summed, 12.65, 3)
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match="Incompatible"):
        loss(Q_TRUE.reshape(2, 3, 1), Q_PRED.reshape(2, 3, 1), np.ones((2, 2)))


@pytest.mark.parametrize("tau", ["0.1", "0.5", "0.9", "vector"])
def test_pinball_goldens(tau):
    y_true = golden("pinball_loss.inputs/random/y_true")
    y_pred = golden("pinball_loss.inputs/random/y_pred")
    value = golden(f"pinball_loss/{tau}/tau") if tau == "vector" else float(tau)
    y = tfa.losses.pinball_loss(y_true, y_pred, value)
    np.testing.assert_allclose(y, golden(f"pinball_loss/{tau}/y"), rtol=1e-6, atol=1e-7)


# --- giou (tfa's docstring example; tfa 0.23's giou_loss_test is not in the reference) ----


def test_tfa_giou_docstring_example():
    boxes1 = np.array([[4.0, 3.0, 7.0, 5.0], [5.0, 6.0, 10.0, 7.0]], "float32")
    boxes2 = np.array([[3.0, 4.0, 6.0, 8.0], [14.0, 14.0, 15.0, 15.0]], "float32")
    np.testing.assert_allclose(tfa.losses.GIoULoss()(boxes1, boxes2), 1.5041667, rtol=1e-6)
    np.testing.assert_allclose(tfa.losses.giou_loss(boxes1, boxes2), [1.075, 1.9333333], rtol=1e-6)
    np.testing.assert_allclose(tfa.losses.giou_loss(boxes1, boxes2, "iou"), [0.875, 1.0])
    # Integer boxes are taken as float32, a single pair gives a scalar.
    single = tfa.losses.giou_loss(boxes1[:1].astype("int32"), boxes2[:1].astype("int32"))
    assert keras.ops.shape(single) == () and np.isclose(float(single), 1.075)
    with pytest.raises(ValueError, match="mode"):
        tfa.losses.giou_loss(boxes1, boxes2, "diou")


@pytest.mark.parametrize("mode", ["giou", "iou"])
def test_giou_goldens(mode):
    key = f"giou_loss/{mode}"
    y = tfa.losses.giou_loss(golden(f"{key}/y_true"), golden(f"{key}/y_pred"), mode)
    np.testing.assert_allclose(y, golden(f"{key}/y"), rtol=1e-5, atol=1e-6)


# --- sparsemax_loss_test ------------------------------------------------------------------


def numpy_sparsemax_loss(z, q):
    """Martins and Astudillo's loss with the threshold tau(z) found by sorting."""
    z = z - z.mean(axis=1, keepdims=True)
    z_sorted = -np.sort(-z, axis=1)
    k = np.arange(1, z.shape[1] + 1)
    support = 1 + k * z_sorted > np.cumsum(z_sorted, axis=1)
    k_z = support.sum(axis=1)
    tau = (np.cumsum(z_sorted, axis=1)[np.arange(len(z)), k_z - 1] - 1) / k_z
    in_support = z > tau[:, None]
    return (
        0.5 * np.sum(in_support * (z**2 - tau[:, None] ** 2), axis=1)
        + 0.5 * np.sum(q**2, axis=1)
        - np.sum(q * z, axis=1)
    )


def one_hot_problem(seed, observations=17):
    rng = np.random.RandomState(seed)
    z = rng.uniform(-3, 3, (observations, 10))
    q = np.zeros((observations, 10))
    q[np.arange(observations), rng.randint(0, 10, observations)] = 1
    return z, q


def loss_of(z, q, dtype):
    z, q = z.astype(dtype), q.astype(dtype)
    return np.asarray(tfa.losses.sparsemax_loss(z, tfa.activations.sparsemax(z), q))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tfa_sparsemax_loss_against_numpy(dtype):
    z, q = one_hot_problem(1)
    expected = numpy_sparsemax_loss(z, q)
    np.testing.assert_allclose(loss_of(z, q, dtype), expected, rtol=1e-5, atol=1e-5)
    reduced = tfa.losses.SparsemaxLoss()(q.astype(dtype), z.astype(dtype))
    np.testing.assert_allclose(reduced, expected.mean(), rtol=1e-5)
    # Proposition 4 (non-negative) and 3 (invariant to adding a constant to the logits).
    assert (loss_of(z, q, dtype) >= 0).all()
    c = np.random.RandomState(4).uniform(-3, 3, (17, 1))
    np.testing.assert_allclose(loss_of(z + c, q, dtype), loss_of(z, q, dtype), atol=5e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tfa_sparsemax_loss_zero_and_special_values(dtype):
    # Proposition 5: zero loss once the target's logit leads the others by more than 1.
    z, _ = one_hot_problem(6)
    z[:, 0] = z.max(axis=1) + 1.05
    q = np.zeros_like(z)
    q[:, 0] = 1
    np.testing.assert_allclose(loss_of(z, q, dtype), 0.0, atol=1e-6)
    q = np.array([[0, 0, 1]] * 4)
    nan = np.array([[0, np.nan, 0], [0, np.nan, np.nan], [np.nan, np.nan, np.nan]])
    np.testing.assert_equal(loss_of(nan, q[:3], dtype), [np.nan] * 3)
    inf = np.inf
    negative = np.array([[0, -inf, 0], [0, -inf, -inf], [-inf, -inf, 0], [-inf, -inf, -inf]])
    np.testing.assert_equal(loss_of(negative, q, dtype), [0.25, np.inf, 0, np.nan])
    positive = np.array([[0, inf, 0], [0, inf, inf], [inf, inf, 0], [inf, inf, inf]])
    np.testing.assert_equal(loss_of(positive, q, dtype), [np.nan] * 4)
    mixed = np.array([[0, inf, 0], [0, inf, -inf], [-inf, inf, 0], [-inf, inf, -inf]])
    np.testing.assert_equal(loss_of(mixed, q, dtype), [np.nan] * 4)


def test_tfa_sparsemax_loss_gradient():
    """The gradient of the loss in the logits is sparsemax(z) - q (Martins and Astudillo,
    section 3); tfa checked it against finite differences."""
    z, q = one_hot_problem(7)
    z = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = tf.reduce_sum(tfa.losses.sparsemax_loss(z, tfa.activations.sparsemax(z), q))
    np.testing.assert_allclose(tape.gradient(loss, z), tfa.activations.sparsemax(z) - q, atol=1e-9)


def test_tfa_sparsemax_loss_from_logits_only():
    with pytest.raises(ValueError):
        tfa.losses.SparsemaxLoss(from_logits=False)


@pytest.mark.parametrize("target", ["one_hot", "multi_label"])
def test_sparsemax_loss_goldens(target):
    key = f"sparsemax_loss/{target}"
    z, q = golden(f"{key}/logits"), golden(f"{key}/labels")
    y = tfa.losses.sparsemax_loss(z, tfa.activations.sparsemax(z), q)
    np.testing.assert_allclose(y, golden(f"{key}/y"), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tfa.losses.SparsemaxLoss()(q, z), golden(f"{key}/reduced"), 1e-5)


_MIRRORED_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras, numpy as np
    import kerasdl.addons as tfa
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5)).astype("float32")
    labels = rng.integers(0, 3, 16).astype("int32")
    kernel = rng.normal(size=(5, 4)).astype("float32")
    def build():
        return keras.Sequential([keras.Input((5,)), keras.layers.Dense(
            4, use_bias=False, kernel_initializer=keras.initializers.Constant(kernel))])
    result = {}
    for name in json.loads(sys.argv[1]):
        with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
            model = build()
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss=getattr(tfa.losses, name)())
        model.fit(x, labels, batch_size=16, shuffle=False, epochs=1, verbose=0)
        # Each replica mines its own half; the step follows the mean of the halves' losses.
        single, loss = build(), getattr(tfa.losses, name)()
        with tf.GradientTape() as tape:
            total = 0.5 * (loss(labels[:8], single(x[:8])) + loss(labels[8:], single(x[8:])))
        expected = kernel - 0.1 * tape.gradient(total, single.trainable_weights)[0].numpy()
        result[name] = float(np.max(np.abs(model.get_weights()[0] - expected)))
    print("RESULT" + json.dumps(result))
    """
)


def test_metric_learning_losses_mine_each_replicas_batch(repo_root):
    names = ["TripletSemiHardLoss", "TripletHardLoss", "LiftedStructLoss"]
    result = script_result(_MIRRORED_SCRIPT, json.dumps(names), cwd=repo_root)
    assert sorted(result) == sorted(names)
    for name, error in result.items():
        assert error < 1e-5, (name, error)


# --- lifted_test --------------------------------------------------------------------------


def numpy_lifted(labels, embeddings, margin):
    """Oh Song et al.'s eq. 4, one log-sum-exp per ordered positive pair."""
    d = numpy_distances(embeddings.astype("float64"), "L2")
    total, pairs = 0.0, 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            if i == j or labels[i] != labels[j]:
                continue
            terms = np.concatenate(
                [margin - d[i][labels != labels[i]], margin - d[j][labels != labels[j]]]
            )
            pairs += 1
            total += max(np.log(np.sum(np.exp(terms))) + d[i, j], 0.0) ** 2
    return total / pairs / 2.0


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_tfa_lifted_struct_loss(dtype):
    rng = np.random.RandomState(2)
    embeddings = rng.rand(10, 6).astype("float32")
    labels = rng.randint(0, 4, size=10).astype("float32")
    loss = tfa.losses.LiftedStructLoss()(labels, embeddings.astype(dtype))
    tolerance = 1e-5 if dtype == "float32" else 1e-2
    np.testing.assert_allclose(float(loss), numpy_lifted(labels, embeddings, 1.0), rtol=tolerance)


@pytest.mark.parametrize("margin", [1.0, 0.5])
def test_lifted_goldens(margin):
    labels = golden("metric_learning.inputs/random/labels")
    embeddings = 2.0 * golden("metric_learning.inputs/random/embeddings")
    y = tfa.losses.lifted_struct_loss(labels, embeddings, margin)
    np.testing.assert_allclose(y, golden(f"lifted_struct_loss/{margin}/y"), rtol=1e-5)


# --- npairs_test --------------------------------------------------------------------------

CORNERS = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]], "float32")
SIMILARITIES = CORNERS @ CORNERS.T


def test_tfa_npairs_loss():
    loss = tfa.losses.NpairsLoss(name="nl")
    assert loss.name == "nl" and loss.reduction == "none"
    np.testing.assert_allclose(loss(np.arange(4), SIMILARITIES), 0.253856, rtol=1e-6, atol=1e-6)


def test_tfa_npairs_multilabel_loss():
    loss = tfa.losses.NpairsMultilabelLoss(name="nml")
    assert loss.name == "nml" and loss.reduction == "none"
    single = np.eye(4, dtype="int64")
    np.testing.assert_allclose(loss(single, SIMILARITIES), 0.253856, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        loss(tf.sparse.from_dense(single), SIMILARITIES), 0.253856, rtol=1e-6, atol=1e-6
    )
    multi = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1]], "int64")
    np.testing.assert_allclose(loss(multi, SIMILARITIES), 1.420522, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        loss(tf.sparse.from_dense(multi), SIMILARITIES), 1.420522, rtol=1e-6, atol=1e-6
    )


def test_npairs_goldens():
    similarities = golden("npairs_loss/random/similarities")
    y = tfa.losses.npairs_loss(golden("npairs_loss/random/labels"), similarities)
    np.testing.assert_allclose(y, golden("npairs_loss/random/y"), rtol=1e-6)
    labels = golden("npairs_multilabel_loss/random/labels")
    y = tfa.losses.npairs_multilabel_loss(labels, similarities)
    np.testing.assert_allclose(y, golden("npairs_multilabel_loss/random/y"), rtol=1e-6)


# --- kappa_loss_test ----------------------------------------------------------------------


def numpy_kappa_loss(y_true, y_pred, weightage="quadratic", epsilon=1e-6):
    """log of observed over chance-expected weighted disagreement (de la Torre et al.)."""
    n, k = y_true.shape
    classes = np.arange(k)
    gap = classes[:, None] - classes[None]
    weights = np.abs(gap) if weightage == "linear" else gap**2
    observed = np.sum(weights[y_true.argmax(axis=1)] * y_pred)
    expected = np.sum(weights * np.outer(y_true.sum(axis=0), y_pred.sum(axis=0))) / n
    return np.log(observed / expected + epsilon)


def kappa_problem(samples, classes, seed):
    rng = np.random.RandomState(seed)
    y_true = np.eye(classes, dtype="int64")[rng.uniform(size=(samples, classes)).argmax(axis=1)]
    y_pred = rng.uniform(size=(samples, classes))
    return y_true, (y_pred / y_pred.sum(axis=1, keepdims=True)).astype("float32")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tfa_weighted_kappa_loss(seed):
    y_true, y_pred = kappa_problem(50, 4, seed)
    loss = tfa.losses.WeightedKappaLoss(num_classes=4, weightage="linear")(y_true, y_pred)
    np.testing.assert_allclose(loss, numpy_kappa_loss(y_true, y_pred, "linear"), 1e-5, 1e-5)
    y_true, y_pred = kappa_problem(100, 3, seed)
    loss = tfa.losses.WeightedKappaLoss(num_classes=3)(y_true, y_pred)
    np.testing.assert_allclose(loss, numpy_kappa_loss(y_true, y_pred), 1e-5, 1e-5)


def test_tfa_weighted_kappa_config():
    loss = tfa.losses.WeightedKappaLoss(4, weightage="linear", name="kappa_loss", epsilon=0.001)
    assert loss.num_classes == 4 and loss.weightage == "linear" and loss.name == "kappa_loss"
    np.testing.assert_allclose(loss.epsilon, 0.001)
    with pytest.raises(ValueError, match="weighting"):
        tfa.losses.WeightedKappaLoss(4, weightage="cubic")


@pytest.mark.parametrize("weightage", ["linear", "quadratic"])
def test_weighted_kappa_goldens(weightage):
    y_true = golden("WeightedKappaLoss.inputs/random/y_true")
    y_pred = golden("WeightedKappaLoss.inputs/random/y_pred")
    loss = tfa.losses.WeightedKappaLoss(5, weightage)(y_true, y_pred)
    np.testing.assert_allclose(loss, golden(f"WeightedKappaLoss/{weightage}/y"), rtol=1e-5)
