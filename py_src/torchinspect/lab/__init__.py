"""The kernel side of the JupyterLab Tensors sidebar: importing this registers its comm target.

When a kernel starts, the extension runs ``__import__("torchinspect.lab")`` silently: an
expression, so no name is bound in the user's namespace, and a silent run leaves no history
and triggers no cell events. The import registers the comm target ``torchinspect:tensors``
(``sidebar``), whose requests are checked and resolved by ``requests``, and whose listing of
the namespace's tensors is ``listing``. Outside a kernel it registers nothing.
"""

from torchinspect.lab.sidebar import register

register()
