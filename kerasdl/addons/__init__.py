"""tensorflow-addons 0.23's API under Keras 3: `import kerasdl.addons as tfa`.

Laid out as tfa: `activations, callbacks, image, layers, losses, metrics, optimizers, rnn,
seq2seq, text`, with tfa's names, arguments, defaults and return values, and the
submodule paths tfa users import (`kerasdl.addons.text.crf`,
`kerasdl.addons.optimizers.weight_decay_optimizers`, `kerasdl.addons.image.transform_ops`,
...). Thin where kerasdl or Keras 3 already has the piece. `kerasdl.addons._census`
says where each of tfa's public symbols lives now, including those not provided.
Serializable classes whose config differs from kerasdl's are registered as "Addons>...".
"""

from kerasdl.addons import (
    activations,
    callbacks,
    image,
    layers,
    losses,
    metrics,
    optimizers,
    rnn,
    seq2seq,
    text,
)

__all__ = [
    "activations",
    "callbacks",
    "image",
    "layers",
    "losses",
    "metrics",
    "optimizers",
    "register_all",
    "rnn",
    "seq2seq",
    "text",
]


def register_all(keras_objects: bool = True, custom_kernels: bool = True) -> None:
    """tfa's `register_all`: importing `kerasdl.addons` already registers every
    serializable class with Keras (as "Addons>Name"), and there are no custom kernels."""
