"""tfa.image.connected_components: labels of 4-connected components of equal non-zero
pixels, tfa 0.23's union-find kernel (`Addons>ImageConnectedComponents`) re-expressed in
TensorFlow ops as a parallel union-find (Shiloach and Vishkin's hooking and pointer jumping).

Every pixel starts as its own tree, named by its flat index over the whole batch. Each
round hooks, for every pair of joined neighbours in different trees, the root with the
larger index under the smaller one (a scatter-min), then jumps every pixel's parent to its
root. Roots only ever point to smaller indices, so when no pair spans two trees each
component is one tree rooted at its smallest flat index, after O(log n) rounds. Numbering
those roots in flat (image, row, column) order gives tfa's ids: consecutive from 1 across
the batch, in the order in which components first appear.
"""

import tensorflow as tf


def _jump_to_roots(parent):
    """`parent` with every entry replaced by its tree's root (pointer jumping)."""

    def body(parent, _):
        grandparent = tf.gather(parent, parent)
        return grandparent, tf.reduce_any(tf.not_equal(grandparent, parent))

    parent, _ = tf.while_loop(lambda _, changed: changed, body, (parent, tf.constant(True)))
    return parent


def connected_components(images, name: str | None = None):
    """Labels the connected components of `images`, as tfa 0.23.

    A component is a set of pixels of one image with the same non-zero value, joined to
    their neighbours above, below, left and right (`scipy.ndimage.label`'s default
    structure, per value). Zero pixels (`0`, `False`, `""`) get 0; components get ids 1 to
    n across the whole batch, numbered by their first pixel in (image, row, column) order.

    Args:
        images: `[height, width]` or `[batch, height, width]` tensor of integer, float,
            bool or string values (rank known statically). NaN pixels join nothing.
        name: unused (tfa's op name).

    Returns:
        int32 component ids of `images`' shape.
    """
    images = tf.convert_to_tensor(images)
    rank = images.shape.rank
    if rank not in (2, 3):
        raise TypeError(
            f"images should have rank 2 (HW) or 3 (NHW). Static shape is {images.shape}"
        )
    batch = images[None] if rank == 2 else images
    nonzero = tf.not_equal(batch, tf.zeros([], batch.dtype))  # "" for strings
    shape = tf.shape(batch, out_type=tf.int64)
    index = tf.reshape(tf.range(tf.reduce_prod(shape)), shape)
    # Joined pairs: a non-zero pixel and its equal right or lower neighbour.
    right = tf.logical_and(nonzero[:, :, :-1], tf.equal(batch[:, :, :-1], batch[:, :, 1:]))
    down = tf.logical_and(nonzero[:, :-1], tf.equal(batch[:, :-1], batch[:, 1:]))
    first_right = tf.boolean_mask(index[:, :, :-1], right)
    first_down = tf.boolean_mask(index[:, :-1], down)
    first = tf.concat([first_right, first_down], 0)
    second = tf.concat([first_right + 1, first_down + shape[2]], 0)

    def spans_two_trees(parent):
        return tf.reduce_any(tf.not_equal(tf.gather(parent, first), tf.gather(parent, second)))

    def hook(parent, _):
        root_first, root_second = tf.gather(parent, first), tf.gather(parent, second)
        larger = tf.maximum(root_first, root_second)[:, None]
        parent = tf.tensor_scatter_nd_min(parent, larger, tf.minimum(root_first, root_second))
        parent = _jump_to_roots(parent)
        return parent, spans_two_trees(parent)

    parent = tf.range(tf.reduce_prod(shape))
    parent, _ = tf.while_loop(lambda _, spans: spans, hook, (parent, spans_two_trees(parent)))
    is_root = tf.logical_and(
        tf.reshape(nonzero, [-1]), tf.equal(parent, tf.range(tf.size(parent, tf.int64)))
    )
    ids = tf.cumsum(tf.cast(is_root, tf.int32))
    components = tf.where(nonzero, tf.reshape(tf.gather(ids, parent), tf.shape(batch)), 0)
    return components[0] if rank == 2 else components


__all__ = ["connected_components"]
