"""tfa.optimizers under Keras 3: tfa's names and arguments.

`AdamW`/`SGDW` keep tfa's weight decay (`var -= weight_decay * var`, not scaled by the
learning rate) and its `exclude_from_weight_decay` / `decay_var_list`; `RectifiedAdam`,
`Lookahead`, `Yogi`, `NovoGrad`, `LazyAdam` and `AdaBelief` are kerasdl's, and so are the
cyclical learning-rate schedules (`kerasdl.schedules`); `SWA` and `MovingAverage` are
tfa's optimizer wrappers; `LAMB` (tfa's decay inside the trust ratio, and its exclusions)
and `MultiOptimizer` (optimizer-layer pairs) take tfa's arguments on Keras 3's
`keras.optimizers.Lamb` and `keras.optimizers.MultiOptimizer`; `ProximalAdagrad`, `COCOB`
and `ConditionalGradient` are tfa's, here only.
"""

from kerasdl.addons.optimizers.adabelief import AdaBelief
from kerasdl.addons.optimizers.cocob import COCOB
from kerasdl.addons.optimizers.conditional_gradient import ConditionalGradient
from kerasdl.addons.optimizers.cyclical_learning_rate import (
    CyclicalLearningRate,
    ExponentialCyclicalLearningRate,
    Triangular2CyclicalLearningRate,
    TriangularCyclicalLearningRate,
)
from kerasdl.addons.optimizers.discriminative_layer_training import MultiOptimizer
from kerasdl.addons.optimizers.lamb import LAMB
from kerasdl.addons.optimizers.lazy_adam import LazyAdam
from kerasdl.addons.optimizers.lookahead import Lookahead
from kerasdl.addons.optimizers.moving_average import MovingAverage
from kerasdl.addons.optimizers.novograd import NovoGrad
from kerasdl.addons.optimizers.proximal_adagrad import ProximalAdagrad
from kerasdl.addons.optimizers.rectified_adam import RectifiedAdam
from kerasdl.addons.optimizers.stochastic_weight_averaging import SWA
from kerasdl.addons.optimizers.weight_decay_optimizers import (
    SGDW,
    AdamW,
    DecoupledWeightDecayExtension,
    extend_with_decoupled_weight_decay,
)
from kerasdl.addons.optimizers.yogi import Yogi

__all__ = [
    "AdaBelief",
    "AdamW",
    "COCOB",
    "ConditionalGradient",
    "CyclicalLearningRate",
    "DecoupledWeightDecayExtension",
    "ExponentialCyclicalLearningRate",
    "LAMB",
    "LazyAdam",
    "Lookahead",
    "MovingAverage",
    "MultiOptimizer",
    "NovoGrad",
    "ProximalAdagrad",
    "RectifiedAdam",
    "SGDW",
    "SWA",
    "Triangular2CyclicalLearningRate",
    "TriangularCyclicalLearningRate",
    "Yogi",
    "extend_with_decoupled_weight_decay",
]
