"""kerasdl.addons.optimizers against the cases of tfa 0.23's optimizers/tests/
weight_decay_optimizers_test.py, rectified_adam_test.py, lookahead_test.py,
novograd_test.py and yogi_test.py: tfa's NumPy update rules and its expected values.

tfa wrote `lr=`, the tf.keras 2 alias Keras 3 optimizers no longer take; the cases here
write `learning_rate=`.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl.addons as tfa

WEIGHT_DECAY = 0.01
FLOATS = ["float16", "float32", "float64"]


def assert_close_for(dtype, actual, expected):
    tolerance = 1e-3 if dtype == "float16" else 1e-6
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=tolerance, atol=tolerance)


def value(v):
    return v() if callable(v) else v


def adamw_update(param, grad, slots, learning_rate, beta_1, beta_2, epsilon, weight_decay):
    """tfa's NumPy AdamW step: the decay `param * (1 - wd)` is not scaled by the rate."""
    lr, beta1, beta2, eps, wd = map(value, (learning_rate, beta_1, beta_2, epsilon, weight_decay))
    t = slots.get("t", 0) + 1
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    slots["m"] = beta1 * slots.get("m", 0) + (1 - beta1) * grad
    slots["v"] = beta2 * slots.get("v", 0) + (1 - beta2) * grad**2
    slots["t"] = t
    return param * (1 - wd) - lr_t * slots["m"] / (np.sqrt(slots["v"]) + eps), slots


def sgdw_update(param, grad, slots, learning_rate, momentum, weight_decay):
    """tfa's NumPy SGDW step."""
    lr, momentum, wd = map(value, (learning_rate, momentum, weight_decay))
    slots["m"] = momentum * slots.get("m", 0) + grad
    return param * (1 - wd) - lr * slots["m"], slots


ADAMW = dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
SGDW = dict(learning_rate=0.001, momentum=0.9)
CALLABLE_ADAMW = dict(
    learning_rate=lambda: 0.001, beta_1=lambda: 0.9, beta_2=lambda: 0.999, epsilon=1e-8
)
CALLABLE_SGDW = dict(learning_rate=lambda: 0.001, momentum=lambda: 0.9)


def sgd_with_decay(**kwargs):
    return tfa.optimizers.extend_with_decoupled_weight_decay(keras.optimizers.SGD)(**kwargs)


def run_decay_case(dtype, make, update, kwargs, sparse=False, decay_var_list=False, exclude=None):
    """tfa's `do_test`: three steps on two variables against the NumPy rule."""
    var0_np, grads0_np = np.array([1.0, 2.0], dtype), np.array([0.1, 0.1], dtype)
    var1_np, grads1_np = np.array([3.0, 4.0], dtype), np.array([0.01, 0.01], dtype)
    var0, var1 = keras.Variable(var0_np, name="var0_0"), keras.Variable(var1_np, name="var1_0")
    if sparse:
        indices = tf.constant([0, 1])
        grads = [
            tf.IndexedSlices(tf.constant(g), indices, tf.constant([2]))
            for g in (grads0_np, grads1_np)
        ]
    else:
        grads = [tf.constant(grads0_np), tf.constant(grads1_np)]
    extra = {"exclude_from_weight_decay": exclude} if exclude else {}
    kwargs = {"weight_decay": WEIGHT_DECAY, **kwargs}
    optimizer = make(**kwargs, **extra)
    slots0, slots1 = {}, {}
    reference = kwargs
    for _ in range(3):
        decay = {"decay_var_list": [var0, var1]} if decay_var_list else {}
        optimizer.apply_gradients(zip(grads, [var0, var1], strict=True), **decay)
        var0_np, slots0 = update(var0_np, grads0_np, slots0, **reference)
        var1_np, slots1 = update(var1_np, grads1_np, slots1, **reference)
        assert_close_for(dtype, var0, var0_np)
        assert_close_for(dtype, var1, var1_np)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    "case",
    [
        "adamw_basic",
        "adamw_sparse",
        "adamw_callable",
        "adamw_decay_var_list",
        "adamw_decay_var_list_over_exclude",
        "sgdw_basic",
        "sgdw_sparse",
        "sgdw_callable",
        "sgdw_decay_var_list",
        "sgdw_decay_var_list_over_exclude",
        "extended_sgd_basic",
    ],
)
def test_tfa_decoupled_weight_decay_steps(case, dtype):
    name, _, variant = case.partition("_")
    if name == "extended":
        make, update, kwargs = sgd_with_decay, sgdw_update, SGDW
    elif name == "adamw":
        make, update = tfa.optimizers.AdamW, adamw_update
        kwargs = CALLABLE_ADAMW if variant == "callable" else ADAMW
    else:
        make, update = tfa.optimizers.SGDW, sgdw_update
        kwargs = CALLABLE_SGDW if variant == "callable" else SGDW
    if variant == "callable":
        kwargs = {**kwargs, "weight_decay": lambda: WEIGHT_DECAY}
    run_decay_case(
        dtype,
        make,
        update,
        kwargs,
        sparse=variant == "sparse",
        decay_var_list=variant.startswith("decay_var_list"),
        # decay_var_list takes priority over exclude_from_weight_decay, as in tfa.
        exclude=["var0_*", "var1_*"] if variant.endswith("over_exclude") else None,
    )


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    "make",
    [
        lambda: tfa.optimizers.AdamW(weight_decay=WEIGHT_DECAY, **ADAMW),
        lambda: tfa.optimizers.SGDW(weight_decay=WEIGHT_DECAY, **SGDW),
        lambda: sgd_with_decay(weight_decay=WEIGHT_DECAY, **SGDW),
        lambda: tfa.optimizers.Yogi(),
    ],
    ids=["AdamW", "SGDW", "extended_SGD", "Yogi"],
)
def test_tfa_sparse_repeated_indices(make, dtype):
    """An update with a repeated index equals one with the summed gradient."""
    repeated = keras.Variable(np.array([[1.0], [2.0]], dtype))
    aggregated = keras.Variable(np.array([[1.0], [2.0]], dtype))
    repeated_grad = tf.IndexedSlices(
        tf.constant([0.1, 0.1], shape=[2, 1], dtype=dtype), tf.constant([1, 1]), tf.constant([2, 1])
    )
    aggregated_grad = tf.IndexedSlices(
        tf.constant([0.2], shape=[1, 1], dtype=dtype), tf.constant([1]), tf.constant([2, 1])
    )
    repeated_optimizer, aggregated_optimizer = make(), make()
    for _ in range(4):
        repeated_optimizer.apply_gradients([(repeated_grad, repeated)])
        aggregated_optimizer.apply_gradients([(aggregated_grad, aggregated)])
        np.testing.assert_allclose(aggregated, repeated)


@pytest.mark.parametrize("make", [tfa.optimizers.AdamW, tfa.optimizers.SGDW])
def test_tfa_exclude_weight_decay(make):
    optimizer = make(learning_rate=0.0, weight_decay=0.5, exclude_from_weight_decay=["var1"])
    variables = [keras.Variable([1.0], name=n) for n in ("var0", "var1", "var1_weight")]
    optimizer.apply_gradients([(np.zeros(1, "float32"), v) for v in variables])
    decayed = [not np.allclose(v, [1.0]) for v in variables]
    assert decayed == [True, False, False]


@pytest.mark.parametrize(
    "make",
    [
        lambda: tfa.optimizers.AdamW(learning_rate=1e-4, weight_decay=1e-4),
        lambda: tfa.optimizers.AdamW(
            learning_rate=1e-4,
            weight_decay=keras.optimizers.schedules.ExponentialDecay(WEIGHT_DECAY, 10, 0.9),
        ),
        lambda: tfa.optimizers.SGDW(
            learning_rate=1e-2,
            weight_decay=keras.optimizers.schedules.PiecewiseConstantDecay([2], [1e-4, 1e-5]),
        ),
    ],
    ids=["AdamW", "AdamW_schedule", "SGDW_piecewise_schedule"],
)
def test_tfa_keras_fit(make):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=make(), loss=loss, metrics=["accuracy"])
    x, y = np.random.RandomState(0).uniform(size=(2, 4, 1))
    model.fit(x, y, batch_size=1, epochs=1, verbose=0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: tfa.optimizers.AdamW(
            learning_rate=1e-4, weight_decay=1e-4, exclude_from_weight_decay=["var1"]
        ),
        lambda: tfa.optimizers.AdamW(
            learning_rate=1e-4,
            weight_decay=keras.optimizers.schedules.ExponentialDecay(WEIGHT_DECAY, 10, 0.9),
        ),
        lambda: tfa.optimizers.RectifiedAdam(
            learning_rate=1e-3, total_steps=10000, warmup_proportion=0.1, min_lr=1e-5
        ),
        lambda: tfa.optimizers.RectifiedAdam(
            learning_rate=keras.optimizers.schedules.ExponentialDecay(1e-3, 50, 0.5),
            weight_decay=keras.optimizers.schedules.InverseTimeDecay(2e-3, 25, 0.25),
        ),
        lambda: tfa.optimizers.Lookahead("adam", sync_period=10, slow_step_size=0.4),
        lambda: tfa.optimizers.NovoGrad(learning_rate=1e-4, weight_decay=0.0, grad_averaging=False),
        lambda: tfa.optimizers.Yogi(1e-4),
    ],
    ids=[
        "AdamW",
        "AdamW_schedule",
        "RectifiedAdam",
        "RectifiedAdam_schedules",
        "Lookahead",
        "NovoGrad",
        "Yogi",
    ],
)
def test_tfa_serialization(make):
    optimizer = make()
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer)
    assert restored.get_config() == optimizer.get_config()


def test_tfa_get_config():
    config = tfa.optimizers.RectifiedAdam(learning_rate=1e-4).get_config()
    assert config["learning_rate"] == pytest.approx(1e-4) and config["total_steps"] == 0
    config = tfa.optimizers.Lookahead("adam", sync_period=10, slow_step_size=0.4).get_config()
    assert config["sync_period"] == 10 and config["slow_step_size"] == 0.4
    config = tfa.optimizers.NovoGrad(
        learning_rate=1e-4, weight_decay=0.0, grad_averaging=False
    ).get_config()
    assert config["learning_rate"] == pytest.approx(1e-4)
    assert config["weight_decay"] == 0.0 and config["grad_averaging"] is False
    assert tfa.optimizers.Yogi(1e-4).get_config()["learning_rate"] == pytest.approx(1e-4)


# --- RectifiedAdam: tfa's expected values ------------------------------------------------


def steps(optimizer, grads, variables, iterations):
    """`iterations` steps: the first eagerly (it builds the slots), the rest in a graph."""
    if iterations == 0:
        return
    optimizer.apply_gradients(zip(grads, variables, strict=True))

    @tf.function
    def step():
        optimizer.apply_gradients(zip(grads, variables, strict=True))

    for _ in range(iterations - 1):
        step()


def run_sample(optimizer, iterations, sparse, grads=((0.1, 0.2), (0.03, 0.04)), dtype="float32"):
    variables = [keras.Variable(np.array(v, dtype)) for v in ([1.0, 2.0], [3.0, 4.0])]
    if sparse:
        grads = [
            tf.IndexedSlices(tf.constant([g], dtype), tf.constant([i]), tf.constant([2]))
            for i, g in enumerate(grads)
        ]
    else:
        grads = [tf.constant(g, dtype) for g in grads]
    steps(optimizer, grads, variables, iterations)
    return [np.asarray(v) for v in variables]


RADAM_CASES = {
    "dense": (100, False, {}, [[0.985769, 1.985269], [2.986119, 3.986068]]),
    "sparse": (200, True, {}, [[0.959333, 2.0], [3.0, 3.959632]]),
    "dense_amsgrad": (100, False, {"amsgrad": True}, [[0.985769, 1.985269], [2.986119, 3.986068]]),
    "sparse_amsgrad": (200, True, {"amsgrad": True}, [[0.959333, 2.0], [3.0, 3.959632]]),
    "dense_weight_decay": (
        100,
        False,
        {"weight_decay": 0.01},
        [[0.984775, 1.983276], [2.983125, 3.982076]],
    ),
    "sparse_weight_decay": (200, True, {"weight_decay": 0.01}, [[0.957368, 2.0], [3.0, 3.951673]]),
    "dense_warmup": (
        100,
        False,
        {"total_steps": 100, "warmup_proportion": 0.1, "min_lr": 1e-5},
        [[0.994062, 1.993912], [2.994167, 3.994152]],
    ),
    "sparse_warmup": (
        200,
        True,
        {"total_steps": 200, "warmup_proportion": 0.1, "min_lr": 1e-5},
        [[0.982629, 2.0], [3.0, 3.982674]],
    ),
}


@pytest.mark.parametrize("case", list(RADAM_CASES))
def test_tfa_rectified_adam(case):
    iterations, sparse, kwargs, expected = RADAM_CASES[case]
    optimizer = tfa.optimizers.RectifiedAdam(learning_rate=1e-3, **kwargs)
    grads = ((0.1,), (0.04,)) if sparse else ((0.1, 0.2), (0.03, 0.04))
    grads = (0.1, 0.04) if sparse else grads
    result = run_sample(optimizer, iterations, sparse, grads)
    np.testing.assert_allclose(result, expected, atol=2e-4)


@pytest.mark.parametrize(
    "sparse, iterations, expected",
    [
        (False, 100, [[0.993126, 1.992901], [2.993283, 3.993261]]),
        (True, 150, [[0.988156, 2.0], [3.0, 3.988291]]),
    ],
)
def test_tfa_rectified_adam_with_lookahead(sparse, iterations, expected):
    optimizer = tfa.optimizers.Lookahead(
        tfa.optimizers.RectifiedAdam(learning_rate=1e-3, beta_1=0.95),
        sync_period=6,
        slow_step_size=0.45,
    )
    grads = (0.1, 0.04) if sparse else ((0.1, 0.2), (0.03, 0.04))
    np.testing.assert_allclose(
        run_sample(optimizer, iterations, sparse, grads), expected, atol=2e-4
    )


def test_tfa_rectified_adam_schedulers():
    optimizer = tfa.optimizers.RectifiedAdam(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(1e-3, 50, 0.5),
        weight_decay=keras.optimizers.schedules.InverseTimeDecay(2e-3, 25, 0.25),
    )
    expected = [[0.993192, 1.992625], [2.993369, 3.993239]]
    np.testing.assert_allclose(run_sample(optimizer, 100, False), expected, atol=2e-4)


def test_tfa_rectified_adam_checkpoint(tmp_path):
    first, second = tfa.optimizers.RectifiedAdam(), tfa.optimizers.RectifiedAdam()
    run_sample(first, 1, False)
    run_sample(second, 0, False)
    path = str(tmp_path / "rectified_adam_chkpt")
    tf.train.Checkpoint(optimizer=first).write(path)
    tf.train.Checkpoint(optimizer=second).read(path)
    run_sample(second, 1, False)


# --- Lookahead ----------------------------------------------------------------------------


def lookahead_sample(optimizer, iterations, sparse):
    random = np.random.RandomState(0x2019)
    initial = [random.random_sample((2,)), random.random_sample((2,))]
    variables = [keras.Variable(v.astype("float32")) for v in initial]
    if sparse:
        grads = [
            tf.IndexedSlices(
                tf.constant([random.standard_normal()], tf.float32),
                tf.constant([i]),
                tf.constant([2]),
            )
            for i in range(2)
        ]
    else:
        grads = [tf.constant(random.standard_normal((2,)), tf.float32) for _ in range(2)]
    steps(optimizer, grads, variables, iterations)
    return initial, [np.asarray(v) for v in variables]


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("k", [5, 10, 100])
def test_tfa_lookahead_exact_ratio(k, sparse):
    for alpha in (0.3, 0.7):
        initial, fast = lookahead_sample(keras.optimizers.get("adam"), k, sparse)
        optimizer = tfa.optimizers.Lookahead("adam", sync_period=k, slow_step_size=alpha)
        _, slow = lookahead_sample(optimizer, k, sparse)
        for start, quick, result in zip(initial, fast, slow, strict=True):
            np.testing.assert_allclose(
                result, start + (quick - start) * alpha, rtol=1e-6, atol=1e-6
            )


def test_tfa_lookahead_model_dynamic_lr():
    model = keras.Sequential(
        [keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="ones", use_bias=False)]
    )
    optimizer = tfa.optimizers.Lookahead("adam", sync_period=10, slow_step_size=0.4)
    optimizer.apply_gradients([(np.array([[0.1]], "float32"), model.variables[0])])
    np.testing.assert_allclose(optimizer.learning_rate, 1e-3)
    optimizer.learning_rate = 1e-4
    np.testing.assert_allclose(optimizer.learning_rate, 1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
def test_tfa_lookahead_fit_simple_linear_model(policy):
    random = np.random.RandomState(0x2019)
    x = random.standard_normal((10000, 3))
    w = random.standard_normal((3, 1))
    y = x @ w + random.standard_normal((10000, 1)) * 1e-4
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(tfa.optimizers.Lookahead("sgd"), loss="mse")
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    model.fit(x, y, epochs=3, verbose=0)
    x = random.standard_normal((100, 3))
    error = np.max(np.abs(model.predict(x, verbose=0) - x @ w))
    assert error < (2.3e-3 if policy == "mixed_float16" else 1e-3)


# --- NovoGrad -----------------------------------------------------------------------------

NOVOGRAD_CASES = {
    "dense": (1, False, {}, [[0.9552786425, 1.9105572849], [2.9400000012, 3.9200000016]]),
    "dense_weight_decay": (
        1,
        False,
        {"weight_decay": 0.1},
        [[0.945278642, 1.8905572849], [2.9100000012, 3.8800000016]],
    ),
    "dense_grad_averaging": (
        2,
        False,
        {"grad_averaging": True},
        [[0.9105572849, 1.8211145698], [2.8800000024, 3.8400000032]],
    ),
    "sparse": (2, True, {}, [[0.71, 2.0], [3.0, 3.71]]),
    "sparse_weight_decay": (2, True, {"weight_decay": 0.1}, [[0.6821, 2.0], [3.0, 3.5954]]),
    "sparse_grad_averaging": (2, True, {"grad_averaging": True}, [[0.8, 2.0], [3.0, 3.8]]),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", list(NOVOGRAD_CASES))
def test_tfa_novograd(case, dtype):
    iterations, sparse, kwargs, expected = NOVOGRAD_CASES[case]
    optimizer = tfa.optimizers.NovoGrad(learning_rate=0.1, epsilon=1e-8, **kwargs)
    grads = (0.1, 0.4) if sparse else ((0.1, 0.2), (0.3, 0.4))
    result = run_sample(optimizer, iterations, sparse, grads, dtype)
    np.testing.assert_allclose(result, expected, atol=2e-4 if not sparse else 1e-6, rtol=1e-6)


# --- Yogi ---------------------------------------------------------------------------------


def yogi_update(param, grad, t, m, v, alpha=0.01, beta1=0.9, beta2=0.999, eps=1e-3, l1=0.0, l2=0.0):
    """tfa's NumPy Yogi step (Zaheer et al. 2018, Algorithm 2) with its proximal L1/L2."""
    beta1, beta2 = np.array(beta1, param.dtype), np.array(beta2, param.dtype)
    alpha_t = alpha * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    m = beta1 * m + (1 - beta1) * grad
    v = v - (1 - beta2) * np.sign(v - grad * grad) * grad * grad
    per_coord_lr = alpha_t / (np.sqrt(v) + eps)
    param = param - per_coord_lr * m
    if l1 > 0:
        param = (param - l1 * per_coord_lr * np.sign(param)) / (1 + l2 * per_coord_lr)
        param[np.abs(param) < l1 * per_coord_lr] = 0.0
    elif l2 > 0:
        param = param / (1 + l2 * per_coord_lr)
    return param, m, v


YOGI_CASES = [
    # (case, beta1, l1, l2, sparse); tfa ran the last two dense only.
    *[
        (case, beta1, l1, l2, sparse)
        for case, beta1, l1, l2 in [
            ("basic", 0.0, 0.0, 0.0),
            ("regularization", 0.0, 0.1, 0.2),
            ("momentum", 0.9, 0.0, 0.0),
            ("momentum_regularization", 0.9, 0.1, 0.2),
        ]
        for sparse in (False, True)
    ],
    ("tensor_learning_rate", 0.9, 0.0, 0.0, False),
    ("sharing", 0.9, 0.0, 0.0, False),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    "case, beta1, l1, l2, sparse",
    YOGI_CASES,
    ids=[f"{c[0]}-{'sparse' if c[4] else 'dense'}" for c in YOGI_CASES],
)
def test_tfa_yogi(case, beta1, l1, l2, sparse, dtype):
    var_np = [np.array([1.0, 2.0], dtype), np.array([3.0, 4.0], dtype)]
    grads_np = [np.array([0.1, 0.1], dtype), np.array([0.01, 0.01], dtype)]
    variables = [keras.Variable(v) for v in var_np]
    if sparse:
        grads = [
            tf.IndexedSlices(tf.constant(g), tf.constant([0, 1]), tf.constant([2]))
            for g in grads_np
        ]
    else:
        grads = [tf.constant(g) for g in grads_np]
    # Keras 3 takes a tensor learning rate as a callable returning it.
    learning_rate = (lambda: tf.constant(0.01)) if case == "tensor_learning_rate" else 0.01
    optimizer = tfa.optimizers.Yogi(
        learning_rate,
        beta1=beta1,
        l1_regularization_strength=l1,
        l2_regularization_strength=l2,
        initial_accumulator_value=1.0,
    )
    moments = [(0.0, 1.0), (0.0, 1.0)]
    for t in range(1, 4):
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        for i in range(2):
            var_np[i], m, v = yogi_update(
                var_np[i], grads_np[i], t, *moments[i], beta1=beta1, l1=l1, l2=l2
            )
            moments[i] = (m, v)
            assert_close_for(dtype, variables[i], var_np[i])


@pytest.mark.slow
def test_tfa_novograd_fit_simple_linear_model():
    random = np.random.RandomState(0x2020)
    x = random.standard_normal((100000, 3))
    w = random.standard_normal((3, 1))
    y = x @ w + random.standard_normal((100000, 1)) * 1e-5
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(tfa.optimizers.NovoGrad(), loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    x = random.standard_normal((100, 3))
    assert np.max(np.abs(model.predict(x, verbose=0) - x @ w)) < 1e-2
