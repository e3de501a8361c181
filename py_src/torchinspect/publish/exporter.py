"""``jupyter nbconvert --to torchinspect-html``: notebook pages whose inspectors stay interactive.

nbconvert's own HTML draws a widget only through a widget manager loaded from a CDN, and
without the notebook's widget state, only the static table of each inspector. This exporter
writes JupyterLab's page (the ``lab`` template) with every inspector, graph, gradient flow and
comparison drawn by the same views as the notebook, from the data saved in the notebook, by
one script inlined in the page: it opens from disk and asks the network for nothing. Its
Content-Security-Policy forbids any request; so the page loads no MathJax (formulas read as
their TeX source), no Mermaid, no require.js and no widget manager (other widgets show their
HTML or text form).
"""

from __future__ import annotations

from typing import Any

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode

from torchinspect.assets import inline_asset
from torchinspect.publish.views import VIEW_MARKER, publish_outputs

# No request of any kind; inline script and style; images and fonts from the page itself (data: URLs).
POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:"
)
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.torchinspect.policy }}">
<style>{{ resources.torchinspect.style }}</style>
<style>.torchinspect-published { padding: 4px 0; } .torchinspect-published > .torchinspect + .torchinspect { margin-top: .6rem; }</style>
{%- endblock extra_css -%}
{#- A view outside JupyterLab's rules for rendered HTML (its headings, tables), as in JupyterLab. -#}
{% block data_html scoped -%}
{%- if output.data['text/html'].startswith(resources.torchinspect.marker) -%}
<div class="jp-OutputArea-output {{ extra_class }}" data-mime-type="text/html">{{ output.data['text/html'] }}</div>
{%- else -%}
{{ super() }}
{%- endif -%}
{%- endblock data_html %}
{%- block footer_js -%}
<script>{{ resources.torchinspect.script }}</script>
{%- endblock footer_js -%}
"""


class PublishViews(Preprocessor):
    """Replaces each torchinspect output with the data its page view draws (see ``views``)."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        self.log.info("torchinspect: %d views published", publish_outputs(nb))
        return nb, resources


class TorchinspectHTMLExporter(HTMLExporter):
    """nbconvert's HTML, with every torchinspect output interactive and nothing loaded from the network.

    Registered as ``torchinspect-html``: ``jupyter nbconvert --to torchinspect-html lesson.ipynb``
    writes ``lesson.html``; add ``--execute`` for a notebook saved without outputs. The
    notebook must have been run with torchinspect: the page draws what the notebook saved (its
    widget state where it has one, else each output's own data), with no kernel behind it, so
    the slicer and a graph node's values are not offered. Every other option of ``--to html``
    applies (``--HTMLExporter.theme=dark``, ``--no-input``).

    Example:
        >>> import nbformat
        >>> from torchinspect.publish import TorchinspectHTMLExporter
        >>> page, _ = TorchinspectHTMLExporter().from_notebook_node(nbformat.v4.new_notebook())
        >>> "Content-Security-Policy" in page, "<script src=" in page
        (True, False)
    """

    export_from_notebook = "HTML with torchinspect views"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.raw_template = _TEMPLATE
        # After the defaults, so after --execute has run the notebook.
        self.register_preprocessor(PublishViews(parent=self), enabled=True)

    def _init_resources(self, resources: dict[str, Any] | None) -> dict[str, Any]:
        resources = super()._init_resources(resources)
        resources["torchinspect"] = {
            "policy": POLICY,
            "marker": VIEW_MARKER,
            "style": inline_asset("widget.css", "style"),
            "script": inline_asset("page.js", "script"),
        }
        return resources
