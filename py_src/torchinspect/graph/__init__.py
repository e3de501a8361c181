"""The autograd graph behind tensors → its snapshot, ``torchinspect.graph/1``.

``walk`` is the one walk through ``next_functions`` (iterative, any depth); ``nodes`` reads
what each autograd class shares; ``snapshot`` builds the graph snapshot, its leaves named by
``naming``; ``modules`` stamps nodes with the ``nn.Module`` that made them; ``node_tensors``
finds a node's tensor again by its id; ``safety`` holds deep walked graphs until torch can
free them without overflowing the C stack.
"""
