"""A tensor → its snapshot, ``torchinspect.tensor/1``: what it is, what is in it, its grad.

``values`` reads a tensor's values on its device in bounded chunks, ``statistics`` and
``preview`` reduce them, ``metadata`` reads its header, ``snapshot`` puts it all together
(with ``summary``, the one-line form), ``text`` writes a snapshot as text and static HTML,
``comparison`` sets two tensors side by side, and ``repr`` adds the summary line to torch's
``repr`` on request. Pure functions: no widget, IPython or Jupyter module.
"""
