"""Publish executed notebooks as HTML pages whose torchinspect views stay interactive, offline.

- ``jupyter nbconvert --to torchinspect-html lesson.ipynb``: one page (``TorchinspectHTMLExporter``);
- ``python -m torchinspect.publish examples/ site/ --execute``: a folder of notebooks as a folder
  of pages with an index (``publish_folder``).

Needs nbconvert (``pip install torchinspect[publish]``); torch is not imported.
"""

from torchinspect.publish.exporter import TorchinspectHTMLExporter
from torchinspect.publish.site import publish_folder

__all__ = ["TorchinspectHTMLExporter", "publish_folder"]
