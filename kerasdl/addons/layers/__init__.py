"""tfa.layers under Keras 3: tfa's names and arguments.

`CRF`, `CorrelationCost`, `EmbeddingBag`, `FilterResponseNormalization`, `GELU`,
`InstanceNormalization`, `MaxUnpooling2D`, `MaxUnpooling2DV2`, `Maxout`,
`MultiHeadAttention`, `NoisyDense`, `PoincareNormalize`, `PolynomialCrossing`, `Snake`,
`Sparsemax`, `SpatialPyramidPooling2D`, `TLU` and `WeightNormalization` (recurrent layers
included) are written for tfa's configs and values (registered under "Addons"), tfa's
custom kernels (`CorrelationCost`, `EmbeddingBag`) in `keras.ops`; `StochasticDepth` is
kerasdl's; `GroupNormalization`, `SpectralNormalization` and the adaptive pooling layers
are Keras 3's. The rest is listed in BUILD_NOTES' migration table.
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
from kerasdl.addons.layers.embedding_bag import EmbeddingBag
from kerasdl.addons.layers.esn import ESN
from kerasdl.addons.layers.gelu import GELU
from kerasdl.addons.layers.max_unpooling_2d import MaxUnpooling2D
from kerasdl.addons.layers.max_unpooling_2d_v2 import MaxUnpooling2DV2
from kerasdl.addons.layers.maxout import Maxout
from kerasdl.addons.layers.multihead_attention import MultiHeadAttention
from kerasdl.addons.layers.noisy_dense import NoisyDense
from kerasdl.addons.layers.normalizations import (
    FilterResponseNormalization,
    GroupNormalization,
    InstanceNormalization,
)
from kerasdl.addons.layers.optical_flow import CorrelationCost
from kerasdl.addons.layers.poincare import PoincareNormalize
from kerasdl.addons.layers.polynomial import PolynomialCrossing
from kerasdl.addons.layers.snake import Snake
from kerasdl.addons.layers.sparsemax import Sparsemax
from kerasdl.addons.layers.spatial_pyramid_pooling import SpatialPyramidPooling2D
from kerasdl.addons.layers.spectral_normalization import SpectralNormalization
from kerasdl.addons.layers.stochastic_depth import StochasticDepth
from kerasdl.addons.layers.tlu import TLU
from kerasdl.addons.layers.wrappers import WeightNormalization

__all__ = [
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D",
    "CRF",
    "CorrelationCost",
    "ESN",
    "EmbeddingBag",
    "FilterResponseNormalization",
    "GELU",
    "GroupNormalization",
    "InstanceNormalization",
    "MaxUnpooling2D",
    "MaxUnpooling2DV2",
    "Maxout",
    "MultiHeadAttention",
    "NoisyDense",
    "PoincareNormalize",
    "PolynomialCrossing",
    "Snake",
    "Sparsemax",
    "SpatialPyramidPooling2D",
    "SpectralNormalization",
    "StochasticDepth",
    "TLU",
    "WeightNormalization",
]
