"""The JSON Schema change kinds: one table, registered once per direction and spec kind by ``registry``.

Each row says what the change does to the set of accepted values and how that is judged in a
request (accepting less breaks clients) and in a response (allowing more breaks clients).
"""

from __future__ import annotations

from contractkit.diff.model import Classification

B: Classification = "breaking"
P: Classification = "possibly-breaking"
N: Classification = "non-breaking"

JSON_SCHEMA = "JSON Schema 2020-12"
BOUND_KEYWORDS = ("minimum / maximum / *Length / *Items / *Properties / *Contains / pattern / multipleOf / "
                  "uniqueItems / items: false / unevaluatedItems: false")
#: suffix -> (title, classification in a request, classification in a response, keyword, what, example)
SCHEMA_KINDS: dict[str, tuple[str, Classification, Classification, str, str, str]] = {
    "TYPE-CHANGED": ("type changed", B, B, "type", "The type changed to one that is neither wider nor narrower.",
                     "`string` -> `integer`"),
    "TYPE-NARROWED": ("type narrowed", B, N, "type", "Fewer types are allowed.", "`[string, 'null']` -> `string`"),
    "TYPE-WIDENED": ("type widened", N, B, "type", "More types are allowed.", "`integer` -> `number`"),
    "FORMAT-ADDED": ("format added", B, N, "format", "A format now constrains the value.", "`format: uuid` added"),
    "FORMAT-REMOVED": ("format removed", N, P, "format", "A format no longer constrains the value.",
                       "`format: date-time` removed"),
    "FORMAT-CHANGED": ("format changed", B, B, "format", "The value's format changed.", "`date` -> `date-time`"),
    "FORMAT-WIDENED": ("format widened", N, B, "format", "The format now admits more values (a wider number).",
                       "`int32` -> `int64`"),
    "FORMAT-NARROWED": ("format narrowed", B, N, "format", "The format now admits fewer values (a narrower number).",
                        "`int64` -> `int32`"),
    "ENUM-ADDED": ("enum added", B, N, "enum / const", "The value is now limited to a list.", "`enum: [a, b]` added"),
    "ENUM-REMOVED": ("enum removed", N, P, "enum / const", "The value is no longer limited to a list.",
                     "`enum: [a, b]` removed"),
    "ENUM-VALUE-ADDED": ("enum value added", N, P, "enum", "The list of allowed values grew.",
                         "`[low, high]` -> `[low, medium, high]`"),
    "ENUM-VALUE-REMOVED": ("enum value removed", B, N, "enum", "The list of allowed values shrank.",
                           "`[low, medium, high]` -> `[low, high]`"),
    "PROPERTY-ADDED": ("optional property added", N, N, "properties", "A new optional property.",
                       "`nickname` added"),
    "PROPERTY-REMOVED": ("optional property removed", P, P, "properties", "An optional property is gone.",
                         "`nickname` removed"),
    "REQUIRED-PROPERTY-ADDED": ("required property added", B, N, "required", "A new property that must be present.",
                                "`tenant_id` added and required"),
    "REQUIRED-PROPERTY-REMOVED": ("required property removed", P, B, "required / properties",
                                  "A property that was always present is gone.", "`total` removed"),
    "PROPERTY-BECAME-REQUIRED": ("property became required", B, N, "required", "An optional property must be present.",
                                 "`context` added to `required`"),
    "PROPERTY-BECAME-OPTIONAL": ("property became optional", N, B, "required",
                                 "A property that was always present may be missing.", "`reasoning` left `required`"),
    "ADDITIONAL-PROPERTIES-RESTRICTED": ("additional properties restricted", B, N, "additionalProperties",
                                         "Undeclared properties are no longer allowed, or must now match a schema.",
                                         "`additionalProperties: false` added"),
    "UNEVALUATED-PROPERTIES-RESTRICTED": ("unevaluated properties restricted", B, N, "unevaluatedProperties",
                                          "Properties no schema of the object (its `allOf` / `anyOf` / `oneOf` / "
                                          "`if` parts included) evaluates are no longer allowed, or must match a "
                                          "schema.", "`unevaluatedProperties: false` added"),
    "UNEVALUATED-PROPERTIES-ALLOWED": ("unevaluated properties allowed", N, B, "unevaluatedProperties",
                                       "`unevaluatedProperties` promised that no property beyond those its "
                                       "subschemas evaluate is ever present; that promise is gone, so responses "
                                       "may carry what clients were told they never would.",
                                       "`unevaluatedProperties: false` removed"),
    "ADDITIONAL-PROPERTIES-ALLOWED": ("additional properties allowed", N, P, "additionalProperties",
                                      "Undeclared properties are now allowed, or no longer limited to a schema: "
                                      "readers that ignore properties they do not know (the usual convention for "
                                      "`additionalProperties`) are unaffected, strict ones are not.",
                                      "`additionalProperties: false` removed"),
    "BOUND-TIGHTENED": ("bound tightened", B, N, BOUND_KEYWORDS, "A length, size or value bound allows less.",
                        "`maxLength: 4000` -> `maxLength: 1000`"),
    "BOUND-LOOSENED": ("bound loosened", N, B, BOUND_KEYWORDS, "A length, size or value bound allows more.",
                       "`maximum: 50` -> `maximum: 100`"),
    "CONSTRAINT-CHANGED": ("constraint changed", B, B, "pattern / multipleOf",
                           "A constraint changed in a way that neither only widens nor only narrows it: values of "
                           "BASE are refused and values BASE refused are accepted (whether one regular expression "
                           "accepts more than another is not decided, so any new pattern counts).",
                           "`pattern: '^a'` -> `pattern: '^b'`"),
    "DEFAULT-CHANGED": ("default changed", B, B, "default",
                        "The default (what the receiver assumes when the value is left out) changed, appeared or "
                        "went away: senders that leave the value out, relying on the default, now mean another "
                        "value.", "`default: 10` -> `default: 20`"),
    "VARIANT-ADDED": ("union variant added", N, B, "oneOf / anyOf", "A oneOf/anyOf alternative was added.",
                      "`anyOf: [string, $ref Customer]` -> `anyOf: [string, $ref Customer, $ref Lead]`"),
    "VARIANT-REMOVED": ("union variant removed", B, N, "oneOf / anyOf", "A oneOf/anyOf alternative was removed.",
                        "`oneOf: [Card, Bank]` -> `oneOf: [Card]`"),
    "DEPRECATED": ("property deprecated", N, N, "deprecated", "A schema or property is now marked deprecated.",
                   "`deprecated: true` added"),
    "CONST-CHANGED": ("constant value changed", B, B, "const / enum",
                      "The value is fixed to other values: none of BASE's allowed values is still allowed.",
                      "`const: v1` -> `const: v2`"),
    "NOT-ADDED": ("`not` added", B, N, "not", "Values matching the new `not` schema are no longer allowed.",
                  "`not: {const: ''}` added"),
    "NOT-REMOVED": ("`not` removed", N, B, "not", "Values the `not` schema excluded are allowed again.",
                    "`not: {const: ''}` removed"),
    "NOT-CHANGED": ("`not` changed", P, P, "not", "The schema under `not` changed: some values are excluded "
                    "that were allowed, or the other way round.", "`not: {const: a}` -> `not: {const: b}`"),
    "CONTAINS-ADDED": ("`contains` added", B, N, "contains / minContains / maxContains",
                       "The array must now hold an item matching the `contains` schema.",
                       "`contains: {const: admin}` added"),
    "CONTAINS-REMOVED": ("`contains` removed", N, B, "contains / minContains / maxContains",
                         "The array no longer has to hold a matching item.", "`contains: {const: admin}` removed"),
    "DEPENDENT-REQUIRED-ADDED": ("dependent required property added", B, N, "dependentRequired",
                                 "When one property is present, another must now be present too.",
                                 "`dependentRequired: {card: [cvc]}` added"),
    "DEPENDENT-REQUIRED-REMOVED": ("dependent required property removed", N, B, "dependentRequired",
                                   "A property that came with another one may now be missing.",
                                   "`dependentRequired: {card: [cvc]}` removed"),
    "DEPENDENT-SCHEMA-ADDED": ("dependent schema added", B, N, "dependentSchemas",
                               "When a property is present, the object must now also match a schema.",
                               "`dependentSchemas: {card: {required: [cvc]}}` added"),
    "DEPENDENT-SCHEMA-REMOVED": ("dependent schema removed", N, B, "dependentSchemas",
                                 "A schema that applied when a property is present no longer applies.",
                                 "`dependentSchemas: {card: ...}` removed"),
    "CONDITION-CHANGED": ("`if` condition changed", P, P, "if / then / else",
                          "The `if` of a conditional changed: other values take the `then` and `else` branches. "
                          "(A new or changed `then`/`else` is compared as the schema it is, against `true` when "
                          "it was not there: a property required inside `then` is a new required property.)",
                          "`if: {properties: {kind: {const: card}}}` -> `... {const: bank}`"),
    "PATTERN-PROPERTY-ADDED": ("pattern property added", B, N, "patternProperties",
                               "Properties whose names match a pattern must now match a schema.",
                               "`patternProperties: {'^x-': {type: string}}` added"),
    "PATTERN-PROPERTY-REMOVED": ("pattern property removed", N, B, "patternProperties",
                                 "Properties whose names match a pattern no longer have to match its schema.",
                                 "`patternProperties: {'^x-': ...}` removed"),
    "PREFIX-ITEM-ADDED": ("tuple item constrained", B, N, "prefixItems / items",
                          "An array position that took anything now has a schema.",
                          "`prefixItems: [{type: string}]` added"),
    "PREFIX-ITEM-REMOVED": ("tuple item unconstrained", N, B, "prefixItems / items",
                            "An array position no longer has a schema.", "`prefixItems` shortened"),
    "PROPERTY-NAMES-ADDED": ("property names constrained", B, N, "propertyNames",
                             "Property names must now match a schema.", "`propertyNames: {pattern: '^[a-z]+$'}` added"),
    "PROPERTY-NAMES-REMOVED": ("property names unconstrained", N, B, "propertyNames",
                               "Property names no longer have to match a schema.", "`propertyNames` removed"),
    "CONTENT-ENCODING-CHANGED": ("content encoding changed", B, B, "contentEncoding",
                                 "The string carries its content in another encoding (or now or no longer encoded): "
                                 "the other side decodes it the old way.", "`contentEncoding: base64` added"),
    "CONTENT-MEDIA-TYPE-ADDED": ("content media type added", B, N, "contentMediaType",
                                 "The string must now hold content of a media type.",
                                 "`contentMediaType: application/json` added"),
    "CONTENT-MEDIA-TYPE-REMOVED": ("content media type removed", N, P, "contentMediaType",
                                   "The string no longer has to hold content of a media type.",
                                   "`contentMediaType: application/json` removed"),
    "CONTENT-MEDIA-TYPE-CHANGED": ("content media type changed", B, B, "contentMediaType",
                                   "The string holds content of another media type.",
                                   "`image/png` -> `image/webp`"),
    "CONTENT-SCHEMA-ADDED": ("content schema added", B, N, "contentSchema",
                             "The decoded content must now match a schema.", "`contentSchema: {type: object}` added"),
    "XML-CHANGED": ("XML representation changed", B, B, "xml (OpenAPI 3.1 §4.8.26 XML Object)",
                    "In an XML body, the value is written differently: another element or attribute name, "
                    "namespace or prefix, or an array now (or no longer) wrapped.",
                    "`xml: {attribute: true}` added"),
    "DISCRIMINATOR-CHANGED": ("discriminator changed", B, B, "discriminator (OpenAPI 3.1 §4.8.25)",
                              "Clients tell the alternatives apart by another property, or a value now maps to "
                              "another schema.", "`propertyName: type` -> `propertyName: kind`"),
    "DISCRIMINATOR-VALUE-REMOVED": ("discriminator value removed", B, N, "discriminator (OpenAPI 3.1 §4.8.25)",
                                    "A discriminator value of the mapping is gone.", "`mapping: {cat, dog}` -> "
                                    "`{cat}`"),
    "DISCRIMINATOR-VALUE-ADDED": ("discriminator value added", N, P, "discriminator (OpenAPI 3.1 §4.8.25)",
                                  "The mapping has one more discriminator value.", "`mapping: {cat}` -> "
                                  "`{cat, dog}`"),
    "CONTENT-SCHEMA-REMOVED": ("content schema removed", N, P, "contentSchema",
                               "The decoded content no longer has to match a schema.", "`contentSchema` removed"),
    "REF-UNRESOLVED": ("unresolvable $ref", P, P, "$ref / $dynamicRef (JSON Schema 2020-12 §8.2)",
                       "A `$ref` neither BASE nor HEAD can resolve (a remote URI, which is never fetched, a dangling "
                       "pointer or anchor, a file that is not there): what it stands for could not be compared, so "
                       "a change there may be hidden.", "`$ref: 'https://example.com/pet.json'` on both sides"),
}

#: direction-specific id prefix -> (spec kind, direction, what the schema describes)
SCHEMA_PREFIXES: dict[str, tuple[str, str, str]] = {
    "OAS-REQ": ("openapi", "request", "request parameter, body or WebSocket client frame"),
    "OAS-RES": ("openapi", "response", "response body, header, SSE event or WebSocket server frame"),
    "MCP-PARAM": ("mcp", "request", "tool parameters"),
    "MCP-RETURN": ("mcp", "response", "tool result"),
}

#: Schema kinds that exist only where OpenAPI puts them (MCP tools carry JSON, never XML).
OPENAPI_ONLY = frozenset({"XML-CHANGED"})
