"""Custom Keras layers, one file per family."""

from kerasdl.activations import RReLU, Snake
from kerasdl.layers.crf import *  # noqa: F401,F403
from kerasdl.layers.regularization import *  # noqa: F401,F403
from kerasdl.layers.residual import *  # noqa: F401,F403
from kerasdl.layers.separable import *  # noqa: F401,F403
from kerasdl.layers.text import *  # noqa: F401,F403
