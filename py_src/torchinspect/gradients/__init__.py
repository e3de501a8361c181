"""The gradients at every node of an inspected graph, recorded during backward → ``gradients/1``.

``recorder`` arms a graph with one hook per node; each backward pass through it is kept as a
``backward_pass``, every gradient measured once by ``statistics``; ``report`` turns the last
pass into the published ``torchinspect.gradients/1`` with its flags.
"""
