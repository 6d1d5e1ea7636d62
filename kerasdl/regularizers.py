"""L2-SP: weight decay towards the pre-trained starting point (Li et al. 2018)."""

import keras
import numpy as np
from keras import ops

__all__ = ["L2SP", "apply_l2sp"]


@keras.saving.register_keras_serializable(package="kerasdl")
class L2SP(keras.regularizers.Regularizer):
    """`l2 * sum((w - w0)^2)`: pulls a weight towards its starting value `w0`.

    Li, Grandvalet & Davoine 2018, "Explicit Inductive Bias for Transfer
    Learning with Convolutional Networks" (ICML), eq. 3: when fine-tuning, the
    pre-trained weights `w0` are a better prior than 0, so plain L2 is replaced
    by a penalty on the distance from them (new layers, e.g. a fresh classifier,
    keep plain L2: the paper's `beta` term). The coefficient follows
    `keras.regularizers.L2` (no factor 1/2: the paper's `alpha / 2` is `l2`).

    Args:
        l2: penalty coefficient.
        reference: `w0`, an array or a `keras.Variable` of the weight's shape.
            `apply_l2sp` fills it from a model's current weights; a config holds
            it as a nested list.

    Example:

    ```python
    pretrained = np.random.rand(4, 2).astype("float32")
    dense = keras.layers.Dense(2, kernel_regularizer=kerasdl.regularizers.L2SP(1e-2, pretrained))
    dense.build((None, 4))
    dense.kernel.assign(pretrained)  # the penalty is 0 at w0 and grows away from it
    ```
    """

    def __init__(self, l2: float = 0.01, reference=None):
        self.l2 = float(l2)
        if reference is not None and not isinstance(reference, keras.Variable):
            reference = np.asarray(reference, dtype="float32")
        self.reference = reference

    def __call__(self, x):
        if self.reference is None:
            raise ValueError(
                "L2SP needs the starting weights: pass reference=, or attach it "
                "with kerasdl.regularizers.apply_l2sp(model)"
            )
        reference = ops.cast(self.reference, x.dtype)
        return self.l2 * ops.sum(ops.square(x - reference))

    def get_config(self):
        reference = self.reference
        if reference is not None:
            reference = np.asarray(reference).tolist()
        return {"l2": self.l2, "reference": reference}


def apply_l2sp(layers, l2: float = 0.01, new_layers=(), new_layers_l2: float | None = None) -> int:
    """Attaches `L2SP` to every trainable weight of `layers`, anchored at its value now.

    Call it on a model (or some of its layers) after loading pre-trained
    weights and before `compile`/`fit`. Weights of `new_layers` (e.g. a fresh
    classification head) get plain `L2(new_layers_l2)` instead, or nothing if
    `new_layers_l2` is None. The starting values are kept as non-trainable
    `keras.Variable`s (create them under a strategy's scope when distributing).
    Regularizers attached to variables this way are not part of the layers'
    configs: a reloaded `.keras` model needs `apply_l2sp` again to keep
    fine-tuning with it. Returns the number of weights regularised with L2-SP.

    Example:

    ```python
    base = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, name="features")])
    head = keras.layers.Dense(2, activation="softmax", name="head")
    model = keras.Sequential([base, head])  # base: pre-trained weights loaded here
    count = kerasdl.regularizers.apply_l2sp(model, l2=1e-3, new_layers=[head], new_layers_l2=1e-4)
    model.compile("adam", loss="sparse_categorical_crossentropy")
    model.fit(np.random.rand(8, 4), np.arange(8) % 2, epochs=1, verbose=0)
    ```
    """
    if isinstance(layers, keras.layers.Layer):
        layers = [layers]
    new_ids = {id(v) for layer in new_layers for v in layer.trainable_weights}
    count = 0
    for layer in layers:
        for variable in layer.trainable_weights:
            if id(variable) in new_ids:
                continue
            anchor = keras.Variable(
                ops.convert_to_tensor(variable),
                trainable=False,
                name=f"{variable.name}_l2sp_reference",
            )
            variable.regularizer = L2SP(l2, reference=anchor)
            count += 1
    if new_layers_l2 is not None:
        for layer in new_layers:
            for variable in layer.trainable_weights:
                variable.regularizer = keras.regularizers.L2(new_layers_l2)
    return count
