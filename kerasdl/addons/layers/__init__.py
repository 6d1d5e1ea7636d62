"""tfa.layers under Keras 3: tfa's names and arguments.

`CRF`, `GELU`, `MultiHeadAttention`, `Snake`, `Sparsemax`, `InstanceNormalization` and
`WeightNormalization` (recurrent layers included) are written for tfa's configs and values
(registered under "Addons"); `StochasticDepth` is kerasdl's; `GroupNormalization`,
`SpectralNormalization` and the adaptive pooling layers are Keras 3's. The rest is listed
in BUILD_NOTES' migration table.
"""

from kerasdl.addons.layers.adaptive_pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
)
from kerasdl.addons.layers.crf import CRF
from kerasdl.addons.layers.gelu import GELU
from kerasdl.addons.layers.multihead_attention import MultiHeadAttention
from kerasdl.addons.layers.normalizations import GroupNormalization, InstanceNormalization
from kerasdl.addons.layers.snake import Snake
from kerasdl.addons.layers.sparsemax import Sparsemax
from kerasdl.addons.layers.spectral_normalization import SpectralNormalization
from kerasdl.addons.layers.stochastic_depth import StochasticDepth
from kerasdl.addons.layers.wrappers import WeightNormalization

__all__ = [
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D",
    "CRF",
    "GELU",
    "GroupNormalization",
    "InstanceNormalization",
    "MultiHeadAttention",
    "Snake",
    "Sparsemax",
    "SpectralNormalization",
    "StochasticDepth",
    "WeightNormalization",
]
