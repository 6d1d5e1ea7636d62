"""Zero initial states for the tfa.rnn cells."""

from keras import ops


def zero_states(cell, batch_size=None, dtype=None, inputs=None):
    """One zero tensor `[batch_size, size]` per entry of `cell.state_size`, in `dtype`
    (default: the cell's compute dtype). Takes tfa's (Keras 2) keywords as well as Keras
    3's: the batch size may come from `inputs`."""
    if batch_size is None and inputs is not None:
        batch_size = ops.shape(inputs)[0]
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    return [ops.zeros((batch_size, size), dtype=dtype or cell.compute_dtype) for size in sizes]
