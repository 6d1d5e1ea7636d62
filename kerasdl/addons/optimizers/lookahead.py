"""tfa.optimizers.Lookahead: kerasdl's (same `optimizer, sync_period, slow_step_size`)."""

from kerasdl.optimizers.lookahead import Lookahead

__all__ = ["Lookahead"]
