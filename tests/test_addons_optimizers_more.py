"""kerasdl.addons.optimizers' LazyAdam, AdaBelief, ProximalAdagrad, COCOB, ConditionalGradient
and cyclical learning-rate schedules against tfa 0.23 (issue 20). References:
`tests/data/addons_optimizer_goldens.npz`, written by
`tests/data/make_addons_optimizer_goldens.py`; its problems are those of
`optimizer_goldens.npz` (sparse gradients with repeated indices, a dense least-squares fit)."""

import copy
import inspect
import json
import pathlib
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
import trajectories

import kerasdl
import kerasdl.addons as tfa

DATA = pathlib.Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))  # the cases the goldens were written for
import addons_optimizer_cases  # noqa: E402

opt = tfa.optimizers
TOLERANCE = dict(rtol=1e-4, atol=1e-5)  # as tests/test_optimizers_sparse.py


def exponential(initial):
    return keras.optimizers.schedules.ExponentialDecay(initial, decay_steps=5, decay_rate=0.5)


# Registered, so that a saved schedule that uses it loads.
inverse_step = keras.saving.register_keras_serializable(package="kerasdl_tests")(
    addons_optimizer_cases.inverse_step
)


# make_addons_optimizer_goldens.py's cases, built from kerasdl's classes.
SCHEDULES = addons_optimizer_cases.schedules(opt, inverse_step)
OPTIMIZERS = addons_optimizer_cases.optimizers(opt, exponential, steps=20)
VECTOR_CASES = addons_optimizer_cases.VECTOR_CASES


@pytest.fixture(scope="module")
def goldens():
    return np.load(DATA / "addons_optimizer_goldens.npz")


@pytest.fixture(scope="module")
def problems():
    return np.load(DATA / "optimizer_goldens.npz")


def dense_trajectory(optimizer, data, steps=20):
    return trajectories.dense_trajectory(
        optimizer, data["dense_inputs"], data["dense_targets"], data["dense_w0"], steps
    )


def vector_trajectory(optimizer, data, steps=20):
    v, s = keras.Variable(data["vector_v0"]), keras.Variable(data["vector_s0"])
    target, weight = data["vector_target"], data["vector_weight"]
    out = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(weight * tf.square(v.value - target))
            loss += 3.0 * tf.square(s.value - 1.5)
        gradients = tape.gradient(loss, [v.value, s.value])
        optimizer.apply_gradients(zip(gradients, [v, s], strict=True))
        out.append(np.concatenate([v.numpy(), [s.numpy()]]))
    return np.stack(out)


def test_goldens_cover_every_case(goldens, problems):
    for name in OPTIMIZERS:
        assert f"sparse_{name}" in goldens and f"dense_{name}" in goldens
    assert {f"vector_{name}" for name in VECTOR_CASES} <= set(goldens)
    assert {f"schedule_{name}" for name in SCHEDULES} <= set(goldens)
    indices = problems["sparse_indices"]
    assert any(len(set(row)) < len(row) for row in indices)  # repeated rows


@pytest.mark.parametrize("case", sorted(OPTIMIZERS))
def test_sparse_trajectory_matches_tfa(goldens, problems, case):
    got = trajectories.sparse_trajectory(OPTIMIZERS[case](), problems)
    np.testing.assert_allclose(got, goldens[f"sparse_{case}"], **TOLERANCE)


@pytest.mark.parametrize("case", sorted(OPTIMIZERS))
def test_dense_trajectory_matches_tfa(goldens, problems, case):
    got = dense_trajectory(OPTIMIZERS[case](), problems)
    np.testing.assert_allclose(got, goldens[f"dense_{case}"], **TOLERANCE)


@pytest.mark.parametrize("case", VECTOR_CASES)
def test_vector_and_scalar_trajectory_matches_tfa(goldens, case):
    got = vector_trajectory(OPTIMIZERS[case](), goldens)
    np.testing.assert_allclose(got, goldens[f"vector_{case}"], **TOLERANCE)


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_schedule_values_match_tfa(goldens, case):
    schedule = SCHEDULES[case]()
    steps = range(len(goldens[f"schedule_{case}"]))  # 0..40, several cycles
    for key, step_of in [
        (f"schedule_{case}", lambda s: np.float32(s)),
        (f"schedule_int_{case}", int),
        (f"schedule_{case}", lambda s: keras.ops.convert_to_tensor(s, "int64")),
    ]:
        got = [float(schedule(step_of(step))) for step in steps]
        np.testing.assert_allclose(got, goldens[key], **TOLERANCE)


# --- signatures, configs, saving ----------------------------------------------------------

TFA_CLASSES = {
    "LazyAdam": lambda: opt.LazyAdam(),
    "AdaBelief": lambda: opt.AdaBelief(),
    "ProximalAdagrad": lambda: opt.ProximalAdagrad(),
    "COCOB": lambda: opt.COCOB(),
    "ConditionalGradient": lambda: opt.ConditionalGradient(0.1),
    "CyclicalLearningRate": lambda: opt.CyclicalLearningRate(0.1, 0.5, 3, inverse_step),
    "TriangularCyclicalLearningRate": lambda: opt.TriangularCyclicalLearningRate(0.1, 0.5, 3),
    "Triangular2CyclicalLearningRate": lambda: opt.Triangular2CyclicalLearningRate(0.1, 0.5, 3),
    "ExponentialCyclicalLearningRate": lambda: opt.ExponentialCyclicalLearningRate(0.1, 0.5, 3),
}


@pytest.mark.parametrize("name", sorted(TFA_CLASSES))
def test_arguments_and_config_keys_are_tfa_s(goldens, name):
    reference = json.loads(str(goldens["signatures"]))[name]
    parameters = inspect.signature(getattr(opt, name).__init__).parameters.values()
    arguments = [
        [p.name, "<required>" if p.default is inspect.Parameter.empty else p.default]
        for p in parameters
        if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    assert arguments == reference["arguments"]
    # tf.keras 2's `decay` (inverse-time decay of the learning rate) is not in Keras 3.
    assert set(reference["config"]) - {"decay"} <= set(TFA_CLASSES[name]().get_config())


def test_kerasdl_native_names_are_the_addons_classes():
    assert kerasdl.optimizers.LazyAdam is opt.LazyAdam
    assert kerasdl.optimizers.AdaBelief is opt.AdaBelief
    for name in (
        "CyclicalLearningRate",
        "TriangularCyclicalLearningRate",
        "Triangular2CyclicalLearningRate",
        "ExponentialCyclicalLearningRate",
    ):
        assert getattr(kerasdl.schedules, name) is getattr(opt, name)
        assert issubclass(getattr(opt, name), keras.optimizers.schedules.LearningRateSchedule)
    assert isinstance(kerasdl.optimizers.get("lazy_adam", learning_rate=0.1), opt.LazyAdam)
    assert isinstance(kerasdl.optimizers.get("AdaBelief"), opt.AdaBelief)
    assert isinstance(kerasdl.optimizers.get("lookahead_adabelief").inner_optimizer, opt.AdaBelief)


@pytest.mark.parametrize("case", sorted(set(OPTIMIZERS) - {"conditional_gradient_callable"}))
def test_optimizer_config_round_trip(problems, case):
    optimizer = OPTIMIZERS[case]()
    config = optimizer.get_config()
    clone = type(optimizer).from_config(copy.deepcopy(config))  # Keras' edits its argument
    assert clone.get_config() == config
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer) and restored.get_config() == config
    np.testing.assert_array_equal(
        dense_trajectory(restored, problems, steps=3), dense_trajectory(optimizer, problems, 3)
    )


def test_callable_lambda_is_saved_by_value_as_tfa():
    config = opt.ConditionalGradient(0.5, lambda_=lambda: 0.2).get_config()
    assert config["lambda_"] == pytest.approx(0.2)
    assert opt.ConditionalGradient.from_config(config).get_config() == config


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_schedule_config_round_trip(case):
    schedule = SCHEDULES[case]()
    config = schedule.get_config()
    for restored in (
        type(schedule).from_config(config),
        keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule)),
    ):
        assert type(restored) is type(schedule) and restored.get_config() == config
        steps = np.arange(0, 30, dtype="float32")
        np.testing.assert_array_equal(
            [float(restored(s)) for s in steps], [float(schedule(s)) for s in steps]
        )


def _model():
    index = keras.Input((2,), dtype="int32")
    features = keras.Input((3,))
    rows = keras.layers.Flatten()(keras.layers.Embedding(6, 3)(index))
    hidden = keras.layers.Concatenate()([rows, features])
    return keras.Model([index, features], keras.layers.Dense(1)(hidden))


SAVED = {
    "lazy_adam_cyclical": OPTIMIZERS["lazy_adam_cyclical"],
    "adabelief_schedules": lambda: opt.AdaBelief(
        learning_rate=opt.ExponentialCyclicalLearningRate(1e-3, 1e-2, 2, gamma=0.9),
        weight_decay=exponential(0.01),
        amsgrad=True,
        total_steps=10,
    ),
    "proximal_adagrad": OPTIMIZERS["proximal_adagrad_l1_l2"],
    "cocob": OPTIMIZERS["cocob_alpha"],
    "conditional_gradient": lambda: opt.ConditionalGradient(
        opt.CyclicalLearningRate(0.5, 0.9, 2, scale_fn=inverse_step), lambda_=0.5
    ),
}


@pytest.mark.parametrize("case", sorted(SAVED))
def test_optimizer_state_survives_keras_file(tmp_path, case):
    rng = np.random.default_rng(0)
    x = [rng.integers(0, 6, size=(16, 2)).astype("int32"), rng.normal(size=(16, 3))]
    y = rng.normal(size=(16, 1))
    keras.utils.set_random_seed(0)
    model = _model()
    model.compile(optimizer=SAVED[case](), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for m in (model, loaded):  # the restored slots and step count carry on the same way
        m.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# --- behaviour ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, jit_compile",
    [("lazy_adam_cyclical", False), ("lazy_adam", True), ("adabelief", True)],
)
def test_fit_with_embedding_matches_tfa(goldens, problems, case, jit_compile):
    table = trajectories.fit_embedding(OPTIMIZERS[case](), problems, jit_compile)
    np.testing.assert_allclose(table, goldens[f"sparse_{case}"][-1], **TOLERANCE)


def test_lazy_adam_leaves_absent_rows_and_their_moments_alone():
    optimizer = opt.LazyAdam(learning_rate=0.1)
    table = keras.Variable(np.ones((3, 2), "float32"))
    seen_once = tf.IndexedSlices(tf.ones((2, 2)), tf.constant([0, 1]), tf.constant([3, 2]))
    row_0 = tf.IndexedSlices(tf.ones((1, 2)), tf.constant([0]), tf.constant([3, 2]))
    optimizer.apply_gradients([(seen_once, table)])
    after_first = table.numpy()
    m, v = optimizer._momentums[0], optimizer._velocities[0]
    moments_row_1 = m.numpy()[1], v.numpy()[1]
    for _ in range(3):
        optimizer.apply_gradients([(row_0, table)])
    assert np.all(table.numpy()[1] == after_first[1]) and np.all(table.numpy()[2] == 1.0)
    assert np.all(m.numpy()[1] == moments_row_1[0]) and np.all(v.numpy()[1] == moments_row_1[1])
    assert np.all(m.numpy()[2] == 0.0) and not np.allclose(table.numpy()[0], after_first[0])


def test_cocob_sparse_step_equals_the_dense_step():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(4, 2)).astype("float32")
    sparse = tf.IndexedSlices(tf.constant(values), tf.constant([3, 0, 3, 1]), tf.constant([5, 2]))
    got = []
    for gradient in (sparse, tf.convert_to_tensor(sparse)):
        optimizer, variable = opt.COCOB(), keras.Variable(np.ones((5, 2), "float32"))
        for _ in range(3):
            optimizer.apply_gradients([(gradient, variable)])
        got.append([variable.numpy()] + [s.numpy() for s in optimizer.variables[2:]])
    for sparse_result, dense_result in zip(*got, strict=True):
        np.testing.assert_allclose(sparse_result, dense_result, rtol=1e-6, atol=1e-7)


def test_schedule_passed_as_learning_rate_steps_with_the_optimizer():
    # SGD on a unit gradient moves each step by the rate at the step before it.
    schedule = kerasdl.schedules.Triangular2CyclicalLearningRate(0.01, 0.1, step_size=2)
    variable = keras.Variable(np.zeros(1, "float32"))
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    moves = []
    for _ in range(10):
        before = variable.numpy()[0]
        optimizer.apply_gradients([(np.ones(1, "float32"), variable)])
        moves.append(before - variable.numpy()[0])
    np.testing.assert_allclose(moves, [float(schedule(s)) for s in range(10)], rtol=1e-5)
    assert float(optimizer.learning_rate) == pytest.approx(float(schedule(10)))


def test_schedule_in_a_compiled_model_fits_and_reloads(tmp_path):
    schedule = kerasdl.schedules.ExponentialCyclicalLearningRate(1e-3, 1e-2, 3, gamma=0.95)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    model.fit(x, x[:, :1], batch_size=4, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert float(loaded.optimizer.learning_rate) == pytest.approx(float(schedule(4)))


def test_invalid_arguments_raise_as_tfa():
    with pytest.raises(ValueError, match="alpha"):
        opt.COCOB(alpha=0.5)
    with pytest.raises(ValueError, match="ord"):
        opt.ConditionalGradient(0.1, ord="spectral")
    for argument in (
        "initial_accumulator_value",
        "l1_regularization_strength",
        "l2_regularization_strength",
    ):
        with pytest.raises(ValueError, match=argument):
            opt.ProximalAdagrad(**{argument: -0.1})
    with pytest.raises(ValueError, match="rank <= 2"):
        opt.ConditionalGradient(0.1, ord="nuclear").build([keras.Variable(np.ones((2, 2, 2)))])
    with pytest.raises(ValueError, match="scale_mode"):
        opt.TriangularCyclicalLearningRate(0.1, 0.5, 3, scale_mode="epoch")


# --- cases of tfa 0.23's optimizers/tests/{lazy_adam,adabelief,proximal_adagrad,cocob,
# conditional_gradient,cyclical_learning_rate}_test.py: tfa's NumPy rules and expected values
# (tfa wrote `lr=`; Keras 3 takes `learning_rate=`).

FLOATS = ["float16", "float32", "float64"]


def assert_close_for(dtype, actual, expected):
    tolerance = 1e-3 if dtype == "float16" else 1e-6
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=tolerance, atol=tolerance)


def steps(optimizer, grads, variables, iterations):
    """`iterations` steps: the first eagerly (it builds the slots), the rest in a graph."""
    optimizer.apply_gradients(zip(grads, variables, strict=True))

    @tf.function
    def step():
        optimizer.apply_gradients(zip(grads, variables, strict=True))

    for _ in range(iterations - 1):
        step()


def sample(optimizer, iterations, grads, sparse, initial=((1.0, 2.0), (3.0, 4.0))):
    """tfa's `run_dense_sample`/`run_sparse_sample`: sparse grads are one value per
    variable, at index 0 for the first and 1 for the second."""
    variables = [keras.Variable(np.array(v, "float32")) for v in initial]
    if sparse:
        grads = [
            tf.IndexedSlices(tf.constant([g], tf.float32), tf.constant([i]), tf.constant([2]))
            for i, g in enumerate(grads)
        ]
    else:
        grads = [tf.constant(g, tf.float32) for g in grads]
    steps(optimizer, grads, variables, iterations)
    return [v.numpy() for v in variables]


def adam_update(param, g, t, m, v, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7):
    """tfa's NumPy Adam step (lazy_adam_test.py)."""
    lr_t = lr * np.sqrt(1 - beta2 ** (t + 1)) / (1 - beta1 ** (t + 1))
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return param - lr_t * m / (np.sqrt(v) + epsilon), m, v


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", ["sparse", "basic", "basic_callable", "tensor_learning_rate"])
def test_tfa_lazy_adam(case, dtype):
    if case == "sparse":  # three coordinates, the middle one absent from the gradient
        var_np = [np.array([1.0, 1.0, 2.0], dtype), np.array([3.0, 3.0, 4.0], dtype)]
        grads_np = [np.array([0.1, 0.0, 0.1], dtype), np.array([0.01, 0.0, 0.01], dtype)]
    else:
        var_np = [np.array([1.0, 2.0], dtype), np.array([3.0, 4.0], dtype)]
        grads_np = [np.array([0.1, 0.1], dtype), np.array([0.01, 0.01], dtype)]
    variables = [keras.Variable(v) for v in var_np]
    if case == "sparse":
        indices = np.array([0, 2], "int32")
        grads = [
            tf.IndexedSlices(tf.constant(g[indices]), tf.constant(indices), tf.constant([3]))
            for g in grads_np
        ]
    else:
        grads = [tf.constant(g) for g in grads_np]
    learning_rate = {
        "basic_callable": lambda: 0.001,
        "tensor_learning_rate": lambda: tf.constant(0.001),  # Keras 3: a callable
    }.get(case, 0.001)
    optimizer = opt.LazyAdam(learning_rate=learning_rate)
    moments = [(0.0, 0.0), (0.0, 0.0)]
    for t in range(3):
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        for i in range(2):
            var_np[i], *moments[i] = adam_update(var_np[i], grads_np[i], t, *moments[i])
            assert_close_for(dtype, variables[i], var_np[i])


@pytest.mark.parametrize("dtype", FLOATS)
def test_tfa_lazy_adam_sparse_repeated_indices(dtype):
    repeated = keras.Variable(np.array([[1.0], [2.0]], dtype))
    aggregated = keras.Variable(np.array([[1.0], [2.0]], dtype))
    repeated_grad = tf.IndexedSlices(
        tf.constant([0.1, 0.1], shape=[2, 1], dtype=dtype), tf.constant([1, 1]), tf.constant([2, 1])
    )
    aggregated_grad = tf.IndexedSlices(
        tf.constant([0.2], shape=[1, 1], dtype=dtype), tf.constant([1]), tf.constant([2, 1])
    )
    repeated_optimizer, aggregated_optimizer = opt.LazyAdam(), opt.LazyAdam()
    for _ in range(3):
        repeated_optimizer.apply_gradients([(repeated_grad, repeated)])
        aggregated_optimizer.apply_gradients([(aggregated_grad, aggregated)])
        np.testing.assert_allclose(aggregated.numpy(), repeated.numpy())


@pytest.mark.parametrize("index_dtype", ["int32", "int64"])
def test_tfa_lazy_adam_sparse_index_dtypes(index_dtype):
    variable = keras.Variable(np.array([[1.0], [2.0]], "float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(variable.value, tf.constant([0, 1], index_dtype)))
    gradient = tape.gradient(loss, variable.value)
    assert isinstance(gradient, tf.IndexedSlices)
    opt.LazyAdam(3.0).apply_gradients([(gradient, variable)])
    np.testing.assert_allclose(variable.numpy(), [[-1.9999905], [-0.99999046]], rtol=1e-6)


ADABELIEF_CASES = {
    # case: (iterations, sparse, arguments, expected). tfa's "dense_sample_with_rectify"
    # runs the sparse sample; its "sparse_sample_with_rectify" expects RAdam's values,
    # which tfa 0.23's AdaBelief does not give (checked with tfa 0.23: the ones here).
    "dense": (100, False, {}, [[0.66723955, 1.6672393], [2.6672382, 3.6672382]]),
    "sparse": (200, True, {}, [[0.0538936, 2.0], [3.0, 3.0538926]]),
    "dense_amsgrad": (
        100,
        False,
        {"amsgrad": True},
        [[0.67249274, 1.6724932], [2.6724923, 3.6724923]],
    ),
    "sparse_amsgrad": (200, True, {"amsgrad": True}, [[0.09575394, 2.0], [3.0, 3.0957537]]),
    "dense_weight_decay": (
        100,
        False,
        {"weight_decay": 0.01},
        [[0.66637343, 1.6653734], [2.6643748, 3.6633751]],
    ),
    "sparse_weight_decay": (
        200,
        True,
        {"weight_decay": 0.01},
        [[0.05264655, 2.0], [3.0, 3.0466535]],
    ),
    "dense_warmup": (
        100,
        False,
        {"total_steps": 100, "warmup_proportion": 0.1, "min_lr": 1e-5},
        [[0.85635465, 1.8563547], [2.8563545, 3.8563545]],
    ),
    "sparse_warmup": (
        200,
        True,
        {"total_steps": 100, "warmup_proportion": 0.1, "min_lr": 1e-5},
        [[0.8502214, 2.0], [3.0, 3.85022]],
    ),
    "sparse_rectify": (200, True, {"rectify": True}, [[0.7836679, 2.0], [3.0, 3.7839665]]),
}


@pytest.mark.parametrize("case", sorted(ADABELIEF_CASES))
def test_tfa_adabelief(case):
    iterations, sparse, arguments, expected = ADABELIEF_CASES[case]
    arguments = {"rectify": False, **arguments}
    optimizer = opt.AdaBelief(learning_rate=1e-3, **arguments)
    grads = (0.1, 0.04) if sparse else ((0.1, 0.2), (0.03, 0.04))
    np.testing.assert_allclose(sample(optimizer, iterations, grads, sparse), expected, atol=2e-4)


@pytest.mark.parametrize(
    "sparse, iterations, expected",
    [
        (False, 100, [[0.88910455, 1.889104], [2.8891046, 3.8891046]]),
        (True, 150, [[0.8114481, 2.0], [3.0, 3.8114486]]),
    ],
)
def test_tfa_adabelief_with_lookahead(sparse, iterations, expected):
    optimizer = opt.Lookahead(
        opt.AdaBelief(learning_rate=1e-3, beta_1=0.95, rectify=False),
        sync_period=6,
        slow_step_size=0.45,
    )
    grads = (0.1, 0.04) if sparse else ((0.1, 0.2), (0.03, 0.04))
    np.testing.assert_allclose(sample(optimizer, iterations, grads, sparse), expected, atol=2e-4)


def test_tfa_adabelief_schedules_and_config():
    lr_scheduler = keras.optimizers.schedules.ExponentialDecay(1e-3, 50, 0.5)
    wd_scheduler = keras.optimizers.schedules.InverseTimeDecay(2e-3, 25, 0.25)
    optimizer = opt.AdaBelief(learning_rate=lr_scheduler, weight_decay=wd_scheduler, rectify=False)
    expected = [[0.84216374, 1.8420818], [2.8420012, 3.841918]]
    got = sample(optimizer, 100, ((0.1, 0.2), (0.03, 0.04)), sparse=False)
    np.testing.assert_allclose(got, expected, atol=2e-4)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    config = restored.get_config()
    assert config == optimizer.get_config()
    for key, schedule in [("learning_rate", lr_scheduler), ("weight_decay", wd_scheduler)]:
        assert config[key]["class_name"] == type(schedule).__name__
        assert config[key]["config"] == schedule.get_config()
    config = opt.AdaBelief(learning_rate=1e-4).get_config()
    assert config["learning_rate"] == pytest.approx(1e-4) and config["total_steps"] == 0


PROXIMAL_ADAGRAD_CASES = {
    "none": (
        {},
        [[-6.722771, -9.230448], [3.0539124, 1.1230775]],
        [[-6.722771, 2.0], [4.0, 1.1230775]],
    ),
    "l1": (
        {"l1_regularization_strength": 0.001},
        [[-6.663634, -9.190331], [2.9593036, 1.0292315]],
        [[-6.663634, 2.0], [4.0, 1.0292315]],
    ),
    "l1_l2": (
        {"l1_regularization_strength": 0.001, "l2_regularization_strength": 2.0},
        [[-0.0495, -0.0995], [-0.0045, -0.0095]],
        [[-0.0495, 2.0], [4.0, -0.0095]],
    ),
}


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("case", sorted(PROXIMAL_ADAGRAD_CASES))
def test_tfa_proximal_adagrad(case, sparse):
    arguments, dense_expected, sparse_expected = PROXIMAL_ADAGRAD_CASES[case]
    optimizer = opt.ProximalAdagrad(learning_rate=3.0, initial_accumulator_value=0.1, **arguments)
    grads = (0.1, 0.02) if sparse else ((0.1, 0.2), (0.01, 0.02))
    got = sample(optimizer, 10, grads, sparse, initial=((1.0, 2.0), (4.0, 3.0)))
    expected = sparse_expected if sparse else dense_expected
    np.testing.assert_allclose(got, expected, rtol=1e-7)  # tfa's tolerance


@pytest.mark.parametrize(
    "alpha, iterations, expected",
    [
        (100, 100, [[-4.183396e16, -4.183396e16], [-4.1833639e16, -4.1833858e16]]),
        (20, 100, [[-8.60311e26, -8.60311e26], [-8.603111e26, -8.603099e26]]),
        (55.7, 78, [[-6.7280056e15, -6.7280056e15], [-6.7279933e15, -6.7280217e15]]),
    ],
)
def test_tfa_cocob(alpha, iterations, expected):
    got = sample(opt.COCOB(alpha), iterations, ((0.1, 0.2), (0.03, 0.04)), sparse=False)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def _top_singular_vector(matrix):
    """tfa's `_top_singular_vector` in NumPy (rank 1 read as a 1 x n row)."""
    matrix = np.atleast_2d(matrix)
    u, _, vh = np.linalg.svd(matrix, full_matrices=False)
    return np.outer(u[:, 0], vh[0])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("ord", ["fro", "nuclear"])
@pytest.mark.parametrize("tensors", [False, True], ids=["callables", "tensors"])
def test_tfa_conditional_gradient_basic(ord, tensors, dtype):
    variables = [keras.Variable(np.array(v, dtype)) for v in ([1.0, 2.0], [3.0, 4.0])]
    grads_np = [np.array([0.1, 0.1], dtype), np.array([0.01, 0.01], dtype)]
    if ord == "fro":
        s = [g / np.sqrt(np.sum(g.astype("float64") ** 2)) for g in grads_np]
    else:
        s = [_top_singular_vector(g.astype("float64"))[0] for g in grads_np]
    if tensors:  # tfa's tensor learning_rate and lambda_ (Keras 3: a callable rate)
        optimizer = opt.ConditionalGradient(
            learning_rate=lambda: tf.constant(0.5), lambda_=tf.constant(0.01), ord=ord
        )
    else:
        optimizer = opt.ConditionalGradient(
            learning_rate=lambda: 0.5, lambda_=lambda: 0.01, ord=ord
        )
    expected = [np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    for _ in range(2):
        optimizer.apply_gradients(zip([tf.constant(g) for g in grads_np], variables, strict=True))
        expected = [e * 0.5 - (1 - 0.5) * 0.01 * si for e, si in zip(expected, s, strict=True)]
        for variable, want in zip(variables, expected, strict=True):
            assert_close_for(dtype, variable, want)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("ord", ["fro", "nuclear"])
def test_tfa_conditional_gradient_minimize_sparse(ord, dtype):
    variable = keras.Variable(np.array([[1.0, 2.0]], dtype))
    x = tf.constant([[4.0], [5.0]], dtype)
    with tf.GradientTape() as tape:
        prediction = tf.matmul(tf.nn.embedding_lookup([variable.value], [0]), x)
        loss = prediction * prediction
    gradient = tape.gradient(loss, variable.value)
    assert isinstance(gradient, tf.IndexedSlices)
    opt.ConditionalGradient(learning_rate=0.1, lambda_=0.1, ord=ord).apply_gradients(
        [(gradient, variable)]
    )
    g = np.array([[32 * 1.0 + 40 * 2.0, 40 * 1.0 + 50 * 2.0]])
    s = g / np.sqrt(np.sum(g**2)) if ord == "fro" else _top_singular_vector(g)
    assert_close_for(dtype, variable, np.array([[1.0, 2.0]]) * 0.1 - 0.9 * 0.1 * s)


@pytest.mark.parametrize("ord", ["fro", "nuclear"])
def test_tfa_conditional_gradient_2d_indices_embedding_lookup(ord):
    variable = keras.Variable(np.ones((2, 2), "float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.embedding_lookup(variable.value, [[1]]))
    gradient = tape.gradient(loss, variable.value)
    opt.ConditionalGradient(learning_rate=0.1, lambda_=0.1, ord=ord).apply_gradients(
        [(gradient, variable)]
    )
    g = np.array([[0.0, 0.0], [1.0, 1.0]])
    s = g / np.sqrt(np.sum(g**2)) if ord == "fro" else _top_singular_vector(g)
    np.testing.assert_allclose(variable.numpy()[0], [1.0, 1.0])
    np.testing.assert_allclose(variable.numpy()[1], 0.1 - 0.9 * 0.1 * s[1], rtol=1e-6)


@pytest.mark.parametrize("serialize", [False, True])
def test_tfa_triangular_cyclical_learning_rate(serialize):
    schedule = opt.TriangularCyclicalLearningRate(
        initial_learning_rate=0.1, maximal_learning_rate=1, step_size=40
    )
    if serialize:
        schedule = keras.optimizers.schedules.deserialize(
            keras.optimizers.schedules.serialize(schedule)
        )
    expected = np.concatenate([np.linspace(0.1, 1, num=41), np.linspace(1, 0.1, num=41)[1:]])
    for step, value in enumerate(expected):
        np.testing.assert_allclose(float(schedule(step)), value, 1e-6)
