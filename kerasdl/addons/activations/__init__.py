"""tfa.activations under Keras 3: tfa's names, arguments and defaults.

`gelu` is approximate by default (Keras' is exact); `hardshrink`/`softshrink` take
`lower`/`upper` (Keras' take one `threshold`); `sparsemax` is tfa's algorithm (Keras
3.15.1's is wrong on ties in the support). `lisht`, `snake` and `rrelu` are kerasdl's.
"""

from kerasdl.addons.activations.gelu import gelu
from kerasdl.addons.activations.hardshrink import hardshrink
from kerasdl.addons.activations.lisht import lisht
from kerasdl.addons.activations.mish import mish
from kerasdl.addons.activations.rrelu import rrelu
from kerasdl.addons.activations.snake import snake
from kerasdl.addons.activations.softshrink import softshrink
from kerasdl.addons.activations.sparsemax import sparsemax
from kerasdl.addons.activations.tanhshrink import tanhshrink

__all__ = [
    "gelu",
    "hardshrink",
    "lisht",
    "mish",
    "rrelu",
    "snake",
    "softshrink",
    "sparsemax",
    "tanhshrink",
]
