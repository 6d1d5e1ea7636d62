"""kerasdl.optimizers: tfa 0.23 golden trajectories, serialization, fit, mixed precision,
MirroredStrategy, SAM and `get`."""

import json
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import script_result
from trajectories import dense_trajectory

from kerasdl import optimizers as kdo

GOLDEN_CASES = {
    "radam_default": lambda: kdo.RectifiedAdam(learning_rate=0.01),
    "radam_warmup": lambda: kdo.RectifiedAdam(
        learning_rate=0.05, total_steps=30, warmup_proportion=0.2, min_lr=1e-3
    ),
    "radam_amsgrad": lambda: kdo.RectifiedAdam(learning_rate=0.01, amsgrad=True, sma_threshold=4.0),
    "lookahead_sgd": lambda: kdo.Lookahead(
        keras.optimizers.SGD(learning_rate=0.05), sync_period=5, slow_step_size=0.5
    ),
    "lookahead_adam": lambda: kdo.Lookahead(
        keras.optimizers.Adam(learning_rate=0.02), sync_period=6, slow_step_size=0.8
    ),
    "lookahead_radam": lambda: kdo.Lookahead(kdo.RectifiedAdam(learning_rate=0.02)),
    "yogi": lambda: kdo.Yogi(learning_rate=0.05),
    "novograd": lambda: kdo.NovoGrad(learning_rate=0.05),
    "adamw_tfa": lambda: kdo.AdamWTFA(weight_decay=1e-3, learning_rate=0.01),
    "sgdw_tfa": lambda: kdo.SGDWTFA(weight_decay=1e-3, learning_rate=0.05, momentum=0.9),
}

# One of each kind, with non-default arguments, for the behaviour tests.
MAKERS = {
    "radam": lambda: kdo.RectifiedAdam(learning_rate=0.01, total_steps=20, min_lr=1e-4),
    "lookahead_adam": lambda: kdo.Lookahead(keras.optimizers.Adam(0.01), sync_period=2),
    "yogi": lambda: kdo.Yogi(learning_rate=0.02, l2_regularization_strength=1e-3),
    "novograd": lambda: kdo.NovoGrad(learning_rate=0.02, weight_decay=1e-3, grad_averaging=True),
    "adamw_tfa": lambda: kdo.AdamWTFA(1e-3, learning_rate=0.01),
    "sgdw_tfa": lambda: kdo.SGDWTFA(1e-3, learning_rate=0.05, momentum=0.9, nesterov=True),
}


@pytest.fixture(scope="module")
def golden_optimizers(golden):
    cases = json.loads((golden / "cases.json").read_text())["optimizers.npz"]
    return np.load(golden / "optimizers.npz"), cases


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_matches_tfa_goldendense_trajectory(golden_optimizers, case):
    data, cases = golden_optimizers
    assert case in cases["cases"]
    assert cases["tolerance"] == "rtol 1e-4, atol 1e-5"
    reference = data[case]
    got = dense_trajectory(GOLDEN_CASES[case](), data["X"], data["Y"], data["w0"], len(reference))
    np.testing.assert_allclose(got, reference, rtol=1e-4, atol=1e-5)


def test_tfa_decay_is_not_scaled_by_learning_rate():
    # With a zero gradient only the decay acts: tfa shrinks by (1 - wd), Keras by (1 - lr wd).
    w0 = np.ones((3,), "float32")
    for make, expected in [
        (lambda: kdo.AdamWTFA(0.1, learning_rate=0.01), 0.9),
        (lambda: kdo.SGDWTFA(0.1, learning_rate=0.01), 0.9),
        (lambda: keras.optimizers.AdamW(weight_decay=0.1, learning_rate=0.01), 0.999),
    ]:
        w = keras.Variable(w0)
        make().apply_gradients([(np.zeros(3, "float32"), w)])
        np.testing.assert_allclose(w.numpy(), expected * w0, rtol=1e-6)


def test_decay_skips_excluded_variables():
    optimizer = kdo.AdamWTFA(0.5, learning_rate=0.01)
    kept, decayed = keras.Variable(np.ones(2, "float32")), keras.Variable(np.ones(2, "float32"))
    optimizer.exclude_from_weight_decay(var_list=[kept])
    optimizer.apply_gradients([(np.zeros(2, "float32"), kept), (np.zeros(2, "float32"), decayed)])
    np.testing.assert_allclose(kept.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(decayed.numpy(), [0.5, 0.5])


def test_radam_is_momentum_sgd_until_sma_threshold():
    # rho_1 = 1 < 5: the first step is lr * m_hat = lr * g.
    w = keras.Variable(np.zeros(2, "float32"))
    kdo.RectifiedAdam(learning_rate=0.1).apply_gradients([(np.array([1.0, -2.0], "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [-0.1, 0.2], rtol=1e-6)


def test_yogi_l1_proximal_step_zeroes_small_weights():
    w = keras.Variable(np.array([1e-4, 1.0], "float32"))
    kdo.Yogi(learning_rate=0.01, l1_regularization_strength=0.1).apply_gradients(
        [(np.zeros(2, "float32"), w)]
    )
    assert w.numpy()[0] == 0.0
    assert 0.0 < w.numpy()[1] < 1.0


def test_lookahead_resets_fast_weights_every_sync_period():
    # SGD lr 1 on gradient -1: fast weights gain 1 per step; slow ones move halfway at k=2.
    w = keras.Variable(np.zeros(1, "float32"))
    optimizer = kdo.Lookahead(keras.optimizers.SGD(1.0), sync_period=2, slow_step_size=0.5)
    values = []
    for _ in range(4):
        optimizer.apply_gradients([(-np.ones(1, "float32"), w)])
        values.append(float(w.numpy()[0]))
    assert values == [1.0, 1.0, 2.0, 2.0]
    assert int(optimizer.iterations) == 4


def test_lookahead_rejects_base_arguments():
    with pytest.raises(ValueError, match="inner optimizer"):
        kdo.Lookahead(keras.optimizers.Adam(), clipnorm=1.0)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        kdo.Lookahead(keras.optimizers.Adam(gradient_accumulation_steps=2))


def test_lookahead_around_loss_scale_optimizer_scales_the_loss():
    inner = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(1.0), initial_scale=8.0)
    optimizer = kdo.Lookahead(inner, sync_period=100)
    assert float(optimizer.scale_loss(2.0)) == 16.0
    w = keras.Variable(np.zeros(1, "float32"))
    optimizer.apply_gradients([(np.array([8.0], "float32"), w)])  # a scaled gradient of 1
    np.testing.assert_allclose(w.numpy(), [-1.0])


def test_lookahead_reads_learning_rate_through():
    optimizer = kdo.Lookahead(keras.optimizers.Adam(0.01))
    optimizer.learning_rate = 0.5
    assert float(optimizer.inner_optimizer.learning_rate) == pytest.approx(0.5)
    assert float(optimizer.learning_rate) == pytest.approx(0.5)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_config_round_trip(name):
    optimizer = MAKERS[name]()
    config = optimizer.get_config()
    clone = type(optimizer).from_config(config)
    assert clone.get_config() == config
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer)
    assert restored.get_config() == config
    # The clone takes the same steps.
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = x @ np.ones((3, 2), "float32")
    w0 = np.zeros((3, 2), "float32")
    np.testing.assert_allclose(
        dense_trajectory(optimizer, x, y, w0, 5), dense_trajectory(clone, x, y, w0, 5), rtol=1e-6
    )


def _regression_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1)) + 0.1).astype("float32")
    return x, y


def _small_model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)]
    )


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_fit_reduces_loss_and_saves(name, tmp_path):
    x, y = _regression_data()
    model = _small_model()
    model.compile(optimizer=MAKERS[name](), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=4, verbose=0).history["loss"]
    assert history[-1] < history[0]
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("name", ["radam", "lookahead_adam", "novograd"])
def test_under_loss_scale_optimizer(name):
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        x, y = _regression_data()
        model = _small_model()
        model.compile(optimizer=MAKERS[name](), loss="mse")
        assert isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0).history["loss"]
        assert np.all(np.isfinite(history)) and history[-1] < history[0]
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def test_loss_scale_optimizer_skips_non_finite_step():
    w = keras.Variable(np.ones(2, "float32"))
    inner = kdo.Lookahead(kdo.RectifiedAdam(0.1), sync_period=1)
    optimizer = keras.mixed_precision.LossScaleOptimizer(inner, initial_scale=4.0)
    optimizer.apply_gradients([(np.array([np.inf, 1.0], "float32"), w)])
    np.testing.assert_array_equal(w.numpy(), [1.0, 1.0])
    assert float(optimizer.dynamic_scale) == 2.0
    optimizer.apply_gradients([(np.array([2.0, 2.0], "float32"), w)])  # unscaled: 1.0
    # One rectified-Adam warm-up step (lr * g), then Lookahead with k=1 halves it.
    np.testing.assert_allclose(w.numpy(), [0.95, 0.95], rtol=1e-6)


_MIRRORED_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras, numpy as np
    from kerasdl import optimizers as kdo
    makers = {
        "radam": lambda: kdo.RectifiedAdam(0.01, total_steps=20, min_lr=1e-4),
        "lookahead_adam": lambda: kdo.Lookahead(keras.optimizers.Adam(0.01), sync_period=2),
        "yogi": lambda: kdo.Yogi(0.02),
        "novograd": lambda: kdo.NovoGrad(0.02, weight_decay=1e-3),
        "adamw_tfa": lambda: kdo.AdamWTFA(1e-3, learning_rate=0.01),
        "sgdw_tfa": lambda: kdo.SGDWTFA(1e-3, learning_rate=0.05, momentum=0.9),
        "sam": lambda: kdo.Lookahead(kdo.RectifiedAdam(0.01), sync_period=2),
    }
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1))).astype("float32")
    def train(name, strategy):
        with strategy.scope():
            keras.utils.set_random_seed(0)
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"),
                                      keras.layers.Dense(1)])
            if name == "sam":  # per-replica perturbations: compare finiteness only
                model = kdo.SAM(model, rho=0.05)
            model.compile(optimizer=makers[name](), loss="mse")
        history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
        assert np.isfinite(history["loss"][0])
        return model.get_weights(), int(model.optimizer.iterations.numpy())
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2
    result = {}
    for name in json.loads(sys.argv[1]):
        distributed, dsteps = train(name, mirrored)
        if name == "sam":
            result[name] = [0.0, 4, dsteps]
            continue
        single, steps = train(name, tf.distribute.get_strategy())
        err = max(float(np.max(np.abs(a - b))) for a, b in zip(single, distributed))
        result[name] = [err, steps, dsteps]
    print("RESULT" + json.dumps(result))
    """
)


def _check_mirrored(repo_root, names):
    result = script_result(_MIRRORED_SCRIPT, json.dumps(names), cwd=repo_root)
    assert sorted(result) == sorted(names)
    for name, (err, steps, dsteps) in result.items():
        assert steps == dsteps == 4, name
        assert err < 1e-5, (name, err)


def test_mirrored_strategy_matches_single_device(repo_root):
    # Lookahead has its own cross-replica update; SAM runs mirrored with a wrapped optimizer.
    _check_mirrored(repo_root, ["lookahead_adam", "sam"])


@pytest.mark.slow
def test_mirrored_strategy_all_optimizers(repo_root):
    # The others update through Keras's own update_step plumbing.
    _check_mirrored(repo_root, ["radam", "yogi", "novograd", "adamw_tfa", "sgdw_tfa"])


_JAX_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    os.environ["KERAS_BACKEND"] = "jax"
    import jax, keras, numpy as np
    from kerasdl import optimizers as kdo
    assert keras.backend.backend() == "jax"
    data = np.load(sys.argv[1])
    x, y, w0 = data["X"], data["Y"], data["w0"]
    cases = {
        "radam_warmup": lambda: kdo.RectifiedAdam(
            learning_rate=0.05, total_steps=30, warmup_proportion=0.2, min_lr=1e-3),
        "lookahead_adam": lambda: kdo.Lookahead(
            keras.optimizers.Adam(learning_rate=0.02), sync_period=6, slow_step_size=0.8),
        "yogi": lambda: kdo.Yogi(learning_rate=0.05),
        "novograd": lambda: kdo.NovoGrad(learning_rate=0.05),
        "adamw_tfa": lambda: kdo.AdamWTFA(weight_decay=1e-3, learning_rate=0.01),
    }
    grad_fn = jax.grad(lambda w: jax.numpy.mean((x @ w - y) ** 2))
    result = {}
    for name, make in cases.items():
        optimizer, w = make(), keras.Variable(w0)
        optimizer.build([w])
        state = [v.value for v in optimizer.variables]
        @jax.jit
        def step(value, state):
            (value,), state = optimizer.stateless_apply(state, [grad_fn(value)], [value])
            return value, state
        value, trajectory = w.value, []
        for _ in range(30):
            value, state = step(value, state)
            trajectory.append(np.asarray(value))
        result[name] = np.allclose(np.stack(trajectory), data[name], rtol=1e-4, atol=1e-5)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    model.compile(optimizer=kdo.Lookahead(kdo.RectifiedAdam(0.01), sync_period=2), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0).history["loss"]
    result["fit"] = bool(history[-1] < history[0])
    print("RESULT" + json.dumps({k: bool(v) for k, v in result.items()}))
    """
)


def test_jax_backend_golden_and_fit(golden, repo_root):
    """The optimizers are keras.ops code: jitted stateless_apply under JAX hits the goldens."""
    pytest.importorskip("jax")
    result = script_result(
        _JAX_SCRIPT,
        str(golden / "optimizers.npz"),
        cwd=repo_root,
        env={"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"},
    )
    assert all(result.values()), result


def test_sam_step_matches_manual_computation():
    x, y = _regression_data(n=16)
    model = _small_model()
    w0 = [w.copy() for w in model.get_weights()]
    rho, lr = 0.1, 0.05
    sam = kdo.SAM(model, rho=rho)
    sam.compile(optimizer=keras.optimizers.SGD(lr), loss="mse")
    sam.fit(x, y, batch_size=16, epochs=1, verbose=0)

    reference = _small_model()
    reference.set_weights(w0)
    variables = reference.trainable_variables

    def grads():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(reference(x) - y))
        return tape.gradient(loss, variables)

    g = grads()
    norm = tf.linalg.global_norm(g)
    for v, gi in zip(variables, g, strict=True):
        v.assign_add(rho * gi / norm)
    g_sharp = grads()
    for v, w, gi in zip(variables, w0, g_sharp, strict=True):
        v.assign(w - lr * gi)
    for a, b in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_sam_with_rho_zero_is_plain_training():
    x, y = _regression_data()
    plain, wrapped = _small_model(), _small_model()
    plain.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    sam = kdo.SAM(wrapped, rho=0.0)
    sam.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    plain.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    sam.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(plain.get_weights(), wrapped.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("adaptive", [False, True])
def test_sam_fits_with_kerasdl_optimizer_and_metrics(adaptive):
    x, y = _regression_data()
    sam = kdo.SAM(_small_model(), rho=0.5 if adaptive else 0.05, adaptive=adaptive)
    sam.compile(optimizer=kdo.Lookahead(kdo.RectifiedAdam(0.02)), loss="mse", metrics=["mae"])
    history = sam.fit(x, y, batch_size=16, epochs=4, verbose=0).history
    assert set(history) == {"loss", "mae"}
    assert history["loss"][-1] < history["loss"][0]
    assert sam.predict(x[:2], verbose=0).shape == (2, 1)


def test_sam_model_saves_and_reloads(tmp_path):
    x, y = _regression_data(n=16)
    sam = kdo.SAM(_small_model(), rho=0.1)
    sam.compile(optimizer=kdo.RectifiedAdam(0.01), loss="mse")
    sam.fit(x, y, batch_size=8, epochs=1, verbose=0)
    sam.save(tmp_path / "sam.keras")
    loaded = keras.models.load_model(tmp_path / "sam.keras")
    assert isinstance(loaded, kdo.SAM) and loaded.rho == 0.1
    np.testing.assert_allclose(loaded.predict(x, verbose=0), sam.predict(x, verbose=0), rtol=1e-6)


def test_sam_config_round_trip_and_mixed_precision():
    sam = kdo.SAM(_small_model(), rho=0.07, adaptive=True)
    clone = kdo.SAM.from_config(sam.get_config())
    assert (clone.rho, clone.adaptive) == (0.07, True)
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        x, y = _regression_data()
        sam = kdo.SAM(_small_model(), rho=0.05)
        sam.compile(optimizer=kdo.Yogi(0.02), loss="mse")
        assert isinstance(sam.optimizer, keras.mixed_precision.LossScaleOptimizer)
        history = sam.fit(x, y, batch_size=16, epochs=2, verbose=0).history["loss"]
        assert np.all(np.isfinite(history))
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


@pytest.mark.parametrize(
    "name, cls",
    [
        ("adam", keras.optimizers.Adam),
        ("AdamW", keras.optimizers.AdamW),
        ("rmsprop", keras.optimizers.RMSprop),
        ("radam", kdo.RectifiedAdam),
        ("Rectified_Adam", kdo.RectifiedAdam),
        ("yogi", kdo.Yogi),
        ("novograd", kdo.NovoGrad),
        ("sgdw-tfa", kdo.SGDWTFA),
    ],
)
def test_get_resolves_keras_and_kerasdl_names(name, cls):
    kwargs = {"weight_decay": 1e-4} if cls is kdo.SGDWTFA else {}
    optimizer = kdo.get(name, learning_rate=0.02, **kwargs)
    assert type(optimizer) is cls
    assert float(optimizer.learning_rate) == pytest.approx(0.02)


def test_get_lookahead_prefix_instances_and_errors():
    ranger = kdo.get("lookahead_radam", learning_rate=0.01)
    assert isinstance(ranger, kdo.Lookahead)
    assert isinstance(ranger.inner_optimizer, kdo.RectifiedAdam)
    adam = keras.optimizers.Adam()
    assert kdo.get(adam) is adam
    assert type(kdo.get(keras.optimizers.serialize(kdo.Yogi()))) is kdo.Yogi
    with pytest.raises(ValueError, match="Unknown optimizer 'adamx'"):
        kdo.get("adamx")
    with pytest.raises(ValueError, match="weight_decay"):
        kdo.get("adamw_tfa", learning_rate=0.01)
    assert ranger.optimizer is ranger.inner_optimizer


def test_lookahead_slow_weights_start_at_initial_weights_in_fit():
    # Without a strategy Keras builds the optimizer while tracing train_step.
    x, y = _regression_data(n=16)
    model = _small_model()
    initial = [w.copy() for w in model.get_weights()]
    optimizer = kdo.Lookahead(keras.optimizers.SGD(0.1), sync_period=100)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    for slow, w in zip(optimizer._slow_variables, initial, strict=True):
        np.testing.assert_allclose(np.asarray(slow), w)
    assert not np.allclose(model.get_weights()[0], initial[0])
