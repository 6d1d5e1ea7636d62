"""tfa.layers.wrappers: WeightNormalization, kerasdl's (see its docstring for the one
departure from tfa's data-dependent initialisation)."""

from kerasdl.layers.regularization import WeightNormalization

__all__ = ["WeightNormalization"]
