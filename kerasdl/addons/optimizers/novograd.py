"""tfa.optimizers.NovoGrad: kerasdl's (tfa 0.23's arguments and trajectories)."""

from kerasdl.optimizers.novograd import NovoGrad

__all__ = ["NovoGrad"]
