"""Fast, safe spec loading: parsed data, lazy file:line:column, and confined ``$ref`` resolution.

The API (stable; ``contractkit diff`` and ``contractkit lint`` build on it)::

    from contractkit.loading import load_document, load_text, RefResolver

    doc = load_document("specs/neuron-api.yaml")   # or load_text(blob, "old/neuron-api.yaml", base_dir)
    doc.data            # JSON-compatible data: dicts with str keys, lists, str/int/float/bool/None
    doc.kind            # "openapi" | "mcp-servers"  (NotASpecError otherwise, unless require_kind=False)
    doc.path, doc.name, doc.text, doc.base_dir
    doc.get("/paths/~1chat/post")          # node at a JSON pointer, or None
    doc.locate("/paths/~1chat/post")       # (line, column), 1-based; computed on first use only
    doc.where("/paths/~1chat/post")        # "specs/neuron-api.yaml:310:5"

    resolver = RefResolver(doc)            # confined to the spec's folder
    resolver.resolve("#/components/schemas/Problem")  -> Target(document, pointer, value)
    resolver.follow(node)                  # through ref chains, detecting cycles
    resolver.deref(node)                   # the value, or None if it cannot be followed
    iter_refs(doc.data)                    # (pointer, ref) of every $ref

Errors (all from contractkit.errors, exit code 2 at the CLI): SpecReadError (missing, binary,
not UTF-8), SpecParseError (syntax, duplicate keys, alias bombs, tags, too deep), NotASpecError,
RefError (dangling, remote, outside the folder, cyclic). Parsing uses yaml-rs (about 10x faster
than PyYAML's C loader); see parse.py and locate.py for why locations are lazy.
"""

from contractkit.loading.document import Document, Kind, detect_kind, load_document, load_text
from contractkit.loading.locate import pointer_get, pointer_join, pointer_parts
from contractkit.loading.refs import RefResolver, Target, iter_refs

__all__ = [
    "Document",
    "Kind",
    "RefResolver",
    "Target",
    "detect_kind",
    "iter_refs",
    "load_document",
    "load_text",
    "pointer_get",
    "pointer_join",
    "pointer_parts",
]
