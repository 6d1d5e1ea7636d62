"""kerasdl: a Keras 3 high-level framework on TensorFlow.

Importing kerasdl registers every custom object with Keras serialization
(package "kerasdl"), so `.keras` files that use them load by name.
"""

from kerasdl import (
    activations,
    addons,
    backup,
    callbacks,
    data,
    export,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    regularizers,
    schedules,
)

__version__ = "0.1.0"
