"""kerasdl.layers.CRF, CRFLoss and kerasdl.metrics.MaskedTokenAccuracy."""

import os
import pathlib
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl
from kerasdl import ops as K

REPO = pathlib.Path(__file__).resolve().parents[1]
NUM_TAGS = 4
VOCAB = 20


def toy_tagging_data(num_rows=384, max_length=12, seed=0):
    """Tags depend on the token and on the previous tag (1 -> 2 becomes 0): a CRF task."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_length + 1, size=num_rows)
    tokens = np.zeros((num_rows, max_length), np.int32)
    tags = np.zeros((num_rows, max_length), np.int32)
    for row, n in enumerate(lengths):
        ids = rng.integers(1, VOCAB, size=n)
        tokens[row, :n] = ids
        tags[row, :n] = np.where(ids < 7, 1, np.where(ids < 14, 2, 3))
        tags[row, 1:n] = np.where(
            (tags[row, : n - 1] == 1) & (tags[row, 1:n] == 2), 0, tags[row, 1:n]
        )
    return tokens, tags, lengths


def bilstm_crf(**crf_kwargs):
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, 16, mask_zero=True)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(16, return_sequences=True))(x)
    tags = kerasdl.layers.CRF(NUM_TAGS, name="crf", **crf_kwargs)(x)
    return keras.Model(inputs, tags)


def compile_crf(model, **kwargs):
    model.compile(
        optimizer=keras.optimizers.Adam(0.02),
        loss=kerasdl.layers.CRFLoss(),
        metrics=[kerasdl.metrics.MaskedTokenAccuracy()],
        **kwargs,
    )
    return model


@pytest.fixture(scope="module")
def trained():
    """A toy BiLSTM-CRF trained with plain compile/fit on int tags and Embedding masks."""
    keras.utils.set_random_seed(0)
    tokens, tags, lengths = toy_tagging_data()
    model = compile_crf(bilstm_crf())
    history = model.fit(tokens, tags, batch_size=32, epochs=4, validation_split=0.25, verbose=0)
    return model, history, (tokens, tags, lengths)


def test_bilstm_crf_learns_toy_tagging(trained):
    model, history, (tokens, tags, lengths) = trained
    losses = history.history["loss"]
    assert losses[-1] < 0.2 * losses[0]
    assert history.history["val_token_accuracy"][-1] > 0.97
    predicted = model.predict(tokens, verbose=0)
    assert predicted.dtype == np.int32 and predicted.shape == tags.shape
    padded = np.arange(tags.shape[1])[None, :] >= lengths[:, None]
    assert np.all(predicted[padded] == 0)
    assert np.mean(predicted[~padded] == tags[~padded]) > 0.97
    loss, accuracy = model.evaluate(tokens, tags, verbose=0)
    assert np.isfinite(loss) and accuracy > 0.97


def test_loss_is_masked_nll_of_crf_inputs(trained):
    model, _, (tokens, tags, lengths) = trained
    tokens, tags, lengths = tokens[:8], tags[:8], lengths[:8]
    crf = model.get_layer("crf")
    features = keras.Model(model.inputs, model.layers[-2].output)(tokens)
    potentials, transitions, crf_lengths = crf.crf_inputs(features, mask=tokens != 0)
    np.testing.assert_array_equal(crf_lengths, lengths)
    log_likelihood, _ = K.crf_log_likelihood(potentials, tags, lengths, transitions)
    loss = kerasdl.layers.CRFLoss()(tags, model(tokens))
    np.testing.assert_allclose(loss, -np.mean(log_likelihood), rtol=1e-5)
    expected_tags, _ = K.crf_decode(potentials, transitions, lengths)
    np.testing.assert_array_equal(model(tokens), expected_tags)
    # Per-row weights; a gold tag changed past a row's end changes nothing.
    weights = np.arange(8, dtype=np.float32)
    weighted = kerasdl.layers.CRFLoss(reduction="sum")(tags, model(tokens), weights)
    np.testing.assert_allclose(weighted, -np.sum(weights * log_likelihood), rtol=1e-5)
    noisy = np.where(np.arange(12)[None] >= lengths[:, None], 3, tags)
    np.testing.assert_allclose(kerasdl.layers.CRFLoss()(noisy, model(tokens)), loss, rtol=1e-6)


def test_loss_needs_crf_output():
    with pytest.raises(ValueError, match="output of a kerasdl.layers.CRF"):
        kerasdl.layers.CRFLoss()(np.zeros((2, 3), np.int32), tf.zeros((2, 3), tf.int32))


def test_keras_save_and_load_round_trip(trained, tmp_path):
    model, _, (tokens, tags, _) = trained
    path = tmp_path / "tagger.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_array_equal(
        restored.predict(tokens, verbose=0), model.predict(tokens, verbose=0)
    )
    for a, b in zip(model.get_layer("crf").weights, restored.get_layer("crf").weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert isinstance(restored.loss, kerasdl.layers.CRFLoss)
    # The compiled loss and metric come back and keep training.
    restored.fit(tokens[:64], tags[:64], epochs=1, verbose=0)


def test_get_config_round_trip():
    allowed, start = K.bio_transition_constraints(["O", "B-X", "I-X"])
    layer = kerasdl.layers.CRF(
        3,
        use_boundary=False,
        allowed_transitions=allowed,
        allowed_start=start,
        constrain_training=True,
        transitions_initializer="zeros",
        name="tagger",
    )
    clone = kerasdl.layers.CRF.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.allowed_transitions == allowed.tolist()
    metric = kerasdl.metrics.MaskedTokenAccuracy(ignore_index=0)
    assert kerasdl.metrics.MaskedTokenAccuracy.from_config(metric.get_config()).ignore_index == 0
    loss = kerasdl.layers.CRFLoss(reduction="sum")
    assert keras.losses.deserialize(keras.losses.serialize(loss)).reduction == "sum"


def test_sequence_lengths_instead_of_mask():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(5, 7, 3)).astype(np.float32)
    lengths = np.array([7, 3, 1, 0, 5], np.int32)
    layer = kerasdl.layers.CRF(NUM_TAGS)
    from_lengths = layer(features, sequence_lengths=lengths)
    from_mask = layer(features, mask=np.arange(7)[None] < lengths[:, None])
    np.testing.assert_array_equal(from_lengths, from_mask)
    assert np.all(np.asarray(from_lengths)[np.arange(7)[None] >= lengths[:, None]] == 0)
    # Functional: lengths as a second model input, potentials without a kernel.
    feature_input = keras.Input((None, NUM_TAGS))
    length_input = keras.Input((), dtype="int32")
    crf = kerasdl.layers.CRF(NUM_TAGS, use_kernel=False, use_boundary=False)
    model = keras.Model(
        [feature_input, length_input], crf(feature_input, sequence_lengths=length_input)
    )
    potentials = rng.normal(size=(5, 7, NUM_TAGS)).astype(np.float32)
    expected, _ = K.crf_decode(potentials, crf.transitions, lengths)
    np.testing.assert_array_equal(model.predict([potentials, lengths], verbose=0), expected)


def test_boundary_scores_enter_first_and_last_step():
    layer = kerasdl.layers.CRF(3, use_kernel=False, transitions_initializer="zeros")
    potentials = np.zeros((2, 4, 3), np.float32)
    lengths = np.array([4, 2], np.int32)
    layer(potentials, sequence_lengths=lengths)
    layer.start_transitions.assign([0.0, 5.0, 0.0])
    layer.end_transitions.assign([0.0, 0.0, 7.0])
    tags = np.asarray(layer(potentials, sequence_lengths=lengths))
    np.testing.assert_array_equal(tags, [[1, 0, 0, 2], [1, 2, 0, 0]])


def test_allowed_transitions_constrain_decoding():
    names = ["O", "B-X", "I-X"]
    allowed, allowed_start = K.bio_transition_constraints(names)
    rng = np.random.default_rng(2)
    potentials = rng.normal(size=(64, 6, 3)).astype(np.float32)
    potentials[..., 2] += 2.0
    free = kerasdl.layers.CRF(3, use_kernel=False, transitions_initializer="zeros")
    constrained = kerasdl.layers.CRF(
        3,
        use_kernel=False,
        transitions_initializer="zeros",
        allowed_transitions=allowed,
        allowed_start=allowed_start,
    )

    def violations(tags):
        return int(np.sum(~allowed[tags[:, :-1], tags[:, 1:]]) + np.sum(tags[:, 0] == 2))

    assert violations(np.asarray(free(potentials))) > 0
    assert violations(np.asarray(constrained(potentials))) == 0
    # Training constraints: the likelihood of a forbidden gold path is (about) -1e9.
    strict = kerasdl.layers.CRF.from_config(
        {**constrained.get_config(), "constrain_training": True}
    )
    gold = np.array([[0, 2, 2, 0, 1, 2]] * 64, np.int32)
    loose_nll = kerasdl.layers.CRFLoss(reduction="none")(gold, constrained(potentials))
    strict_nll = kerasdl.layers.CRFLoss(reduction="none")(gold, strict(potentials))
    assert np.all(np.asarray(loose_nll) < 100) and np.all(np.asarray(strict_nll) > 1e8)


def test_masked_token_accuracy():
    metric = kerasdl.metrics.MaskedTokenAccuracy(ignore_index=0)
    y_true = np.array([[1, 2, 0], [3, 0, 0]])
    metric.update_state(y_true, np.array([[1, 3, 1], [3, 2, 2]]))
    assert float(metric.result()) == pytest.approx(2 / 3)
    metric.reset_state()
    scores = np.eye(4)[[[1, 0, 0], [3, 1, 0]]]  # [B, T, K] scores: argmax is taken
    metric.update_state(y_true, scores)
    assert float(metric.result()) == pytest.approx(2 / 3)


@pytest.mark.slow  # a minute or more on 2 cores (XLA / subprocess training)
def test_jit_compile_training(trained):
    _, _, (tokens, tags, _) = trained
    keras.utils.set_random_seed(1)
    model = compile_crf(bilstm_crf(), jit_compile=True)
    history = model.fit(tokens[:128], tags[:128], batch_size=32, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(tokens[:4], verbose=0).shape == (4, tags.shape[1])


def test_mixed_precision_runs_crf_in_float32():
    rng = np.random.default_rng(3)
    layer = kerasdl.layers.CRF(NUM_TAGS, dtype="mixed_float16")
    features = rng.normal(size=(2, 5, 3)).astype(np.float16)
    tags = layer(features)
    assert tags.dtype == "int32"
    potentials, transitions, _ = layer.crf_inputs(features)
    assert potentials.dtype == "float32" and transitions.dtype == "float32"


def _run_python(script, env=None, timeout=300):
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def test_saved_model_export_decodes_in_serving_graph(trained, tmp_path):
    model, _, (tokens, _, _) = trained
    export_dir = tmp_path / "export"
    model.export(str(export_dir), format="tf_saved_model", verbose=False)
    np.save(tmp_path / "tokens.npy", tokens[:16])
    expected = model.predict(tokens[:16], verbose=0)
    # A fresh process with neither kerasdl nor Keras custom objects: plain tf.saved_model.
    output = _run_python(
        f"""
        import numpy as np, tensorflow as tf
        loaded = tf.saved_model.load({str(export_dir)!r})
        tags = loaded.serve(tf.constant(np.load({str(tmp_path / "tokens.npy")!r})))
        np.save({str(tmp_path / "served.npy")!r}, tags.numpy())
        print(tags.dtype.name)
        """
    )
    assert output.strip() == "int32"
    np.testing.assert_array_equal(np.load(tmp_path / "served.npy"), expected)


@pytest.mark.slow  # a minute or more on 2 cores (XLA / subprocess training)
def test_mirrored_strategy_on_two_cpus(tmp_path):
    output = _run_python(
        """
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        import keras, numpy as np, kerasdl, sys
        sys.path.insert(0, "tests")
        from test_crf_layer import bilstm_crf, compile_crf, toy_tagging_data
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        keras.utils.set_random_seed(0)
        tokens, tags, _ = toy_tagging_data(num_rows=256)
        with strategy.scope():
            model = compile_crf(bilstm_crf())
        history = model.fit(tokens, tags, batch_size=32, epochs=3, verbose=0)
        loss, accuracy = model.evaluate(tokens, tags, verbose=0)
        local = compile_crf(bilstm_crf())  # the same weights on one device
        local.set_weights(model.get_weights())
        local_loss, _ = local.evaluate(tokens, tags, verbose=0)
        print(strategy.num_replicas_in_sync, history.history["loss"][0], loss, accuracy)
        print(local_loss)
        """
    )
    replicas, first_loss, loss, accuracy, local_loss = output.split()[-5:]
    assert int(replicas) == 2
    assert float(loss) < 0.5 * float(first_loss) and float(accuracy) > 0.9
    # Each replica averages its rows and the loss is divided by the replicas, as Keras' own.
    np.testing.assert_allclose(float(loss), float(local_loss), rtol=1e-4)


@pytest.mark.slow  # a minute or more on 2 cores (XLA / subprocess training)
def test_jax_backend(golden):
    pytest.importorskip("jax")
    output = _run_python(
        f"""
        import numpy as np, keras, kerasdl, sys
        assert keras.backend.backend() == "jax"
        from kerasdl import ops as K
        data = np.load({str(golden / "crf.npz")!r})
        get = lambda name: data["case4_" + name]
        ll, _ = K.crf_log_likelihood(get("inputs"), get("tags"), get("lengths"), get("transitions"))
        np.testing.assert_allclose(ll, get("log_likelihood"), rtol=1e-4, atol=1e-4)
        tags, score = K.crf_decode(get("inputs"), get("transitions"), get("lengths"))
        valid = np.arange(50)[None] < get("lengths")[:, None]
        np.testing.assert_array_equal(np.asarray(tags)[valid], get("decode_tags")[valid])
        sys.path.insert(0, "tests")
        from test_crf_layer import bilstm_crf, compile_crf, toy_tagging_data
        keras.utils.set_random_seed(0)
        tokens, tags, _ = toy_tagging_data(num_rows=256)
        model = compile_crf(bilstm_crf())
        history = model.fit(tokens, tags, batch_size=32, epochs=3, verbose=0)
        print(history.history["loss"][0], history.history["loss"][-1],
              history.history["token_accuracy"][-1])
        """,
        env={"KERAS_BACKEND": "jax"},
    )
    first, last, accuracy = map(float, output.split()[-3:])
    assert last < 0.5 * first and accuracy > 0.9


# ---------------------------------------------------------------- short batches
def short_batches():
    """Batches of unknown shape whose longest row has 1, 2, 3 and 0 tokens, length-0 rows
    included, as length bucketing yields them on NER data."""
    rows = [
        [[1], [2]],
        [[3, 4], [5, 0]],
        [[1, 2, 3], [2, 0, 0]],
        [[4], [0]],
        np.zeros((2, 0), np.int32),
    ]
    for tokens in rows:
        tokens = np.asarray(tokens, np.int32).reshape(2, -1)
        yield tokens, np.where(tokens > 0, tokens % NUM_TAGS, 0).astype(np.int32)


def short_dataset():
    spec = tf.TensorSpec([None, None], tf.int32)
    return tf.data.Dataset.from_generator(short_batches, output_signature=(spec, spec))


# XLA (17 s) runs with `pytest -m slow`; the graph case stays in the fast tier.
@pytest.mark.parametrize(
    "jit_compile", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["graph", "xla"]
)
def test_fit_evaluate_predict_on_batches_of_zero_one_and_two_steps(jit_compile, tmp_path):
    # No LSTM in this model: Keras' recurrent layers cannot run over zero time steps.
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, 16, mask_zero=True)(inputs)
    x = keras.layers.Dense(16, activation="tanh")(x)
    model = compile_crf(
        keras.Model(inputs, kerasdl.layers.CRF(NUM_TAGS)(x)), jit_compile=jit_compile
    )
    history = model.fit(short_dataset(), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    loss, accuracy = model.evaluate(short_dataset(), verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
    for (tokens, _), predicted in zip(
        short_batches(), (model.predict_on_batch(t) for t, _ in short_batches()), strict=True
    ):
        assert predicted.shape == tokens.shape
        assert np.all(predicted[tokens == 0] == 0)
    # The exported serving function (unknown batch and time) decodes the same short rows.
    model.export(str(tmp_path / "export"), format="tf_saved_model", verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "export"))
    for tokens, _ in short_batches():
        served = loaded.serve(tf.constant(tokens))
        np.testing.assert_array_equal(served, model.predict_on_batch(tokens))


def test_loss_without_crf_state_raises_instead_of_returning_zero():
    """Inside a traced function (as a compiled train step), a y_pred that carries no CRF state
    must not give a silent zero loss that trains nothing."""
    loss = kerasdl.layers.CRFLoss()

    @tf.function
    def compute(y_true, y_pred):
        return loss(y_true, y_pred)

    with pytest.raises(ValueError, match="output of a kerasdl.layers.CRF"):
        compute(tf.zeros((2, 3), tf.int32), tf.zeros((2, 3), tf.int32))


def test_left_padded_and_gapped_masks_score_the_real_tokens_as_one_chain():
    """A mask that is not right-padded ([0, 1, 1], or a gap [1, 0, 1]) chains the real tokens
    in their order, as a right-padded row would: the tags come back in their own positions
    and the loss is that of the right-padded row (tfa raised NotImplementedError)."""
    rng = np.random.default_rng(3)
    layer = kerasdl.layers.CRF(NUM_TAGS, use_kernel=False)
    potentials = rng.normal(size=(3, 4, NUM_TAGS)).astype(np.float32)
    mask = np.array([[0, 1, 1, 1], [1, 0, 1, 0], [0, 0, 0, 0]], bool)
    gold = rng.integers(0, NUM_TAGS, size=(3, 4)).astype(np.int32)
    # The same rows right-padded.
    order = np.argsort(~mask, axis=1, kind="stable")
    packed = np.take_along_axis(potentials, order[..., None], axis=1)
    packed_gold = np.take_along_axis(gold, order, axis=1)
    lengths = mask.sum(axis=1)
    layer(potentials, mask=mask)  # builds the weights
    layer.start_transitions.assign(rng.normal(size=NUM_TAGS))
    layer.end_transitions.assign(rng.normal(size=NUM_TAGS))
    expected = np.asarray(layer(packed, sequence_lengths=lengths))
    tags = layer(potentials, mask=mask)
    unpacked = np.zeros_like(expected)
    np.put_along_axis(unpacked, order, expected, axis=1)
    np.testing.assert_array_equal(tags, np.where(mask, unpacked, 0))
    loss = kerasdl.layers.CRFLoss(reduction="none")
    np.testing.assert_allclose(
        loss(gold, tags),
        loss(packed_gold, layer(packed, sequence_lengths=lengths)),
        rtol=1e-6,
    )
