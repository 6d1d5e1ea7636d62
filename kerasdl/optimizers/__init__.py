"""Optimizers Keras 3 lacks (tfa 0.23 arguments), on the Keras 3 optimizer base class."""
