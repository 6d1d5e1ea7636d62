"""tfa.optimizers.LazyAdam: kerasdl's (tfa 0.23's arguments and trajectories)."""

from kerasdl.optimizers.lazy_adam import LazyAdam

__all__ = ["LazyAdam"]
