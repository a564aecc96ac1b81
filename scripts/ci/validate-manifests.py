#!/usr/bin/env python3
"""Validates Kubernetes manifests offline, strictly (an unknown field is an error).

    validate-manifests.py --kubernetes-version 1.37.0 --crds DIR [PATH...]

Built-in kinds are checked against the official Kubernetes JSON schemas of that version (the PyPI package
kubernetes-validate, strict mode); custom resources against the openAPIV3Schema of their real CRD in DIR
(Argo CD, the Prometheus operator), where an object schema that lists its properties and does not say
`x-kubernetes-preserve-unknown-fields` rejects others, as the API server's strict field validation does.
A kind that is neither built in nor has a CRD in DIR is an error too. Prints one line per problem
(`file: document N (Kind namespace/name): message`) and exits 1 when there is any, 2 on bad input.
"""
import argparse
import copy
import os
import sys

import jsonschema
import kubernetes_validate
import yaml


def load_documents(path):
    with open(path, encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def strict(schema):
    """A copy of an OpenAPI v3 schema where objects with listed properties reject unlisted ones."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if (node.get("type") == "object" and "properties" in node and "additionalProperties" not in node
                    and not node.get("x-kubernetes-preserve-unknown-fields")):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def crd_schemas(directory):
    """(apiVersion, kind) → strict JSON schema, from every CRD manifest in `directory`."""
    schemas = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith((".yaml", ".yml")):
            continue
        for doc in load_documents(os.path.join(directory, name)):
            if doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                schema = strict(version["schema"]["openAPIV3Schema"])
                # metadata is the API server's (ObjectMeta), not the CRD's, to check.
                schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                schemas[("%s/%s" % (spec["group"], version["name"]), spec["names"]["kind"])] = schema
    return schemas


def manifest_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for folder, _, names in sorted(os.walk(path)):
                for name in sorted(names):
                    if name.endswith((".yaml", ".yml")):
                        yield os.path.join(folder, name)
        else:
            yield path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes-version", required=True)
    parser.add_argument("--crds", required=True)
    parser.add_argument("paths", nargs="+")
    arguments = parser.parse_args()
    crds = crd_schemas(arguments.crds)
    problems = checked = 0
    for path in manifest_files(arguments.paths):
        try:
            documents = load_documents(path)
        except (OSError, yaml.YAMLError) as error:
            print("%s: cannot read: %s" % (path, error))
            problems += 1
            continue
        for number, doc in enumerate(documents, start=1):
            if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
                continue  # not a Kubernetes object (a values file, a scenario)
            metadata = doc.get("metadata") or {}
            where = "%s: document %d (%s %s/%s)" % (path, number, doc["kind"], metadata.get("namespace", "-"), metadata.get("name", "?"))
            checked += 1
            schema = crds.get((doc["apiVersion"], doc["kind"]))
            try:
                if schema is not None:
                    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
                    for error in errors:
                        print("%s: %s: %s" % (where, ".".join(str(p) for p in error.path) or "(root)", error.message))
                    problems += len(errors)
                else:
                    kubernetes_validate.validate(doc, arguments.kubernetes_version, strict=True)
            except kubernetes_validate.ValidationError as error:
                print("%s: %s: %s" % (where, ".".join(str(p) for p in error.path) or "(root)", error.message))
                problems += 1
            except kubernetes_validate.SchemaNotFoundError:
                print("%s: no schema for %s %s in Kubernetes %s and no CRD for it in %s" % (where, doc["apiVersion"], doc["kind"], arguments.kubernetes_version, arguments.crds))
                problems += 1
            except kubernetes_validate.InvalidSchemaError as error:
                print("%s: %s" % (where, error))
                problems += 1
    print("validate-manifests: %d objects checked against Kubernetes %s and %d CRD schemas, %d problems" % (checked, arguments.kubernetes_version, len(crds), problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
