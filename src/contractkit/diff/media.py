"""Media types by meaning: which bodies of BASE and HEAD are the same body, and how they travel.

``application/json; charset=utf-8`` is ``application/json``. A body that moved from
``application/json`` to ``application/problem+json`` (or any other ``+json`` type) is still JSON
to every client that parses it, so the two are paired and their schemas compared, rather than
reported as one media type removed and another added; the same holds for ``+xml``. XML and form
bodies (``application/x-www-form-urlencoded``) are text on the wire: their schemas are compared
as parameters are (see ``contractkit.diff.wire``).
"""

from __future__ import annotations

from typing import Any

#: Encoding Object fields that change the bytes of a multipart or form part.
ENCODING_FIELDS = ("contentType", "style", "explode", "allowReserved")


def essence(media_type: str) -> str:
    """``type/subtype`` without parameters, lower case (RFC 9110 §8.3.1: parameters aside)."""
    return str(media_type).split(";", 1)[0].strip().lower()


def family(media_type: str) -> str | None:
    """``json`` / ``xml`` for ``*/json``, ``*/*+json`` (RFC 6838 §4.2.8 structured syntax suffixes), else None."""
    subtype = essence(media_type).rpartition("/")[2]
    for name in ("json", "xml"):
        if subtype == name or subtype.endswith("+" + name):
            return name
    return None


def wire_mode(media_type: str) -> bool | str:
    """How a body's values travel: ``"xml"`` (text, shaped by the XML Object), ``"text"`` (URL-encoded
    forms), or False (JSON and the rest: typed)."""
    if family(media_type) == "xml":
        return "xml"
    return "text" if essence(media_type) == "application/x-www-form-urlencoded" else False


def covers(wide: str, narrow: str) -> bool:
    """Whether a media range (``*/*``, ``image/*``) covers a media type (RFC 9110 §12.5.1)."""
    wide, narrow = essence(wide), essence(narrow)
    if wide == "*/*":
        return True
    return wide.endswith("/*") and narrow.split("/", 1)[0] == wide[:-2]


def pair_media(b: dict, h: dict, request: bool | None = None) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(pairs of raw keys, BASE keys removed, HEAD keys added): same essence first, then same family, then
    (``request`` given) a media range that now covers what was listed in a request, or that listed what a
    response range covered: both leave every client served."""
    b_keys = {essence(k): k for k in b}
    h_keys = {essence(k): k for k in h}
    pairs = [(b_keys[e], h_keys[e]) for e in b_keys if e in h_keys]
    removed = [k for e, k in b_keys.items() if e not in h_keys]
    added = [k for e, k in h_keys.items() if e not in b_keys]
    for name in ("json", "xml"):
        old = [k for k in removed if family(k) == name]
        new = [k for k in added if family(k) == name]
        if len(old) == 1 and len(new) == 1:
            pairs.append((old[0], new[0]))
            removed.remove(old[0])
            added.remove(new[0])
    if request is not None:
        for old in list(removed):
            new = next((n for n in added if (covers(n, old) if request else covers(old, n))), None)
            if new is not None:
                pairs.append((old, new))
                removed.remove(old)
                if not any(covers(new, o) for o in removed) if request else True:
                    added.remove(new)
    return pairs, removed, added


def _content_types(value: Any) -> frozenset[str] | None:
    if not isinstance(value, str):
        return None
    return frozenset(essence(v) for v in value.split(",") if v.strip())


def encoding_changes(b: Any, h: Any) -> list[str]:
    """What changed in an Encoding Object map, part by part (fields left out take their defaults)."""
    # sorted below for a stable message
    b, h = (b if isinstance(b, dict) else {}), (h if isinstance(h, dict) else {})
    found = []
    for part in sorted(b.keys() & h.keys()):  # a part encoded on one side only is a property added or removed
        bp, hp = b.get(part), h.get(part)
        bp, hp = (bp if isinstance(bp, dict) else {}), (hp if isinstance(hp, dict) else {})
        b_ct, h_ct = _content_types(bp.get("contentType")), _content_types(hp.get("contentType"))
        if b_ct is not None and h_ct is not None and b_ct != h_ct:
            found.append(f"`{part}` contentType {bp['contentType']} -> {hp['contentType']}")
        b_style, h_style = bp.get("style", "form"), hp.get("style", "form")
        b_explode = bp.get("explode", b_style == "form")
        h_explode = hp.get("explode", h_style == "form")
        if (b_style, b_explode) != (h_style, h_explode):
            found.append(f"`{part}` style {b_style}{'/explode' if b_explode else ''} -> "
                         f"{h_style}{'/explode' if h_explode else ''}")
        if bool(bp.get("allowReserved")) != bool(hp.get("allowReserved")):
            found.append(f"`{part}` allowReserved {bool(bp.get('allowReserved'))} -> "
                         f"{bool(hp.get('allowReserved'))}")
    return found
