"""Sparse gradients: repeated rows summed first, updates confined to the rows present.

On TensorFlow the gradient of a gather (an `Embedding`) is a `tf.IndexedSlices` that lists a
row once per lookup: a token seen twice in a batch comes as two rows with the same index.
Keras's elementwise ops act on `IndexedSlices.values` before those are summed, so an update
built from `g**2` would use `sum(g_i**2)` where the gradient's square is `(sum g_i)**2` (Keras'
own Adam has this flaw). tf.keras 2 optimizers, and so tfa, summed the duplicates first
(`_deduplicate_indexed_slices`); kerasdl's optimizers do the same here, once. Other backends
produce dense gradients, which pass through untouched.

Shapes stay static so that the update also compiles with XLA (`jit_compile=True`, Keras'
default on GPUs): `tf.unique`'s result has a data-dependent length, and XLA pads it in a way
that corrupts `scatter_update`. Summing sorts the indices instead and keeps the input's
length, padding with zero rows at an index already present (so that summing again, or
any consumer, sees the same rows); writes add deltas, padding masked to zero.
"""

import keras
from keras import ops


def is_sparse(gradient) -> bool:
    """Whether `gradient` is a `tf.IndexedSlices` (only the TensorFlow backend makes them).

    Example:

    ```python
    gradient = tf.IndexedSlices(tf.ones((2, 3)), tf.constant([0, 2]), tf.constant([4, 3]))
    assert kerasdl.optimizers.sparse.is_sparse(gradient)
    assert not kerasdl.optimizers.sparse.is_sparse(tf.ones((4, 3)))
    ```
    """
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return isinstance(gradient, tf.IndexedSlices)


def _sum_repeated_rows(gradient):
    """`(indices, values, valid)`: each index once in the first `sum(valid)` rows (sorted),
    its values summed; the remaining rows are padding: zero values at the smallest index."""
    import tensorflow as tf

    count = tf.shape(gradient.indices)[0]
    order = tf.argsort(gradient.indices, stable=True)
    indices = tf.gather(gradient.indices, order)
    position = tf.range(count)
    first = tf.logical_or(position == 0, indices != tf.roll(indices, 1, axis=0))
    segment = tf.cumsum(tf.cast(first, tf.int32)) - 1
    values = tf.math.unsorted_segment_sum(tf.gather(gradient.values, order), segment, count)
    valid = position < tf.reduce_sum(tf.cast(first, tf.int32))
    indices = tf.math.unsorted_segment_max(indices, segment, count)
    # Padding at an index that is present: it must not make another row look reached.
    indices = tf.where(valid, indices, tf.gather(indices, tf.zeros_like(position)))
    return indices, values, valid


def deduplicate(gradient):
    """Returns `gradient` with the values of repeated indices summed.

    For a `tf.IndexedSlices`, every index's values sit in one row; the result keeps the
    input's number of rows by padding with zero rows at an index that is present, which add
    nothing to any sum, norm or elementwise op that maps 0 to 0, and reach no other row.
    Anything else is returned as is.

    Example:

    ```python
    gradient = tf.IndexedSlices(tf.ones((3, 2)), tf.constant([1, 1, 3]), tf.constant([4, 2]))
    summed = kerasdl.optimizers.sparse.deduplicate(gradient)
    # row 1 once with values [2, 2]; a zero padding row keeps three rows
    assert np.allclose(tf.convert_to_tensor(summed), tf.convert_to_tensor(gradient))
    ```
    """
    if not is_sparse(gradient):
        return gradient
    import tensorflow as tf

    indices, values, _ = _sum_repeated_rows(gradient)
    return tf.IndexedSlices(values, indices, gradient.dense_shape)


class DeduplicateRowsMixin:
    """Sums a sparse gradient's repeated rows before anything else in `apply`.

    Mix in before the Keras optimizer class. Clipping (`clipnorm`, `global_clipnorm`) then
    measures the gradient itself, as it does for the dense gradients of other backends (tfa
    clipped the unsummed rows), and `global_clipnorm` keeps a sparse gradient sparse.
    `update_step` sums again through `GradientRows`, because a `tf.distribute` all-reduce
    concatenates the replicas' rows.

    Example:

    ```python
    from kerasdl.optimizers.sparse import DeduplicateRowsMixin


    class SummingSGD(DeduplicateRowsMixin, keras.optimizers.SGD):
        pass


    embedding = keras.Variable(np.zeros((4, 2)))
    gradient = tf.IndexedSlices(tf.ones((2, 2)), tf.constant([1, 1]), tf.constant([4, 2]))
    SummingSGD(0.1, global_clipnorm=1.0).apply_gradients([(gradient, embedding)])
    ```
    """

    def apply(self, grads, trainable_variables=None):
        return super().apply([deduplicate(g) for g in grads], trainable_variables)

    def _clip_gradients(self, grads):
        if not (self.global_clipnorm and any(is_sparse(g) for g in grads)):
            return super()._clip_gradients(grads)
        import tensorflow as tf

        # Keras multiplies each gradient by the scale, which turns a tf.IndexedSlices dense
        # (every row would then count as reached); tf.clip_by_global_norm, which tf.keras 2
        # used, scales its values. Both make every value NaN when the norm is not finite.
        return tf.clip_by_global_norm(grads, self.global_clipnorm)[0]


class GradientRows:
    """The rows of `variable` that `gradient` reaches, for update rules that touch only those.

    A dense gradient reaches every row: `values` is the gradient, `gather` is the identity and
    `assign`/`assign_add`/`assign_sub` write whole tensors. A `tf.IndexedSlices` (its repeated
    rows summed here) reaches its indices: `gather` takes those rows of a variable or slot, and
    the writes change those rows only, leaving every other row bit for bit as it was. An
    update rule written on `values`, `gather(...)` and these writes thus serves both, as
    tfa's `_resource_apply_dense` and `_resource_apply_sparse` pairs did.

    Args:
        gradient: the gradient of `variable`, dense or `tf.IndexedSlices`.
        variable: the variable it updates; `values` are cast to its dtype.

    Example:

    ```python
    from kerasdl.optimizers.sparse import GradientRows

    variable = keras.Variable(np.ones((4, 2)))
    gradient = tf.IndexedSlices(tf.ones((2, 2)), tf.constant([1, 1]), tf.constant([4, 2]))
    rows = GradientRows(gradient, variable)  # row 1 once, its values summed
    optimizer = keras.optimizers.SGD(0.1)
    optimizer.build([variable])
    rows.assign_sub(optimizer, variable, 0.1 * rows.values)  # only row 1 moves, to 0.8
    ```
    """

    def __init__(self, gradient, variable):
        self._num_rows = variable.shape[0] if len(variable.shape) else None
        self.indices = None
        if is_sparse(gradient):
            self.indices, values, self._valid = _sum_repeated_rows(gradient)
            self.values = ops.cast(values, variable.dtype)
        else:
            self.values = ops.cast(gradient, variable.dtype)

    def gather(self, tensor):
        """The reached rows of `tensor` (a variable, slot or tensor shaped like `variable`)."""
        if self.indices is None:
            return tensor
        import tensorflow as tf

        if isinstance(tensor, keras.Variable):
            tensor = tensor.value
        return tf.gather(tensor, self.indices)

    def dense(self):
        """The gradient as a dense tensor (zeros in the rows not reached)."""
        if self.indices is None:
            return self.values
        import tensorflow as tf

        return tf.math.unsorted_segment_sum(self.values, self.indices, self._num_rows)

    def assign(self, optimizer, target, rows):
        """Sets the reached rows of `target` (a variable or slot) to `rows`."""
        if self.indices is None:
            optimizer.assign(target, rows)
        else:
            optimizer.assign_add(target, self._scatter(rows - self.gather(target)))

    def assign_add(self, optimizer, target, rows):
        """Adds `rows` to the reached rows of `target`."""
        if self.indices is None:
            optimizer.assign_add(target, rows)
        else:
            optimizer.assign_add(target, self._scatter(rows))

    def assign_sub(self, optimizer, target, rows):
        """Subtracts `rows` from the reached rows of `target`."""
        if self.indices is None:
            optimizer.assign_sub(target, rows)
        else:
            optimizer.assign_sub(target, self._scatter(rows))

    def _scatter(self, rows):
        import tensorflow as tf

        valid = tf.reshape(self._valid, [-1] + [1] * (len(rows.shape) - 1))
        return tf.IndexedSlices(tf.where(valid, rows, tf.zeros_like(rows)), self.indices)
