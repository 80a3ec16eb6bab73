"""The part of the SARIF 2.1.0 JSON Schema (OASIS, sarif-schema-2.1.0.json) that contractkit's
output touches, reconstructed from the published schema's definitions: the same property names,
required members, enums, minimums and ``additionalProperties: false`` as the original for
sarifLog, run, tool, toolComponent, reportingDescriptor, reportingConfiguration,
multiformatMessageString, result, message, location, physicalLocation, artifactLocation,
region, logicalLocation and artifact. (The full schema cannot be downloaded here.)
"""

from __future__ import annotations

from typing import Any


def _obj(props: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema = {"type": "object", "additionalProperties": False, "properties": {**props, "properties": BAG}}
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


def _array(item: dict[str, Any], unique: bool = False) -> dict[str, Any]:
    return {"type": "array", "minItems": 0, "uniqueItems": unique, "items": item}


INDEX = {"type": "integer", "minimum": -1}
STRING = {"type": "string"}
LEVEL = {"enum": ["none", "note", "warning", "error"]}
BAG = {
    "type": "object",
    "additionalProperties": True,
    "properties": {"tags": {"type": "array", "uniqueItems": True, "items": {"type": "string"}}},
}
ANY = {}

SARIF_2_1_0: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": _array(_ref("run")),
        "inlineExternalProperties": _array(ANY, unique=True),
        "properties": BAG,
    },
    "definitions": {
        "run": _obj(
            {
                "tool": _ref("tool"),
                "invocations": _array(ANY),
                "conversion": ANY,
                "language": STRING,
                "versionControlProvenance": _array(ANY, unique=True),
                "originalUriBaseIds": {"type": "object", "additionalProperties": _ref("artifactLocation")},
                "artifacts": _array(_ref("artifact"), unique=True),
                "logicalLocations": _array(_ref("logicalLocation"), unique=True),
                "graphs": _array(ANY, unique=True),
                "results": _array(_ref("result")),
                "automationDetails": ANY,
                "runAggregates": _array(ANY, unique=True),
                "baselineGuid": STRING,
                "redactionTokens": _array(STRING, unique=True),
                "defaultEncoding": STRING,
                "defaultSourceLanguage": STRING,
                "newlineSequences": _array(STRING, unique=True),
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "externalPropertyFileReferences": ANY,
                "threadFlowLocations": _array(ANY, unique=True),
                "taxonomies": _array(_ref("toolComponent"), unique=True),
                "addresses": _array(ANY),
                "translations": _array(_ref("toolComponent"), unique=True),
                "policies": _array(_ref("toolComponent"), unique=True),
                "webRequests": _array(ANY, unique=True),
                "webResponses": _array(ANY, unique=True),
                "specialLocations": ANY,
            },
            ["tool"],
        ),
        "tool": _obj(
            {"driver": _ref("toolComponent"), "extensions": _array(_ref("toolComponent"), unique=True)}, ["driver"]
        ),
        "toolComponent": _obj(
            {
                "guid": STRING,
                "name": STRING,
                "organization": STRING,
                "product": STRING,
                "productSuite": STRING,
                "shortDescription": _ref("multiformatMessageString"),
                "fullDescription": _ref("multiformatMessageString"),
                "fullName": STRING,
                "version": STRING,
                "semanticVersion": STRING,
                "dottedQuadFileVersion": STRING,
                "releaseDateUtc": STRING,
                "downloadUri": {"type": "string", "format": "uri"},
                "informationUri": {"type": "string", "format": "uri"},
                "globalMessageStrings": {"type": "object", "additionalProperties": _ref("multiformatMessageString")},
                "notifications": _array(_ref("reportingDescriptor"), unique=True),
                "rules": _array(_ref("reportingDescriptor"), unique=True),
                "taxa": _array(_ref("reportingDescriptor"), unique=True),
                "locations": _array(_ref("artifactLocation"), unique=True),
                "language": STRING,
                "contents": _array({"enum": ["localizedData", "nonLocalizedData"]}, unique=True),
                "isComprehensive": {"type": "boolean"},
                "localizedDataSemanticVersion": STRING,
                "minimumRequiredLocalizedDataSemanticVersion": STRING,
                "associatedComponent": ANY,
                "translationMetadata": ANY,
                "supportedTaxonomies": _array(ANY, unique=True),
            },
            ["name"],
        ),
        "reportingDescriptor": _obj(
            {
                "id": STRING,
                "deprecatedIds": _array(STRING, unique=True),
                "guid": STRING,
                "deprecatedGuids": _array(STRING, unique=True),
                "name": STRING,
                "deprecatedNames": _array(STRING, unique=True),
                "shortDescription": _ref("multiformatMessageString"),
                "fullDescription": _ref("multiformatMessageString"),
                "messageStrings": {"type": "object", "additionalProperties": _ref("multiformatMessageString")},
                "defaultConfiguration": _ref("reportingConfiguration"),
                "helpUri": {"type": "string", "format": "uri"},
                "help": _ref("multiformatMessageString"),
                "relationships": _array(ANY, unique=True),
            },
            ["id"],
        ),
        "reportingConfiguration": _obj(
            {
                "enabled": {"type": "boolean"},
                "level": LEVEL,
                "rank": {"type": "number", "minimum": -1.0, "maximum": 100.0},
                "parameters": BAG,
            }
        ),
        "multiformatMessageString": _obj({"text": STRING, "markdown": STRING}, ["text"]),
        "message": _obj(
            {"text": STRING, "markdown": STRING, "id": STRING, "arguments": _array(STRING)},
            anyOf=[{"required": ["text"]}, {"required": ["id"]}],
        ),
        "result": _obj(
            {
                "ruleId": STRING,
                "ruleIndex": INDEX,
                "rule": ANY,
                "kind": {"enum": ["notApplicable", "pass", "fail", "review", "open", "informational"]},
                "level": LEVEL,
                "message": _ref("message"),
                "analysisTarget": _ref("artifactLocation"),
                "locations": _array(_ref("location")),
                "guid": STRING,
                "correlationGuid": STRING,
                "occurrenceCount": {"type": "integer", "minimum": 1},
                "partialFingerprints": {"type": "object", "additionalProperties": STRING},
                "fingerprints": {"type": "object", "additionalProperties": STRING},
                "stacks": _array(ANY, unique=True),
                "codeFlows": _array(ANY),
                "graphs": _array(ANY, unique=True),
                "graphTraversals": _array(ANY, unique=True),
                "relatedLocations": _array(_ref("location"), unique=True),
                "suppressions": _array(ANY, unique=True),
                "baselineState": {"enum": ["new", "unchanged", "updated", "absent"]},
                "rank": {"type": "number", "minimum": -1.0, "maximum": 100.0},
                "attachments": _array(ANY, unique=True),
                "hostedViewerUri": {"type": "string", "format": "uri"},
                "workItemUris": _array({"type": "string", "format": "uri"}, unique=True),
                "provenance": ANY,
                "fixes": _array(ANY, unique=True),
                "taxa": _array(ANY, unique=True),
                "webRequest": ANY,
                "webResponse": ANY,
            },
            ["message"],
        ),
        "location": _obj(
            {
                "id": INDEX,
                "physicalLocation": _ref("physicalLocation"),
                "logicalLocations": _array(_ref("logicalLocation"), unique=True),
                "message": _ref("message"),
                "annotations": _array(_ref("region"), unique=True),
                "relationships": _array(ANY, unique=True),
            }
        ),
        "physicalLocation": _obj(
            {
                "address": ANY,
                "artifactLocation": _ref("artifactLocation"),
                "region": _ref("region"),
                "contextRegion": _ref("region"),
            },
            anyOf=[{"required": ["address"]}, {"required": ["artifactLocation"]}],
        ),
        "artifactLocation": _obj(
            {
                "uri": {"type": "string", "format": "uri-reference"},
                "uriBaseId": STRING,
                "index": INDEX,
                "description": _ref("message"),
            }
        ),
        "region": _obj(
            {
                "startLine": {"type": "integer", "minimum": 1},
                "startColumn": {"type": "integer", "minimum": 1},
                "endLine": {"type": "integer", "minimum": 1},
                "endColumn": {"type": "integer", "minimum": 1},
                "charOffset": INDEX,
                "charLength": {"type": "integer", "minimum": 0},
                "byteOffset": INDEX,
                "byteLength": {"type": "integer", "minimum": 0},
                "snippet": ANY,
                "message": _ref("message"),
                "sourceLanguage": STRING,
            }
        ),
        "logicalLocation": _obj(
            {
                "name": STRING,
                "index": INDEX,
                "fullyQualifiedName": STRING,
                "decoratedName": STRING,
                "parentIndex": INDEX,
                "kind": STRING,
            }
        ),
        "artifact": _obj(
            {
                "description": _ref("message"),
                "location": _ref("artifactLocation"),
                "parentIndex": INDEX,
                "offset": {"type": "integer", "minimum": 0},
                "length": {"type": "integer", "minimum": -1},
                "roles": _array(STRING, unique=True),
                "mimeType": {"type": "string", "pattern": "[^/]+/.+"},
                "contents": ANY,
                "encoding": STRING,
                "sourceLanguage": STRING,
                "hashes": {"type": "object", "additionalProperties": STRING},
                "lastModifiedTimeUtc": {"type": "string", "format": "date-time"},
            }
        ),
    },
}
