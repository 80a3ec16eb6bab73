"""Spec schemas compiled once into jsonschema-rs validators that answer like the reference.

OAS-060 validates thousands of example values against hundreds of distinct schemas. The reference
validators (pure-Python jsonschema, through openapi-schema-validator's OAS 3.0 dialect for 3.0
documents) are exact but slow. A ``SchemaBundle`` translates each schema it meets into the JSON
Schema that jsonschema-rs compiles, once, on first use; a ``$ref`` becomes a keyword that calls
the target's own compiled validator. (Left to itself, jsonschema-rs compiles a copy of every
referenced schema at every place that refers to it: on a description like GitHub's, where a few
hundred schemas refer to each other, that costs more time and over a hundred megabytes more than
it saves.) Only validators a ref points at are kept; a schema nothing refers to is usually the
schema of one example, and is dropped once the next schema is compiled.

The bundle only ever says "valid" or "ask the reference": a caller re-runs the reference on
anything else, so findings and their messages stay the reference's. For "valid" to be safe, each
kept keyword must accept exactly what the reference accepts (``not`` and ``oneOf`` turn a stricter
keyword into a more lenient schema, so "stricter" is not enough):

* Only keywords the reference applies are kept; annotations and keywords it ignores are dropped.
* OAS 3.0 (openapi-schema-validator's ``OAS30Validator``, draft 4 based, compiled as draft 4, so
  ``1.0`` is not an integer there either): ``nullable: true`` beside a ``type`` becomes
  ``[type, "null"]``; names in ``required`` whose property schema says ``readOnly`` or
  ``writeOnly`` are dropped (the reference skips them); ``$ref`` siblings apply (as the
  reference applies them), which the ref keyword gives for free.
* ``format``, ``pattern`` and integer ``multipleOf`` run the reference's own Python code (its
  format checker, ``re.search``, ``%``) as jsonschema-rs custom keywords.
* Anything whose semantics differ or are unclear makes the schema "ask the reference" (and every
  value whose validation reaches it, through the ref keyword): ``discriminator`` beside
  ``allOf``/``anyOf``/``oneOf`` (the reference follows the mapping instead),
  ``patternProperties`` that ``additionalProperties`` depends on, a non-integer ``multipleOf``
  (float rounding), ``id``/``$id``/``$schema``/anchors/dynamic refs, ``unevaluated*``, unknown
  types, malformed keyword values, unresolvable refs.

A schema jsonschema-rs refuses to compile is likewise left to the reference.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from contractkit.errors import RefError

if TYPE_CHECKING:
    from contractkit.lint.context import LintContext
    from contractkit.loading import Document

OAS30 = "oas30"
JSON_SCHEMA_2020 = "2020-12"
DRAFT4_URI = "http://json-schema.org/draft-04/schema#"
DRAFT2020_URI = "https://json-schema.org/draft/2020-12/schema"

#: Keys that change how refs resolve, or that the translation does not model: ask the reference.
_UNMODELLED = frozenset(
    {
        "$id",
        "$schema",
        "$anchor",
        "$dynamicRef",
        "$dynamicAnchor",
        "$recursiveRef",
        "$recursiveAnchor",
        "$vocabulary",
        "unevaluatedProperties",
        "unevaluatedItems",
    }
)
#: The custom keywords' names: not the standard ones, so that neither jsonschema-rs's own checks
#: nor its meta-schema (which checks ``pattern`` as an ECMA regex) stand in for the reference's.
FORMAT, PATTERN, MULTIPLE_OF = "x-contractkit-format", "x-contractkit-pattern", "x-contractkit-multipleOf"
#: ``$ref`` becomes a keyword that calls the target's own compiled validator, so each schema is
#: compiled once however many schemas refer to it (jsonschema-rs would compile a copy per use).
REF = "x-contractkit-ref"
_OAS30_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
_2020_TYPES = _OAS30_TYPES | {"null"}
_COUNTS = ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties")
_2020_COUNTS = (*_COUNTS, "maxContains", "minContains")
_2020_SCHEMA_KEYS = ("not", "if", "then", "else", "contains", "propertyNames", "items", "additionalProperties")
_2020_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_2020_SCHEMA_MAPS = ("properties", "dependentSchemas")


class Unmodelled(Exception):
    """The schema uses something the translation does not reproduce exactly."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class _Checks:
    """The Python side of the custom keywords, and what they saw during one validation."""

    def __init__(self, format_checker: Any) -> None:
        self._format_checker = format_checker
        self.trouble = False  # a custom keyword met something only the reference can judge

    def format_conforms(self, instance: Any, fmt: str) -> bool:
        try:
            return bool(self.format_checker().conforms(instance, fmt))
        except Exception:  # the reference would raise here: let it decide
            self.trouble = True
            return False

    def checks_format(self, fmt: str) -> bool:
        """Whether the reference checks ``fmt`` at all (``uri`` needs a library that may be missing)."""
        return fmt in self.format_checker().checkers

    def format_checker(self) -> Any:
        if callable(self._format_checker):
            self._format_checker = self._format_checker()
        return self._format_checker


def _keywords(bundle: SchemaBundle) -> dict[str, type]:
    """Custom keywords running the reference's own Python code, and refs between compiled schemas."""
    checks = bundle.checks

    class Ref:
        def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
            self.target = value

        def validate(self, instance: Any) -> None:
            validator = bundle.validator(self.target)
            if validator is None:  # unmodelled: only the reference can judge this value
                checks.trouble = True
                raise ValueError("unmodelled schema")
            try:
                valid = validator.is_valid(instance)
            except Exception:  # e.g. a value jsonschema-rs cannot take, under a `not`: ask the reference
                checks.trouble = True
                raise ValueError("could not validate") from None
            if not valid:
                raise ValueError("does not match the referenced schema")

    class Format:
        def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
            self.format = value

        def validate(self, instance: Any) -> None:
            if instance is not None and not checks.format_conforms(instance, self.format):
                raise ValueError(f"{instance!r} is not a {self.format!r}")

    class Pattern:
        def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
            self.pattern = value

        def validate(self, instance: Any) -> None:
            if not isinstance(instance, str):
                return
            try:
                found = re.search(self.pattern, instance)
            except Exception:
                checks.trouble = True
                raise ValueError("pattern could not run") from None
            if not found:
                raise ValueError(f"{instance!r} does not match {self.pattern!r}")

    class MultipleOf:
        def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
            self.divisor = value

        def validate(self, instance: Any) -> None:
            if not _is_number(instance):
                return
            try:
                failed = instance % self.divisor
            except Exception:
                checks.trouble = True
                raise ValueError("multipleOf could not run") from None
            if failed:
                raise ValueError(f"{instance!r} is not a multiple of {self.divisor}")

    return {FORMAT: Format, PATTERN: Pattern, MULTIPLE_OF: MultipleOf, REF: Ref}


class SchemaBundle:
    """Schemas of one document, each translated and compiled on first use, once."""

    def __init__(self, ctx: LintContext, dialect: str, format_checker: Any) -> None:
        """``format_checker``: the reference's FormatChecker, or a function returning it (imported late)."""
        self.ctx = ctx
        self.dialect = dialect
        self.checks = _Checks(format_checker)
        self.places: list[tuple[Document, str, Any]] = []
        self.names: dict[tuple[str, str], int] = {}
        self.validators: dict[int, Any] = {}
        self._keywords: dict[str, type] | None = None
        self.shared: set[int] = set()  # schemas a ref points at: their validators are kept
        self._last: tuple[int, Any] | None = None

    def add(self, document: Document, pointer: str, value: Any = None) -> int:
        """The name (a number) of the schema at ``pointer`` of ``document`` (``value``, if known)."""
        key = (document.name, pointer)
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = len(self.places)
            self.places.append((document, pointer, _MISSING if value is None else value))
        return name

    def validator(self, name: int, *, keep: bool = True) -> Any:
        """The compiled validator of schema ``name``, or None where only the reference can judge.

        ``keep=False`` (a schema no ref points at, whose examples come one after another) keeps it
        only until the next one: most such schemas are used once, and thousands of compiled
        validators nobody asks for again would cost megabytes.
        """
        cached = self.validators.get(name, _MISSING)
        if cached is not _MISSING:
            return cached
        if self._last is not None and self._last[0] == name:
            return self._last[1]
        compiled = self._compile(name)
        if keep or compiled is None:
            self.validators[name] = compiled
        else:
            self._last = (name, compiled)
        return compiled

    def _compile(self, name: int) -> Any:
        document, pointer, value = self.places[name]
        try:
            if value is _MISSING:
                value = document.get(pointer, _MISSING)
            if value is _MISSING:
                raise Unmodelled("no node there")
            schema = self._schema(value, document)
            import jsonschema_rs

            if self._keywords is None:
                self._keywords = _keywords(self)
            if self.dialect == OAS30:
                return jsonschema_rs.Draft4Validator(schema, validate_formats=False, keywords=self._keywords)
            return jsonschema_rs.Draft202012Validator(schema, validate_formats=False, keywords=self._keywords)
        except Exception:  # Unmodelled, RecursionError, or a value the draft's meta-schema refuses
            return None

    def is_valid(self, name: int, instance: Any) -> bool:
        """True only if the reference would find no error in ``instance`` for schema ``name``."""
        validator = self.validator(name, keep=name in self.shared)
        if validator is None:
            return False
        self.checks.trouble = False
        try:
            valid = validator.is_valid(instance)
        except Exception:  # a value jsonschema-rs cannot take (a NaN, a lone surrogate, ...)
            return False
        return valid and not self.checks.trouble

    def _ref(self, ref: Any, doc: Document) -> int:
        if not isinstance(ref, str):
            raise Unmodelled("a $ref that is not a string")
        try:
            target = self.ctx.resolver.resolve(ref, doc)
        except (RefError, RecursionError):
            raise Unmodelled("an unresolvable $ref") from None
        name = self.add(target.document, target.pointer, target.value)
        self.shared.add(name)
        return name

    def _schema(self, value: Any, doc: Document) -> Any:
        if self.dialect == OAS30:
            return self._oas30(value, doc)
        return self._json_schema(value, doc)

    def _oas30(self, schema: Any, doc: Document) -> dict[str, Any]:
        """openapi-schema-validator's OAS30Validator keywords, as draft 4 (see the module docstring)."""
        if not isinstance(schema, dict):
            raise Unmodelled("a schema that is not an object")
        if _UNMODELLED.intersection(schema) or "id" in schema:  # OAS30Validator's id_of reads `id`
            raise Unmodelled("a keyword that is not modelled")
        if "discriminator" in schema and ("allOf" in schema or "anyOf" in schema or "oneOf" in schema):
            raise Unmodelled("discriminator")
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key == "type":
                if not isinstance(value, str) or value not in _OAS30_TYPES:
                    raise Unmodelled("type")
                out["type"] = [value, "null"] if schema.get("nullable") is True else value
            elif key in ("maximum", "minimum"):
                if not _is_number(value):
                    raise Unmodelled(key)
                out[key] = value
                exclusive = "exclusiveMaximum" if key == "maximum" else "exclusiveMinimum"
                if schema.get(exclusive, False):
                    out[exclusive] = True
            elif key == "multipleOf":
                if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                    raise Unmodelled("multipleOf")
                out[MULTIPLE_OF] = value
            elif key in _COUNTS:
                if not _is_count(value):
                    raise Unmodelled(key)
                out[key] = value
            elif key == "pattern":
                if not isinstance(value, str) or _has_ecma_regex():
                    raise Unmodelled("pattern")
                out[PATTERN] = value
            elif key == "uniqueItems":
                if value:
                    out[key] = True
            elif key == "enum":
                if not isinstance(value, list) or not value:
                    raise Unmodelled("enum")
                out[key] = value
            elif key in ("allOf", "anyOf", "oneOf"):
                if not isinstance(value, list) or not value:
                    raise Unmodelled(key)
                out[key] = [self._oas30(s, doc) for s in value]
            elif key in ("not", "items"):
                out[key] = self._oas30(value, doc)
            elif key == "properties":
                if not isinstance(value, dict):
                    raise Unmodelled(key)
                out[key] = {name: self._oas30(s, doc) for name, s in value.items()}
            elif key == "required":
                out.update(_oas30_required(value, schema))
            elif key == "additionalProperties":
                if schema.get("patternProperties"):
                    raise Unmodelled("patternProperties beside additionalProperties")
                if isinstance(value, bool):
                    out[key] = value
                else:
                    out[key] = self._oas30(value, doc)
            elif key == "format":
                if not isinstance(value, str):
                    raise Unmodelled("format")
                if self.checks.checks_format(value):  # the reference ignores the others
                    out[FORMAT] = value
            elif key == "$ref":
                out[REF] = self._ref(value, doc)
            # everything else is ignored by the reference (annotations, nullable itself, ...)
        return out

    def _json_schema(self, schema: Any, doc: Document) -> Any:
        """jsonschema's Draft202012Validator keywords, as 2020-12 (see the module docstring)."""
        if isinstance(schema, bool):
            return schema
        if not isinstance(schema, dict):
            raise Unmodelled("a schema that is not an object")
        if _UNMODELLED.intersection(schema) or "patternProperties" in schema:
            raise Unmodelled("a keyword that is not modelled")
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key == "type":
                names = [value] if isinstance(value, str) else value
                if not isinstance(names, list) or not names or any(n not in _2020_TYPES for n in names):
                    raise Unmodelled("type")
                if len(set(names)) != len(names):
                    raise Unmodelled("type")
                out[key] = value
            elif key in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"):
                if not _is_number(value):
                    raise Unmodelled(key)
                out[key] = value
            elif key == "multipleOf":
                if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                    raise Unmodelled("multipleOf")
                out[MULTIPLE_OF] = value
            elif key in _2020_COUNTS:
                if not _is_count(value):
                    raise Unmodelled(key)
                out[key] = value
            elif key == "pattern":
                if not isinstance(value, str):
                    raise Unmodelled("pattern")
                out[PATTERN] = value
            elif key == "uniqueItems":
                if not isinstance(value, bool):
                    raise Unmodelled(key)
                out[key] = value
            elif key == "enum":
                if not isinstance(value, list):
                    raise Unmodelled("enum")
                out[key] = value
            elif key == "const":
                out[key] = value
            elif key == "required":
                if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
                    raise Unmodelled(key)
                out[key] = list(dict.fromkeys(value))
            elif key == "dependentRequired":
                if not isinstance(value, dict) or not all(
                    isinstance(v, list) and all(isinstance(n, str) for n in v) for v in value.values()
                ):
                    raise Unmodelled(key)
                out[key] = {k: list(dict.fromkeys(v)) for k, v in value.items()}
            elif key in _2020_SCHEMA_KEYS:
                out[key] = self._json_schema(value, doc)
            elif key in _2020_SCHEMA_LISTS:
                if not isinstance(value, list) or not value:
                    raise Unmodelled(key)
                out[key] = [self._json_schema(s, doc) for s in value]
            elif key in _2020_SCHEMA_MAPS:
                if not isinstance(value, dict):
                    raise Unmodelled(key)
                out[key] = {name: self._json_schema(s, doc) for name, s in value.items()}
            elif key == "format":
                if not isinstance(value, str):
                    raise Unmodelled("format")
                if self.checks.checks_format(value):  # the reference ignores the others
                    out[FORMAT] = value
            elif key == "$ref":
                out[REF] = self._ref(value, doc)
            # everything else is an annotation, or a keyword 2020-12 does not have
        return out


def _oas30_required(value: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """``required`` without the names the OAS 3.0 reference skips (readOnly or writeOnly properties)."""
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        raise Unmodelled("required")
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise Unmodelled("properties")
    kept = []
    for name in dict.fromkeys(value):
        prop = properties.get(name)
        if prop:
            if not isinstance(prop, dict):
                raise Unmodelled("a property schema that is not an object")
            if prop.get("readOnly", False) or prop.get("writeOnly", False):
                continue
        kept.append(name)
    return {"required": kept} if kept else {}


def _has_ecma_regex() -> bool:
    """openapi-schema-validator matches OAS 3.0 patterns with regress (ECMA 262) when installed."""
    import importlib.util

    return importlib.util.find_spec("regress") is not None


class _Missing:
    pass


_MISSING = _Missing()
