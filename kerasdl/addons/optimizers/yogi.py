"""tfa.optimizers.Yogi: kerasdl's (tfa 0.23's arguments, `beta1`/`beta2` spelling
included, and trajectories)."""

from kerasdl.optimizers.yogi import Yogi

__all__ = ["Yogi"]
