"""tfa.optimizers.RectifiedAdam: kerasdl's (tfa 0.23's arguments and trajectories)."""

from kerasdl.optimizers.rectified_adam import RectifiedAdam

__all__ = ["RectifiedAdam"]
