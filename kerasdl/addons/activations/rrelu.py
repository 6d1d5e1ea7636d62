"""tfa.activations.rrelu, with tfa's `training=None` and `rng` arguments."""

import keras
from keras import ops

from kerasdl.activations import rrelu as _rrelu


@keras.saving.register_keras_serializable(package="Addons")
def rrelu(
    x,
    lower: float = 0.125,
    upper: float = 1.0 / 3.0,
    training: bool | None = None,
    seed=None,
    rng=None,
):
    """Randomized leaky ReLU (Xu et al. 2015, eq. 4), tfa's signature.

    In training the negative slope is drawn per element from U(lower, upper), from `rng`
    (a `tf.random.Generator`) if given, else from `seed` (an int or a
    `keras.random.SeedGenerator`); otherwise it is `(lower + upper) / 2`. Keras 3 has no
    global learning phase: `training=None` means inference (tfa read
    `tf.keras.backend.learning_phase()`; use the `kerasdl.layers.RReLU` layer to get the
    model's flag).
    """
    if not training:
        return _rrelu(x, lower, upper, training=False)
    if rng is not None and seed is not None:
        raise ValueError("Either seed or rng should be specified. Not both at the same time.")
    if rng is None:
        return _rrelu(x, lower, upper, training=True, seed=seed)
    x = ops.convert_to_tensor(x)
    slope = rng.uniform(ops.shape(x), minval=lower, maxval=upper, dtype=x.dtype)
    return ops.where(x >= 0, x, slope * x)
