"""tfa.layers.StochasticDepth: kerasdl's (tfa semantics: called on `[shortcut, residual]`,
one draw per batch, no rescaling; inference returns `shortcut + p * residual`)."""

from kerasdl.layers.regularization import StochasticDepth

__all__ = ["StochasticDepth"]
