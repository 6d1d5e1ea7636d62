"""tfa.losses.metric_learning: the pairwise distance matrices the metric-learning losses
mine their pairs and triplets from."""

from keras import ops


def pairwise_distance(feature, squared: bool = False):
    """`[n, n]` Euclidean distances between the rows of a `[n, d]` `feature` matrix,
    from `|a|^2 + |b|^2 - 2 a.b` clipped at zero, with an exact zero diagonal and a zero
    (not NaN) gradient where two rows coincide."""
    feature = ops.convert_to_tensor(feature)
    norms = ops.sum(ops.square(feature), axis=1, keepdims=True)
    squared_distances = (
        norms + ops.transpose(norms) - 2.0 * ops.matmul(feature, ops.transpose(feature))
    )
    squared_distances = ops.maximum(squared_distances, 0.0)
    positive = ops.cast(ops.greater(squared_distances, 0.0), feature.dtype)
    if squared:
        distances = squared_distances
    else:
        # The 1e-16 keeps sqrt's gradient finite at zero; the product removes it again.
        distances = ops.sqrt(squared_distances + (1.0 - positive) * 1e-16) * positive
    off_diagonal = 1.0 - ops.eye(ops.shape(feature)[0], dtype=feature.dtype)
    return distances * off_diagonal


def angular_distance(feature):
    """`[n, n]` matrix of `1 - cosine_similarity` between the rows of `feature`, at
    least zero."""
    feature = ops.convert_to_tensor(feature)
    feature = feature / ops.sqrt(
        ops.maximum(ops.sum(ops.square(feature), axis=1, keepdims=True), 1e-12)
    )
    return ops.maximum(1.0 - ops.matmul(feature, ops.transpose(feature)), 0.0)


def distance_matrix(embeddings, distance_metric):
    """The `[n, n]` distances named by tfa's `distance_metric`: "L2", "squared-L2",
    "angular", or a callable from the `[n, d]` embeddings to the matrix."""
    if distance_metric == "L2":
        return pairwise_distance(embeddings, squared=False)
    if distance_metric == "squared-L2":
        return pairwise_distance(embeddings, squared=True)
    if distance_metric == "angular":
        return angular_distance(embeddings)
    if callable(distance_metric):
        return distance_metric(embeddings)
    raise ValueError(
        "distance_metric must be 'L2', 'squared-L2', 'angular' or a callable, "
        f"got {distance_metric!r}"
    )
