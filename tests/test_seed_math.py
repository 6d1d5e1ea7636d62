"""The seed article's math, checked against Keras 3 (issue item 5).

kerasdl does not reimplement these: it verifies that Keras computes what the
textbook formulas say, and records where the seed's statements were wrong
(Huber's linear branch needs the factor d; Adam's second moment is the squared
gradient, not a second derivative, and epsilon is in the denominator).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

RNG = np.random.default_rng(0)
Z = np.linspace(-6, 6, 25)


# --- activations -----------------------------------------------------------------------


def test_sigmoid():
    np.testing.assert_allclose(
        keras.activations.sigmoid(Z.astype("float32")), 1 / (1 + np.exp(-Z)), rtol=1e-6
    )


def test_sigmoid_derivative_is_at_most_a_quarter():
    # sigma'(z) = sigma(z)(1 - sigma(z)) <= 1/4: why deep sigmoid stacks vanish.
    z = tf.constant(Z, "float32")
    with tf.GradientTape() as tape:
        tape.watch(z)
        s = keras.activations.sigmoid(z)
    grad = tape.gradient(s, z).numpy()
    sig = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(grad, sig * (1 - sig), rtol=1e-5, atol=1e-7)
    assert grad.max() == pytest.approx(0.25)


def test_tanh():
    expected = (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))
    np.testing.assert_allclose(
        keras.activations.tanh(Z.astype("float32")), expected, rtol=1e-6, atol=1e-7
    )


def test_relu():
    np.testing.assert_array_equal(
        keras.activations.relu(Z.astype("float32")), np.maximum(Z, 0).astype("float32")
    )


# --- losses ----------------------------------------------------------------------------

Y_TRUE = RNG.normal(size=(8, 3))
Y_PRED = RNG.normal(size=(8, 3))


def test_mse():
    expected = np.mean((Y_TRUE - Y_PRED) ** 2)
    np.testing.assert_allclose(keras.losses.MeanSquaredError()(Y_TRUE, Y_PRED), expected, rtol=1e-6)


def test_categorical_cross_entropy():
    labels = np.eye(4)[[0, 3, 1, 2, 2]]
    probs = RNG.dirichlet(np.ones(4), size=5)
    expected = np.mean(-np.sum(labels * np.log(probs), axis=1))
    np.testing.assert_allclose(
        keras.losses.CategoricalCrossentropy()(labels, probs), expected, rtol=1e-5
    )
    np.testing.assert_allclose(
        keras.losses.SparseCategoricalCrossentropy()(np.argmax(labels, 1), probs),
        expected,
        rtol=1e-5,
    )


def test_binary_cross_entropy():
    y = np.array([0.0, 1.0, 1.0, 0.0])
    p = np.array([0.1, 0.8, 0.6, 0.3])
    expected = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    np.testing.assert_allclose(keras.losses.BinaryCrossentropy()(y, p), expected, rtol=1e-5)


@pytest.mark.parametrize("d", [0.5, 1.0, 2.5])
def test_huber_linear_branch_has_factor_d(d):
    """Huber(e) = e^2/2 for |e| <= d, else d|e| - d^2/2 (the seed's `|e| - d^2/2` is wrong)."""
    errors = np.linspace(-5, 5, 41)
    correct = np.where(np.abs(errors) <= d, 0.5 * errors**2, d * np.abs(errors) - 0.5 * d**2)
    got = keras.losses.Huber(delta=d, reduction=None)(errors[:, None], np.zeros((41, 1)))
    np.testing.assert_allclose(got, correct, rtol=1e-5, atol=1e-6)
    # With the factor d the loss is continuous at |e| = d (both branches give d^2/2) and
    # grows with slope d beyond it; without it there is a jump of (d - 1) d there.
    huber = keras.losses.Huber(delta=d, reduction=None)
    at = np.array([[d - 1e-4], [d + 1e-4], [d + 1.0], [d + 2.0]])
    below, above, one, two = np.asarray(huber(at, np.zeros_like(at)))
    assert abs(above - below) < 1e-3
    assert two - one == pytest.approx(d, rel=1e-4)
    seed_statement = np.where(np.abs(errors) <= d, 0.5 * errors**2, np.abs(errors) - 0.5 * d**2)
    if d != 1.0:
        assert not np.allclose(got, seed_statement)


# --- optimizers ------------------------------------------------------------------------


def _one_step(optimizer, w0, grad):
    w = keras.Variable(np.asarray(w0, "float32"))
    optimizer.apply_gradients([(np.asarray(grad, "float32"), w)])
    return w.numpy()


def test_sgd_step():
    w0, g = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    np.testing.assert_allclose(_one_step(keras.optimizers.SGD(0.1), w0, g), w0 - 0.1 * g, rtol=1e-6)


def test_sgd_momentum_steps():
    w = keras.Variable(np.array([1.0], "float32"))
    optimizer = keras.optimizers.SGD(0.1, momentum=0.9)
    velocity, expected = 0.0, 1.0
    for g in [1.0, 0.5, -0.2]:
        optimizer.apply_gradients([(np.array([g], "float32"), w)])
        velocity = 0.9 * velocity - 0.1 * g
        expected += velocity
    np.testing.assert_allclose(w.numpy(), [expected], rtol=1e-6)


def test_adam_steps_with_bias_correction_squared_gradient_and_epsilon():
    """Kingma & Ba 2015, Algorithm 1, with `v` the running mean of g**2 (a squared
    gradient, not a second derivative). Keras folds the bias corrections into the
    step size, `lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)`, and adds epsilon to
    sqrt(v_t): the same as the paper's `m_hat / (sqrt(v_hat) + eps_hat)` with
    `eps_hat = eps / sqrt(1 - b2^t)`."""
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    w = keras.Variable(np.array([0.5, -0.5, 0.0], "float32"))
    optimizer = keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps)
    expected = np.array([0.5, -0.5, 0.0])
    m = v = np.zeros(3)
    for t, g in enumerate([[1.0, -3.0, 0.0], [0.2, 0.4, 0.0], [-1.0, 1e-9, 0.0]], start=1):
        g = np.array(g)
        optimizer.apply_gradients([(g.astype("float32"), w)])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
        np.testing.assert_allclose(w.numpy(), expected, rtol=1e-5, atol=1e-8)
    # With a zero gradient epsilon keeps the step finite (0 / eps = 0).
    assert np.isfinite(w.numpy()).all() and w.numpy()[2] == 0.0


def test_adam_first_step_is_about_lr_times_sign_of_gradient():
    # m_hat = g, v_hat = g^2 after one step: step = -lr g / (|g| + eps / sqrt(1 - b2)),
    # about lr in size whatever |g|, until |g| nears the (bias-corrected) epsilon.
    g = np.array([5.0, -0.001, 1e-9])
    step = _one_step(keras.optimizers.Adam(0.01, epsilon=1e-7), [0.0, 0.0, 0.0], g)
    expected = -0.01 * g / (np.abs(g) + 1e-7 / np.sqrt(1 - 0.999))
    np.testing.assert_allclose(step, expected, rtol=1e-5)
    assert abs(step[2]) < 1e-5  # epsilon dominates a tiny gradient


# --- regularization --------------------------------------------------------------------


def test_dropout_scales_kept_units_in_training_and_is_identity_at_inference():
    rate = 0.25
    layer = keras.layers.Dropout(rate, seed=0)
    x = np.ones((200, 50), "float32")
    train = np.asarray(layer(x, training=True))
    kept = train[train != 0]
    np.testing.assert_allclose(kept, 1 / (1 - rate), rtol=1e-6)  # inverted dropout
    assert abs((train == 0).mean() - rate) < 0.02
    assert abs(train.mean() - 1.0) < 0.03  # expectation preserved
    np.testing.assert_array_equal(layer(x, training=False), x)


def test_l2_penalty_and_its_gradient():
    lam = 0.01
    w = RNG.normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(keras.regularizers.L2(lam)(w), lam * np.sum(w**2), rtol=1e-5)
    layer = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L2(lam))
    layer.build((None, 4))
    layer.kernel.assign(w)
    variable = layer.kernel.value
    with tf.GradientTape() as tape:
        penalty = tf.add_n(layer.losses)
    np.testing.assert_allclose(penalty, lam * np.sum(w**2), rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(penalty, variable), 2 * lam * w, rtol=1e-5)
