"""tfa.activations.lisht: kerasdl's `lisht`."""

from kerasdl.activations import lisht

__all__ = ["lisht"]
