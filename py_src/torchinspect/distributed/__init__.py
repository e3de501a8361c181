"""Sharded tensors: a ``torch.distributed.tensor.DTensor`` read by the ranks that hold it, together.

Every rank of the tensor's device mesh calls ``snapshot``, ``summary`` or ``inspect`` on its
DTensor; the statistics, histogram and preview of the *global* tensor are reduced with a few
``all_reduce`` calls of bounded size on the mesh's process groups, and no rank gathers the data.
Nothing here is imported for a plain tensor, so ``torch.distributed`` stays unloaded until a
DTensor is inspected.

``detect``       is it a DTensor (without importing torch.distributed)
``placements``   the mesh, the placements and every rank's block, as plain data
``collectives``  all_reduce over a whole mesh, bounded in time, and the timeout to use
``statistics``   global statistics and histogram from each rank's own
``preview``      block sums of each rank's part of the preview, added across ranks
``snapshot``     the contents of a DTensor's snapshot, built from the above
``alone``        what one rank says of a DTensor by itself (a page's request): its layout, no collective
``blocks``       each rank's own block, snapshot by that rank and gathered to the rank that renders
``widget``       ``inspect``: the rank that renders gets the widget, the others None
"""

from torchinspect.distributed.collectives import collective_timeout

__all__ = ["collective_timeout"]
