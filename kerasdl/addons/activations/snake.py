"""tfa.activations.snake: kerasdl's `snake`."""

from kerasdl.activations import snake

__all__ = ["snake"]
