"""tfa.optimizers.AdaBelief: kerasdl's (tfa 0.23's arguments and trajectories)."""

from kerasdl.optimizers.adabelief import AdaBelief

__all__ = ["AdaBelief"]
