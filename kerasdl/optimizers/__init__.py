"""Optimizers Keras 3 lacks (tfa 0.23 arguments), on the Keras 3 optimizer base class.

`get(identifier, **kwargs)` resolves any Keras or kerasdl optimizer by name,
config or instance; trainers use it for `--optimizer`.

Weight decay: `keras.optimizers.AdamW`/`SGD(weight_decay=...)` decay by
`learning_rate * weight_decay * var` per step; tfa's AdamW/SGDW decayed by
`weight_decay * var`. `AdamWTFA` and `SGDWTFA` keep tfa's meaning for runs
migrated from tfa; their `weight_decay`, and `RectifiedAdam`'s and `AdaBelief`'s, may be
a schedule (read at `iterations`, like the learning rate) or a callable, as in tfa.

Sparse gradients (`tf.IndexedSlices`, an `Embedding`'s on TensorFlow): every kerasdl
optimizer sums repeated rows first (`sparse.deduplicate`); `Lookahead` and `SAM` hand
summed gradients on, also to Keras's optimizers. `RectifiedAdam`, `Yogi`, `NovoGrad`,
`AdaBelief`, `LazyAdam`, `AdamWTFA` and `SGDWTFA` then update rows as tfa 0.23 did
(`sparse.GradientRows`): rows absent from the gradient keep their values (`LazyAdam`:
their moments too), except in `AdamWTFA`, which (as tfa's AdamW) decays only the rows
present but takes Adam's step in every row, so a row seen before moves by its momentum.
Keras's own optimizers decay every row's moments and move every row by them.
"""

import inspect

import keras

from kerasdl.optimizers.adabelief import AdaBelief
from kerasdl.optimizers.adamw_tfa import AdamWTFA
from kerasdl.optimizers.lazy_adam import LazyAdam
from kerasdl.optimizers.lookahead import Lookahead
from kerasdl.optimizers.novograd import NovoGrad
from kerasdl.optimizers.rectified_adam import RectifiedAdam
from kerasdl.optimizers.sam import SAM
from kerasdl.optimizers.sgdw_tfa import SGDWTFA
from kerasdl.optimizers.yogi import Yogi

__all__ = [
    "AdaBelief",
    "AdamWTFA",
    "LazyAdam",
    "Lookahead",
    "NovoGrad",
    "RectifiedAdam",
    "SAM",
    "SGDWTFA",
    "Yogi",
    "get",
]

_KERASDL_OPTIMIZERS = {
    "adabelief": AdaBelief,
    "adamwtfa": AdamWTFA,
    "lazyadam": LazyAdam,
    "lookahead": Lookahead,
    "novograd": NovoGrad,
    "radam": RectifiedAdam,
    "rectifiedadam": RectifiedAdam,
    "sgdwtfa": SGDWTFA,
    "yogi": Yogi,
}


def _normalise(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _keras_optimizers() -> dict:
    found = {}
    for name, obj in vars(keras.optimizers).items():
        if inspect.isclass(obj) and issubclass(obj, keras.optimizers.Optimizer):
            if obj not in (keras.optimizers.Optimizer, keras.optimizers.LossScaleOptimizer):
                found[_normalise(name)] = obj
    return found


def get(identifier, **kwargs) -> keras.optimizers.Optimizer:
    """Returns an optimizer from a name, a serialized config, or an instance.

    Names are case-, `_`- and `-`-insensitive: Keras's (`"adam"`, `"AdamW"`,
    `"rmsprop"`, `"lion"`, ...) and kerasdl's (`"radam"`/`"rectified_adam"`,
    `"yogi"`, `"novograd"`, `"adamw_tfa"`, `"sgdw_tfa"`, `"lazy_adam"`, `"adabelief"`).
    `"lookahead_<name>"` wraps `<name>` in `Lookahead` (e.g. `"lookahead_radam"`, the
    "Ranger" combination). `kwargs` go to the (inner) optimizer's constructor, e.g.
    `get("yogi", learning_rate=0.01)`. An instance is returned as is.

    Example:

    ```python
    optimizer = kerasdl.optimizers.get("lookahead_radam", learning_rate=1e-3)  # "Ranger"
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=kerasdl.optimizers.get("yogi", learning_rate=0.01), loss="mse")
    ```
    """
    if isinstance(identifier, keras.optimizers.Optimizer):
        if kwargs:
            raise ValueError("kwargs cannot be applied to an optimizer instance")
        return identifier
    if isinstance(identifier, dict):
        return keras.optimizers.deserialize(identifier)
    if not isinstance(identifier, str):
        raise ValueError(f"Cannot interpret optimizer identifier: {identifier!r}")
    key = _normalise(identifier)
    if key.startswith("lookahead") and key != "lookahead":
        return Lookahead(get(key[len("lookahead") :], **kwargs))
    known = {**_keras_optimizers(), **_KERASDL_OPTIMIZERS}
    if key not in known or key == "lookahead":
        choices = sorted(set(known) - {"lookahead"}) + ["lookahead_<name>"]
        raise ValueError(f"Unknown optimizer {identifier!r}; known: {', '.join(choices)}")
    try:
        return known[key](**kwargs)
    except TypeError as error:  # e.g. adamw_tfa without weight_decay
        raise ValueError(f"Cannot build optimizer {identifier!r}: {error}") from None
