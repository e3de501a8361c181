"""``nn.Module`` → ``torchinspect.model/1``: the module tree, its parameters and buffers.

``snapshot.model_snapshot`` is pure (plain data, no widget); ``widget.ModelInspector`` shows
it in the notebook and keeps it live after each cell.
"""
