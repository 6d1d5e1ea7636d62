"""kerasdl: a Keras 3 high-level framework on TensorFlow.

Importing kerasdl registers every custom object with Keras serialization
(package "kerasdl"), so `.keras` files that use them load by name.
"""

from kerasdl import activations
from kerasdl import callbacks
from kerasdl import data
from kerasdl import layers
from kerasdl import losses
from kerasdl import metrics
from kerasdl import models
from kerasdl import ops
from kerasdl import optimizers
from kerasdl import regularizers

__version__ = "0.1.0"
