"""tfa.optimizers under Keras 3: tfa's names and arguments.

`AdamW`/`SGDW` keep tfa's weight decay (`var -= weight_decay * var`, not scaled by the
learning rate) and its `exclude_from_weight_decay` / `decay_var_list`; `RectifiedAdam`,
`Lookahead`, `Yogi` and `NovoGrad` are kerasdl's; `SWA` is tfa's optimizer wrapper.
Keras 3 covers `LAMB`
(`keras.optimizers.Lamb`), `MovingAverage` (`use_ema=True`) and `MultiOptimizer`
(`keras.optimizers.MultiOptimizer`) with other arguments: see BUILD_NOTES.
"""

from kerasdl.addons.optimizers.lookahead import Lookahead
from kerasdl.addons.optimizers.novograd import NovoGrad
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
    "AdamW",
    "DecoupledWeightDecayExtension",
    "Lookahead",
    "NovoGrad",
    "RectifiedAdam",
    "SGDW",
    "SWA",
    "Yogi",
    "extend_with_decoupled_weight_decay",
]
