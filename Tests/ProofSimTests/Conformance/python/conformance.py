#!/usr/bin/env python3
"""Conformance checks of a Kubernetes API server through the official Python client (PyPI `kubernetes`).

Usage: conformance.py KUBECONFIG [NAME ...]     run every check (or the named ones)
       conformance.py --list                   print the checks' names, one a line

Every check drives the server as a user of the client would and asserts what a real kube-apiserver (1.32)
answers: status codes, reasons, `details.causes`, defaulted fields, `managedFields`, server-side apply
conflicts, dry runs, `fieldValidation`, immutable fields, OpenAPI documents, CRDs, Jobs, namespaces, reviews,
selector watches, resourceVersion semantics and garbage collection (issue 11, sections 1-6). The expected
answers come from the real server's code (k8s.io/apiserver handlers, pkg/apis/*/validation, defaulting
functions), not from the simulated cluster. Each check prints one JSON line: {"name", "ok", "detail"}.
Names match the rows of docs/sim.md's Conformance tables. Only the standard library and `kubernetes`.

Against the simulated cluster, `POST /_sim/compact` makes every older resourceVersion too old; against a real
server the compaction check uses resourceVersion "1" instead.
"""

import json
import sys
import time
import uuid

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

CHECKS = []


def check(function):
    """Registers a check; its name is the function's name."""
    CHECKS.append(function)
    return function


class Failed(Exception):
    """A check's expectation that did not hold."""


def expect(condition, message):
    if not condition:
        raise Failed(message)


def equal(actual, expected, what):
    if actual != expected:
        raise Failed(f"{what}: expected {expected!r}, got {actual!r}")


def dig(value, *path):
    """value[path[0]][path[1]]…, or None where something is missing."""
    for key in path:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def until(predicate, what, timeout=20.0):
    """Polls `predicate` (which returns a truthy value when done) until it holds; returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = predicate()
        except ApiException as error:
            last = error
            if error.status not in (404, 409):
                raise
        if last and not isinstance(last, ApiException):
            return last
        if time.monotonic() > deadline:
            raise Failed(f"timed out after {timeout:.0f}s waiting for {what} (last: {str(last)[:200]})")
        time.sleep(0.1)


class Response:
    """Status, headers (lower-case names) and JSON body of one exchange."""

    def __init__(self, status, headers, data):
        self.status = status
        self.data = data if isinstance(data, (bytes, str)) else b""
        self.headers = {key.lower(): value for key, value in (headers or {}).items()}
        try:
            self.json = json.loads(data) if data else None
        except (ValueError, UnicodeDecodeError):
            self.json = None

    def lines(self):
        """The body as newline-delimited JSON documents (a watch)."""
        text = self.data.decode() if isinstance(self.data, bytes) else self.data
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def causes(self):
        return [(cause.get("field"), cause.get("reason")) for cause in dig(self.json, "details", "causes") or []]


class Cluster:
    """The API clients, a namespace of this run, and helpers that return a `Response` instead of raising."""

    def __init__(self, kubeconfig):
        config.load_kube_config(config_file=kubeconfig)
        self.api = client.ApiClient()
        self.core = client.CoreV1Api(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.batch = client.BatchV1Api(self.api)
        self.custom = client.CustomObjectsApi(self.api)
        self.ext = client.ApiextensionsV1Api(self.api)
        self.namespace = "pyconf-" + uuid.uuid4().hex[:6]
        self.core.create_namespace({"metadata": {"name": self.namespace}})

    def call(self, function, *args, **kwargs):
        """Runs one client call and returns its `Response`, HTTP errors included."""
        try:
            raw = function(*args, _preload_content=False, **kwargs)
            return Response(raw.status, dict(raw.headers), raw.data)
        except ApiException as error:
            return Response(error.status, dict(error.headers or {}), error.body)

    def raw(self, method, path, body=None, query=(), content_type="application/json", accept="application/json"):
        """One request on a path the typed API has no method for (OpenAPI, discovery, admin)."""
        params = self.api.param_serialize(method=method, resource_path=path, query_params=list(query),
                                          header_params={"Content-Type": content_type, "Accept": accept},
                                          body=body, auth_settings=["BearerToken"])
        try:
            response = self.api.call_api(*params)
            response.read()
            return Response(response.status, dict(response.getheaders()), response.data)
        except ApiException as error:
            return Response(error.status, dict(error.headers or {}), error.body)

    def config_map(self, name, data=None, **metadata):
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata},
                "data": data or {"key": "one"}}
        return self.core.create_namespaced_config_map(self.namespace, body, _preload_content=False)

    def read_config_map(self, name):
        return self.call(self.core.read_namespaced_config_map, name, self.namespace)


def deployment(name, labels=None, selector=None, containers=None, **spec):
    labels = labels if labels is not None else {"app": name}
    selector = selector if selector is not None else {"matchLabels": {"app": name}}
    containers = containers if containers is not None else [{"name": "web", "image": "nginx:1.27"}]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"selector": selector, "template": {"metadata": {"labels": labels},
                                                        "spec": {"containers": containers}}, **spec}}


def expect_invalid(response, field, reason=None, message=None):
    """A 422 Invalid Status whose details.causes name `field` (with `reason`), its message containing `message`."""
    equal(response.status, 422, f"status ({dig(response.json, 'message')})")
    equal(dig(response.json, "reason"), "Invalid", "reason")
    causes = response.causes()
    expect(any(f == field and (reason is None or r == reason) for f, r in causes),
           f"details.causes {causes} lack {field} {reason or ''}")
    if message:
        expect(message in (dig(response.json, "message") or ""), f"message {dig(response.json, 'message')!r} lacks {message!r}")


# §1 Safety: dryRun=All on every verb, in the query and in the DeleteOptions body.

@check
def dry_run_create(k):
    r = k.call(k.core.create_namespaced_config_map, k.namespace,
               {"metadata": {"name": "dry-create"}, "data": {"key": "one"}}, dry_run="All")
    equal(r.status, 201, "status")
    expect(dig(r.json, "metadata", "uid"), "a dry-run create returns the object as it would be stored (uid)")
    equal(k.read_config_map("dry-create").status, 404, "read after a dry-run create")


@check
def dry_run_update_and_patch(k):
    k.config_map("dry-update")
    before = k.read_config_map("dry-update").json
    changed = dict(before, data={"key": "two"})
    r = k.call(k.core.replace_namespaced_config_map, "dry-update", k.namespace, changed, dry_run="All")
    equal((r.status, dig(r.json, "data", "key")), (200, "two"), "dry-run replace answers the changed object")
    r = k.call(k.core.patch_namespaced_config_map, "dry-update", k.namespace, {"data": {"key": "three"}}, dry_run="All")
    equal((r.status, dig(r.json, "data", "key")), (200, "three"), "dry-run patch answers the patched object")
    after = k.read_config_map("dry-update").json
    equal(dig(after, "data", "key"), "one", "stored value")
    equal(dig(after, "metadata", "resourceVersion"), dig(before, "metadata", "resourceVersion"), "resourceVersion")


@check
def dry_run_delete_query_and_body(k):
    k.config_map("dry-delete")
    r = k.call(k.core.delete_namespaced_config_map, "dry-delete", k.namespace, dry_run="All")
    equal(r.status, 200, "status of a dry-run delete (query)")
    equal(k.read_config_map("dry-delete").status, 200, "object after a dry-run delete (query)")
    # client-go and kubectl put dryRun in the DeleteOptions body.
    body = {"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"], "propagationPolicy": "Foreground"}
    r = k.call(k.core.delete_namespaced_config_map, "dry-delete", k.namespace, body=body)
    equal(r.status, 200, "status of a dry-run delete (body)")
    still = k.read_config_map("dry-delete")
    equal(still.status, 200, "object after a dry-run delete (body)")
    equal(dig(still.json, "metadata", "deletionTimestamp"), None, "deletionTimestamp after a dry-run delete")
    r = k.call(k.core.delete_collection_namespaced_config_map, k.namespace, dry_run="All")
    equal(r.status, 200, "status of a dry-run deletecollection")
    equal(k.read_config_map("dry-delete").status, 200, "object after a dry-run deletecollection")


@check
def dry_run_server_side_apply(k):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dry-apply"}, "data": {"key": "one"}}
    r = k.call(k.core.patch_namespaced_config_map, "dry-apply", k.namespace, body, field_manager="pyconf",
               dry_run="All", _content_type="application/apply-patch+yaml")
    equal(r.status, 201, "status of a dry-run apply that would create")
    equal(k.read_config_map("dry-apply").status, 404, "read after a dry-run apply")


@check
def dry_run_unsupported_value(k):
    # ValidateCreateOptions/ValidateDeleteOptions: errors.NewInvalid(meta.k8s.io CreateOptions/DeleteOptions).
    r = k.raw("POST", f"/api/v1/namespaces/{k.namespace}/configmaps", {"metadata": {"name": "dry-bad"}},
              query=[("dryRun", "Some")])
    expect_invalid(r, "dryRun", "FieldValueNotSupported", 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: "Some"')
    equal(dig(r.json, "details", "kind"), "CreateOptions", "details.kind")
    k.config_map("dry-bad")
    r = k.call(k.core.delete_namespaced_config_map, "dry-bad", k.namespace, body={"dryRun": ["Everything"]})
    expect_invalid(r, "dryRun", "FieldValueNotSupported", 'DeleteOptions.meta.k8s.io "" is invalid')
    equal(k.read_config_map("dry-bad").status, 200, "object after a refused delete")


@check
def dry_run_subresources(k):
    k.apps.create_namespaced_deployment(k.namespace, deployment("dry-scale"), _preload_content=False)
    r = k.call(k.apps.patch_namespaced_deployment_scale, "dry-scale", k.namespace, {"spec": {"replicas": 5}}, dry_run="All")
    equal((r.status, dig(r.json, "spec", "replicas")), (200, 5), "dry-run patch of the scale subresource")
    stored = json.loads(k.apps.read_namespaced_deployment("dry-scale", k.namespace, _preload_content=False).data)
    equal(dig(stored, "spec", "replicas"), 1, "replicas after a dry-run scale")
    r = k.call(k.apps.delete_namespaced_deployment, "dry-scale", k.namespace,
               body={"dryRun": ["All"], "propagationPolicy": "Foreground"})
    equal(r.status, 200, "status of a dry-run Foreground delete")
    stored = json.loads(k.apps.read_namespaced_deployment("dry-scale", k.namespace, _preload_content=False).data)
    equal((dig(stored, "metadata", "deletionTimestamp"), dig(stored, "metadata", "finalizers")), (None, None),
          "a dry-run Foreground delete sets no deletionTimestamp and no foregroundDeletion finalizer")


@check
def write_conflicts(k):
    created = json.loads(k.config_map("stale").data)
    k.core.patch_namespaced_config_map("stale", k.namespace, {"data": {"key": "two"}}, _preload_content=False)
    r = k.call(k.core.replace_namespaced_config_map, "stale", k.namespace, dict(created, data={"key": "three"}))
    equal((r.status, dig(r.json, "reason")), (409, "Conflict"), "a PUT with a stale resourceVersion")
    expect('Operation cannot be fulfilled on configmaps "stale": the object has been modified' in (dig(r.json, "message") or ""),
           f"message: {dig(r.json, 'message')!r}")
    r = k.call(k.core.create_namespaced_config_map, k.namespace, {"metadata": {"name": "stale"}})
    equal((r.status, dig(r.json, "reason"), dig(r.json, "message")), (409, "AlreadyExists", 'configmaps "stale" already exists'),
          "a second create")
    r = k.read_config_map("never-made")
    equal((r.status, dig(r.json, "reason"), dig(r.json, "details", "name"), dig(r.json, "details", "kind")),
          (404, "NotFound", "never-made", "configmaps"), "a missing object")


@check
def delete_answers(k):
    # finalizeDelete: a Status of Success naming the object, unless the registry returns the deleted object
    # (pods, services, service accounts, PVs, PVCs, namespaces); an object held by a finalizer comes back with
    # its deletionTimestamp and HTTP 200 (202 only for the old orphanDependents=false).
    uid = dig(json.loads(k.config_map("answered").data), "metadata", "uid")
    r = k.call(k.core.delete_namespaced_config_map, "answered", k.namespace)
    equal((r.status, dig(r.json, "kind"), dig(r.json, "status")), (200, "Status", "Success"), "deleting a ConfigMap")
    equal(dig(r.json, "details"), {"name": "answered", "kind": "configmaps", "uid": uid}, "the Status details")
    k.apps.create_namespaced_deployment(k.namespace, deployment("answered"), _preload_content=False)
    r = k.call(k.apps.delete_namespaced_deployment, "answered", k.namespace)
    equal((r.status, dig(r.json, "kind"), dig(r.json, "details", "group"), dig(r.json, "details", "kind")),
          (200, "Status", "apps", "deployments"), "deleting a Deployment")
    service = {"metadata": {"name": "answered"}, "spec": {"ports": [{"port": 80}]}}
    k.core.create_namespaced_service(k.namespace, service, _preload_content=False)
    r = k.call(k.core.delete_namespaced_service, "answered", k.namespace)
    equal((r.status, dig(r.json, "kind"), dig(r.json, "metadata", "name")), (200, "Service", "answered"), "deleting a Service")
    k.config_map("held-answer", finalizers=["example.com/hold"])
    r = k.call(k.core.delete_namespaced_config_map, "held-answer", k.namespace)
    equal((r.status, dig(r.json, "kind")), (200, "ConfigMap"), "deleting a ConfigMap held by a finalizer")
    expect(dig(r.json, "metadata", "deletionTimestamp"), "the held object carries its deletionTimestamp")
    k.core.patch_namespaced_config_map("held-answer", k.namespace, {"metadata": {"finalizers": None}}, _preload_content=False)


@check
def object_names_and_create_metadata(k):
    # ValidateObjectMeta: 422 Invalid with details.causes on metadata.name.
    r = k.call(k.core.create_namespaced_config_map, k.namespace, {"metadata": {"name": "Bad_Name"}})
    expect_invalid(r, "metadata.name", "FieldValueInvalid", "a lowercase RFC 1123 subdomain must consist of")
    expect("regex used for validation is" in (dig(r.json, "message") or ""), f"message: {dig(r.json, 'message')!r}")
    r = k.call(k.core.create_namespaced_config_map, k.namespace, {"metadata": {}})
    expect_invalid(r, "metadata.name", "FieldValueRequired", "name or generateName is required")
    r = k.call(k.core.create_namespaced_config_map, k.namespace, {"metadata": {"generateName": "gen-"}})
    name = dig(r.json, "metadata", "name") or ""
    expect(r.status == 201 and name.startswith("gen-") and len(name) == 9, f"a generateName create: {r.status} {name!r}")
    # etcd3 store.Create: a plain error, answered as 500 without a reason.
    r = k.call(k.core.create_namespaced_config_map, k.namespace, {"metadata": {"name": "with-version", "resourceVersion": "5"}})
    equal((r.status, dig(r.json, "message")), (500, "resourceVersion should not be set on objects to be created"),
          "a create carrying a resourceVersion")
    equal(k.read_config_map("with-version").status, 404, "nothing was created")


@check
def namespace_terminating_refuses_create(k):
    name = k.namespace + "-t"
    k.core.create_namespace({"metadata": {"name": name}}, _preload_content=False)
    k.core.create_namespaced_config_map(name, {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}},
                                        _preload_content=False)
    k.core.delete_namespace(name, _preload_content=False)
    until(lambda: dig(k.call(k.core.read_namespace, name).json, "status", "phase") == "Terminating", "phase Terminating")
    r = k.call(k.core.create_namespaced_config_map, name, {"metadata": {"name": "late"}})
    equal((r.status, dig(r.json, "reason")), (403, "Forbidden"), "a create in a terminating namespace")
    expect(f"unable to create new content in namespace {name} because it is being terminated" in (dig(r.json, "message") or ""),
           f"message: {dig(r.json, 'message')!r}")
    k.core.patch_namespaced_config_map("held", name, {"metadata": {"finalizers": None}}, _preload_content=False)
    until(lambda: k.call(k.core.read_namespace, name).status == 404, "the namespace to go once its content is gone")


# §2 Validation from the real schemas.

def create_deployment_raw(k, body, field_validation=None):
    """POST a Deployment the client's typed models would refuse before sending (wrong types, unknown fields)."""
    query = [("fieldValidation", field_validation)] if field_validation else []
    return k.raw("POST", f"/apis/apps/v1/namespaces/{k.namespace}/deployments", body, query=query)


@check
def validation_wrong_type(k):
    r = create_deployment_raw(k, deployment("wrong-type", replicas="two"))
    equal((r.status, dig(r.json, "reason")), (400, "BadRequest"), "status and reason")
    expect("spec.replicas" in (dig(r.json, "message") or ""), f"message names spec.replicas: {dig(r.json, 'message')!r}")


@check
def field_validation_strict(k):
    body = deployment("strict")
    body["spec"]["bogus"] = 1
    r = create_deployment_raw(k, body, "Strict")
    equal((r.status, dig(r.json, "reason")), (400, "BadRequest"), "status and reason")
    expect('strict decoding error: unknown field "spec.bogus"' in (dig(r.json, "message") or ""),
           f"message: {dig(r.json, 'message')!r}")


@check
def field_validation_warn(k):
    for name, option in (("warn", "Warn"), ("warn-default", None)):
        body = deployment(name)
        body["spec"]["bogus"] = 1
        r = create_deployment_raw(k, body, option)
        equal(r.status, 201, f"status ({option or 'default'})")
        warning = r.headers.get("warning", "")
        expect(warning.startswith("299 ") and 'unknown field \\"spec.bogus\\"' in warning,
               f"Warning header ({option or 'default'}): {warning!r}")
        expect("bogus" not in dig(r.json, "spec"), "the unknown field is dropped")


@check
def field_validation_ignore(k):
    body = deployment("ignore")
    body["spec"]["bogus"] = 1
    r = create_deployment_raw(k, body, "Ignore")
    equal(r.status, 201, "status")
    equal(r.headers.get("warning"), None, "Warning header")
    expect("bogus" not in dig(r.json, "spec"), "the unknown field is dropped")


@check
def type_rules_deployment(k):
    create = lambda body: create_deployment_raw(k, body)
    expect_invalid(create(deployment("mismatch", labels={"app": "other"})), "spec.template.metadata.labels",
                   "FieldValueInvalid", "`selector` does not match template `labels`")
    expect_invalid(create(deployment("no-containers", containers=[])), "spec.template.spec.containers", "FieldValueRequired")
    expect_invalid(create(deployment("no-image", containers=[{"name": "web"}])),
                   "spec.template.spec.containers[0].image", "FieldValueRequired")
    expect_invalid(create(deployment("negative", replicas=-1)), "spec.replicas", "FieldValueInvalid",
                   "must be greater than or equal to 0")
    body = deployment("no-selector")
    del body["spec"]["selector"]
    expect_invalid(create(body), "spec.selector", "FieldValueRequired")


@check
def type_rules_labels_and_annotations(k):
    r = k.call(k.core.create_namespaced_config_map, k.namespace,
               {"metadata": {"name": "bad-label", "labels": {"bad key": "x"}}})
    expect_invalid(r, "metadata.labels", "FieldValueInvalid")
    r = k.call(k.core.create_namespaced_config_map, k.namespace,
               {"metadata": {"name": "bad-value", "labels": {"ok": "not a value!"}}})
    expect_invalid(r, "metadata.labels", "FieldValueInvalid")
    r = k.call(k.core.create_namespaced_config_map, k.namespace,
               {"metadata": {"name": "bad-annotation", "annotations": {"-bad/key": "x"}}})
    expect_invalid(r, "metadata.annotations", "FieldValueInvalid")


@check
def immutable_deployment_selector(k):
    k.apps.create_namespaced_deployment(k.namespace, deployment("immutable"), _preload_content=False)
    patch = {"spec": {"selector": {"matchLabels": {"app": "immutable", "x": "y"}},
                      "template": {"metadata": {"labels": {"app": "immutable", "x": "y"}}}}}
    r = k.call(k.apps.patch_namespaced_deployment, "immutable", k.namespace, patch)
    expect_invalid(r, "spec.selector", "FieldValueInvalid", "field is immutable")


@check
def immutable_service_cluster_ip(k):
    service = {"metadata": {"name": "immutable"}, "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}}
    created = json.loads(k.core.create_namespaced_service(k.namespace, service, _preload_content=False).data)
    ip = dig(created, "spec", "clusterIP")
    moved = ".".join(ip.split(".")[:3] + [str((int(ip.split(".")[3]) + 1) % 250 + 2)])
    r = k.call(k.core.patch_namespaced_service, "immutable", k.namespace,
               {"spec": {"clusterIP": moved, "clusterIPs": [moved]}})
    expect_invalid(r, "spec.clusterIPs[0]", "FieldValueInvalid", "may not change once set")


@check
def immutable_pvc_spec(k):
    claim = {"metadata": {"name": "immutable"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    k.core.create_namespaced_persistent_volume_claim(k.namespace, claim, _preload_content=False)
    r = k.call(k.core.patch_namespaced_persistent_volume_claim, "immutable", k.namespace,
               {"spec": {"accessModes": ["ReadWriteMany"]}})
    expect_invalid(r, "spec", "FieldValueForbidden", "spec is immutable after creation")


@check
def immutable_pod_spec_except_image(k):
    pod = {"metadata": {"name": "immutable"}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}
    k.core.create_namespaced_pod(k.namespace, pod, _preload_content=False)
    r = k.call(k.core.patch_namespaced_pod, "immutable", k.namespace,
               {"spec": {"containers": [{"name": "c", "command": ["sleep", "1"]}]}})
    expect_invalid(r, "spec", "FieldValueForbidden", "pod updates may not change fields other than")
    r = k.call(k.core.patch_namespaced_pod, "immutable", k.namespace,
               {"spec": {"containers": [{"name": "c", "image": "busybox:1.37"}]}})
    equal(r.status, 200, f"status of an image change ({dig(r.json, 'message')})")


@check
def immutable_config_map_and_secret(k):
    body = {"metadata": {"name": "immutable"}, "data": {"key": "one"}, "immutable": True}
    k.core.create_namespaced_config_map(k.namespace, body, _preload_content=False)
    r = k.call(k.core.patch_namespaced_config_map, "immutable", k.namespace, {"data": {"key": "two"}})
    expect_invalid(r, "data", "FieldValueForbidden", "field is immutable when `immutable` is set")
    secret = {"metadata": {"name": "immutable"}, "stringData": {"key": "one"}, "immutable": True}
    k.core.create_namespaced_secret(k.namespace, secret, _preload_content=False)
    r = k.call(k.core.patch_namespaced_secret, "immutable", k.namespace, {"stringData": {"key": "two"}})
    expect_invalid(r, "data", "FieldValueForbidden", "field is immutable when `immutable` is set")


@check
def no_new_finalizers_while_deleting(k):
    k.config_map("finalizing", finalizers=["example.com/hold"])
    k.core.delete_namespaced_config_map("finalizing", k.namespace, _preload_content=False)
    r = k.call(k.core.patch_namespaced_config_map, "finalizing", k.namespace,
               {"metadata": {"finalizers": ["example.com/hold", "example.com/more"]}})
    expect_invalid(r, "metadata.finalizers", "FieldValueForbidden", "no new finalizers can be added if the object is being deleted")
    k.core.patch_namespaced_config_map("finalizing", k.namespace, {"metadata": {"finalizers": None}}, _preload_content=False)
    until(lambda: k.read_config_map("finalizing").status == 404, "the ConfigMap to go once its finalizer is removed")


@check
def openapi_v2(k):
    r = k.raw("GET", "/openapi/v2")
    equal(r.status, 200, "status")
    definition = dig(r.json, "definitions", "io.k8s.api.apps.v1.Deployment")
    expect(definition and "spec" in definition.get("properties", {}), "definitions hold io.k8s.api.apps.v1.Deployment")
    equal(dig(definition, "x-kubernetes-group-version-kind", 0, "kind"), "Deployment", "x-kubernetes-group-version-kind")


@check
def openapi_v3(k):
    r = k.raw("GET", "/openapi/v3")
    equal(r.status, 200, "status")
    url = dig(r.json, "paths", "apis/apps/v1", "serverRelativeURL")
    expect(url and url.startswith("/openapi/v3/apis/apps/v1"), f"paths[apis/apps/v1].serverRelativeURL: {url!r}")
    expect(dig(r.json, "paths", "api/v1"), "paths hold api/v1")
    path, _, query = url.partition("?")
    document = k.raw("GET", path, query=[tuple(part.split("=", 1)) for part in query.split("&") if "=" in part])
    equal(document.status, 200, f"status of {url}")
    schema = dig(document.json, "components", "schemas", "io.k8s.api.apps.v1.Deployment")
    expect(schema and "spec" in schema.get("properties", {}), "components.schemas hold io.k8s.api.apps.v1.Deployment")


# §3 Defaulting and managedFields; controllers that rely on the defaults.

@check
def defaults_deployment(k):
    created = json.loads(k.apps.create_namespaced_deployment(k.namespace, deployment("defaults"), _preload_content=False).data)
    spec = created["spec"]
    equal(spec.get("replicas"), 1, "replicas")
    equal(spec.get("strategy"), {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}, "strategy")
    equal(spec.get("revisionHistoryLimit"), 10, "revisionHistoryLimit")
    equal(spec.get("progressDeadlineSeconds"), 600, "progressDeadlineSeconds")
    pod = spec["template"]["spec"]
    for key, value in (("dnsPolicy", "ClusterFirst"), ("restartPolicy", "Always"), ("schedulerName", "default-scheduler"),
                       ("terminationGracePeriodSeconds", 30), ("securityContext", {})):
        equal(pod.get(key), value, f"template.spec.{key}")
    container = pod["containers"][0]
    equal(container.get("imagePullPolicy"), "IfNotPresent", "imagePullPolicy of a tagged image")
    equal(container.get("terminationMessagePath"), "/dev/termination-log", "terminationMessagePath")
    equal(container.get("terminationMessagePolicy"), "File", "terminationMessagePolicy")


@check
def defaults_statefulset_and_daemonset(k):
    sts = {"metadata": {"name": "defaults"}, "spec": {"serviceName": "defaults", "selector": {"matchLabels": {"app": "sts"}},
           "template": {"metadata": {"labels": {"app": "sts"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}
    spec = json.loads(k.apps.create_namespaced_stateful_set(k.namespace, sts, _preload_content=False).data)["spec"]
    equal(spec.get("updateStrategy"), {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}, "StatefulSet updateStrategy")
    equal(spec.get("podManagementPolicy"), "OrderedReady", "podManagementPolicy")
    equal(spec.get("revisionHistoryLimit"), 10, "StatefulSet revisionHistoryLimit")
    equal(spec["template"]["spec"]["containers"][0].get("imagePullPolicy"), "Always", "imagePullPolicy of an untagged image")
    ds = {"metadata": {"name": "defaults"}, "spec": {"selector": {"matchLabels": {"app": "ds"}},
          "template": {"metadata": {"labels": {"app": "ds"}}, "spec": {"containers": [{"name": "c", "image": "busybox:latest"}]}}}}
    spec = json.loads(k.apps.create_namespaced_daemon_set(k.namespace, ds, _preload_content=False).data)["spec"]
    equal(spec.get("updateStrategy"), {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
          "DaemonSet updateStrategy")
    equal(spec["template"]["spec"]["containers"][0].get("imagePullPolicy"), "Always", "imagePullPolicy of :latest")


@check
def defaults_pod(k):
    pod = {"metadata": {"name": "defaults"}, "spec": {"containers": [
        {"name": "c", "image": "busybox:1.36", "ports": [{"containerPort": 8080}]}]}}
    spec = json.loads(k.core.create_namespaced_pod(k.namespace, pod, _preload_content=False).data)["spec"]
    for key, value in (("dnsPolicy", "ClusterFirst"), ("restartPolicy", "Always"), ("schedulerName", "default-scheduler"),
                       ("terminationGracePeriodSeconds", 30), ("serviceAccountName", "default"),
                       ("serviceAccount", "default"), ("enableServiceLinks", True), ("priority", 0),
                       ("preemptionPolicy", "PreemptLowerPriority")):
        equal(spec.get(key), value, f"spec.{key}")
    equal(spec["containers"][0]["ports"][0].get("protocol"), "TCP", "port protocol")
    volumes = [v for v in spec.get("volumes", []) if v.get("name", "").startswith("kube-api-access-")]
    expect(volumes and "projected" in volumes[0], "a projected kube-api-access-* volume")
    mounts = [m for m in spec["containers"][0].get("volumeMounts", []) if m.get("name") == volumes[0]["name"]]
    equal([m.get("mountPath") for m in mounts], ["/var/run/secrets/kubernetes.io/serviceaccount"], "token mount")
    tolerations = {(t.get("key"), t.get("effect"), t.get("tolerationSeconds")) for t in spec.get("tolerations", [])}
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        expect((key, "NoExecute", 300) in tolerations, f"toleration {key} NoExecute 300s in {tolerations}")


@check
def defaults_pod_resources_and_qos(k):
    # SetDefaults_Pod: limits fill in missing requests; GetPodQOS: status.qosClass from cpu/memory.
    def create(name, resources):
        pod = {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "resources": resources}]}}
        return json.loads(k.core.create_namespaced_pod(k.namespace, pod, _preload_content=False).data)
    guaranteed = create("qos-guaranteed", {"limits": {"cpu": "500m", "memory": "128Mi"}})
    equal(guaranteed["spec"]["containers"][0]["resources"].get("requests"), {"cpu": "500m", "memory": "128Mi"},
          "requests defaulted from limits")
    equal(dig(guaranteed, "status", "qosClass"), "Guaranteed", "qosClass with limits only")
    equal(dig(create("qos-burstable", {"requests": {"cpu": "100m"}}), "status", "qosClass"), "Burstable", "qosClass with a request")
    equal(dig(create("qos-besteffort", {}), "status", "qosClass"), "BestEffort", "qosClass without resources")
    running = until(lambda: (p := json.loads(k.core.read_namespaced_pod("qos-guaranteed", k.namespace, _preload_content=False).data))
                    ["status"].get("phase") == "Running" and p, "the pod to run")
    equal(dig(running, "status", "qosClass"), "Guaranteed", "qosClass once the kubelet reported it running")


@check
def defaults_service(k):
    service = {"metadata": {"name": "defaults"}, "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}}
    spec = json.loads(k.core.create_namespaced_service(k.namespace, service, _preload_content=False).data)["spec"]
    for key, value in (("type", "ClusterIP"), ("sessionAffinity", "None"), ("ipFamilies", ["IPv4"]),
                       ("ipFamilyPolicy", "SingleStack"), ("internalTrafficPolicy", "Cluster")):
        equal(spec.get(key), value, f"spec.{key}")
    expect(spec.get("clusterIP") and spec.get("clusterIPs") == [spec["clusterIP"]], f"clusterIP(s): {spec.get('clusterIPs')}")
    equal((spec["ports"][0].get("protocol"), spec["ports"][0].get("targetPort")), ("TCP", 80), "port protocol and targetPort")


@check
def managed_fields_every_write(k):
    created = json.loads(k.config_map("managed").data)
    entries = dig(created, "metadata", "managedFields") or []
    equal(len(entries), 1, "managedFields entries after create")
    entry = entries[0]
    # The manager defaults to the User-Agent's product (the Python client sends OpenAPI-Generator/…).
    equal((entry.get("manager"), entry.get("operation"), entry.get("apiVersion"), entry.get("fieldsType")),
          ("OpenAPI-Generator", "Update", "v1", "FieldsV1"), "the creator's entry")
    expect(dig(entry, "fieldsV1", "f:data", "f:key") == {}, f"fieldsV1 names f:data.f:key: {entry.get('fieldsV1')}")
    expect(entry.get("time"), "time is set")
    patched = k.call(k.core.patch_namespaced_config_map, "managed", k.namespace, {"data": {"key": "two", "more": "x"}},
                     field_manager="second").json
    managers = {e["manager"]: e for e in dig(patched, "metadata", "managedFields")}
    expect("second" in managers, f"managers after a patch: {list(managers)}")
    expect(dig(managers["second"], "fieldsV1", "f:data", "f:key") == {}, "the patcher took f:data.f:key")
    expect(dig(managers.get("OpenAPI-Generator"), "fieldsV1", "f:data", "f:key") is None,
           "the creator no longer owns f:data.f:key")
    version = dig(patched, "metadata", "resourceVersion")
    again = k.call(k.core.patch_namespaced_config_map, "managed", k.namespace, {"data": {"key": "two"}},
                   field_manager="third").json
    equal(dig(again, "metadata", "resourceVersion"), version, "a no-op patch leaves resourceVersion")
    expect("third" not in {e["manager"] for e in dig(again, "metadata", "managedFields")}, "a no-op patch adds no manager")


@check
def controllers_statefulset_revisions(k):
    sts = {"metadata": {"name": "rolling"}, "spec": {"replicas": 1, "serviceName": "rolling",
           "selector": {"matchLabels": {"app": "rolling"}},
           "template": {"metadata": {"labels": {"app": "rolling"}}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}}}
    k.apps.create_namespaced_stateful_set(k.namespace, sts, _preload_content=False)

    def rolled_out():
        status = json.loads(k.apps.read_namespaced_stateful_set("rolling", k.namespace, _preload_content=False).data)["status"]
        return (status.get("readyReplicas") == 1 and status.get("updatedReplicas") == 1
                and status.get("currentRevision") and status.get("currentRevision") == status.get("updateRevision"))
    until(rolled_out, "the StatefulSet to roll out (readyReplicas, currentRevision == updateRevision)")
    revisions = json.loads(k.apps.list_namespaced_controller_revision(k.namespace, _preload_content=False).data)["items"]
    owned = [r for r in revisions if any(o.get("kind") == "StatefulSet" and o.get("name") == "rolling"
                                         for o in dig(r, "metadata", "ownerReferences") or [])]
    expect(owned and owned[0].get("revision") == 1, f"a ControllerRevision owned by the StatefulSet: {owned}")


@check
def controllers_daemonset_skips_tainted_nodes(k):
    nodes = json.loads(k.core.list_node(_preload_content=False).data)["items"]
    schedulable = [n for n in nodes if not any(t.get("effect") in ("NoSchedule", "NoExecute")
                                               for t in dig(n, "spec", "taints") or [])]
    expect(len(schedulable) < len(nodes), "the cluster has a tainted (control-plane) node")
    ds = {"metadata": {"name": "tainted"}, "spec": {"selector": {"matchLabels": {"app": "tainted"}},
          "template": {"metadata": {"labels": {"app": "tainted"}}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}}}
    k.apps.create_namespaced_daemon_set(k.namespace, ds, _preload_content=False)
    status = until(lambda: (s := json.loads(k.apps.read_namespaced_daemon_set("tainted", k.namespace, _preload_content=False).data)
                            .get("status", {})).get("desiredNumberScheduled") is not None and s, "DaemonSet status")
    equal(status.get("desiredNumberScheduled"), len(schedulable), "desiredNumberScheduled (untainted nodes only)")


@check
def controllers_pod_never_completes(k):
    pod = {"metadata": {"name": "once"}, "spec": {"restartPolicy": "Never",
           "containers": [{"name": "c", "image": "busybox:1.36", "command": ["true"]}]}}
    k.core.create_namespaced_pod(k.namespace, pod, _preload_content=False)
    until(lambda: dig(json.loads(k.core.read_namespaced_pod("once", k.namespace, _preload_content=False).data),
                      "status", "phase") == "Succeeded", "a restartPolicy: Never pod to reach Succeeded")


@check
def controllers_rollback_reuses_replicaset(k):
    k.apps.create_namespaced_deployment(k.namespace, deployment("undo"), _preload_content=False)

    def replica_sets():
        items = json.loads(k.apps.list_namespaced_replica_set(k.namespace, label_selector="app=undo", _preload_content=False).data)["items"]
        return {dig(i, "metadata", "labels", "pod-template-hash"): dig(i, "spec", "replicas") for i in items}
    first = until(lambda: len(replica_sets()) == 1 and replica_sets(), "the first ReplicaSet")
    image = lambda tag: {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": f"nginx:{tag}"}]}}}}
    k.apps.patch_namespaced_deployment("undo", k.namespace, image("1.28"), _preload_content=False)
    until(lambda: len(replica_sets()) == 2, "a second ReplicaSet for the new template")
    k.apps.patch_namespaced_deployment("undo", k.namespace, image("1.27"), _preload_content=False)
    (old_hash,) = first
    until(lambda: (sets := replica_sets()) and len(sets) == 2 and sets.get(old_hash) == 1,
          "going back to the old template to scale the old ReplicaSet up again, with no third one")


# §4 Server-side apply.

def apply(k, name, data, manager, force=None, **kwargs):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    options = {"force": force} if force is not None else {}
    return k.call(k.core.patch_namespaced_config_map, name, k.namespace, body, field_manager=manager,
                  _content_type="application/apply-patch+yaml", **options, **kwargs)


@check
def ssa_apply_entry(k):
    r = apply(k, "applied", {"a": "1", "b": "2"}, "alpha")
    equal(r.status, 201, "status of an apply that creates")
    entries = [e for e in dig(r.json, "metadata", "managedFields") or [] if e.get("manager") == "alpha"]
    equal([e.get("operation") for e in entries], ["Apply"], "alpha's managedFields operation")
    # A map's own presence is the "." entry beside its keys.
    equal(set(dig(entries[0], "fieldsV1", "f:data") or {}) - {"."}, {"f:a", "f:b"}, "alpha's applied fields")


@check
def ssa_conflict_409(k):
    apply(k, "conflict", {"key": "alpha"}, "alpha")
    r = apply(k, "conflict", {"key": "beta"}, "beta")
    equal((r.status, dig(r.json, "reason")), (409, "Conflict"), "status and reason")
    expect('Apply failed with 1 conflict: conflict with "alpha": .data.key' in (dig(r.json, "message") or ""),
           f"message: {dig(r.json, 'message')!r}")
    equal(r.causes(), [(".data.key", "FieldManagerConflict")], "details.causes")
    equal(dig(k.read_config_map("conflict").json, "data", "key"), "alpha", "stored value after the conflict")


@check
def ssa_force(k):
    apply(k, "forced", {"key": "alpha"}, "alpha")
    r = apply(k, "forced", {"key": "beta"}, "beta", force=True)
    equal((r.status, dig(r.json, "data", "key")), (200, "beta"), "forced apply")
    owners = {e["manager"]: e for e in dig(r.json, "metadata", "managedFields")}
    expect(dig(owners.get("beta"), "fieldsV1", "f:data", "f:key") == {}, "beta owns .data.key")
    expect(dig(owners.get("alpha"), "fieldsV1", "f:data", "f:key") is None, "alpha lost .data.key")


@check
def ssa_removes_dropped_fields(k):
    apply(k, "dropping", {"a": "1", "b": "2"}, "alpha")
    r = apply(k, "dropping", {"a": "1"}, "alpha")
    equal((r.status, dig(r.json, "data")), (200, {"a": "1"}), "a field no longer applied is removed")


@check
def ssa_options_validated(k):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "no-manager"}, "data": {}}
    r = k.call(k.core.patch_namespaced_config_map, "no-manager", k.namespace, body,
               _content_type="application/apply-patch+yaml", _headers={"User-Agent": ""})
    # The client sends a User-Agent; fieldManager must still be given explicitly for apply.
    expect_invalid(r, "fieldManager", "FieldValueRequired", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value')
    k.config_map("merge-force")
    r = k.call(k.core.patch_namespaced_config_map, "merge-force", k.namespace, {"data": {"key": "x"}}, force=True)
    expect_invalid(r, "force", "FieldValueForbidden", "may not be specified for non-apply patch")


# §5 CRDs, API groups, namespaces, reviews.

@check
def crd_lifecycle(k):
    group = f"{k.namespace}.example.com"
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": f"widgets.{group}"},
           "spec": {"group": group, "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                        "type": "object", "properties": {"spec": {"type": "object", "required": ["size"], "properties": {
                            "size": {"type": "integer"}, "color": {"type": "string", "enum": ["red", "blue"]}}}}}}}]}}
    k.ext.create_custom_resource_definition(crd, _preload_content=False)

    def established():
        status = json.loads(k.ext.read_custom_resource_definition(f"widgets.{group}", _preload_content=False).data).get("status", {})
        conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
        return conditions.get("Established") == "True" and conditions.get("NamesAccepted") == "True"
    until(established, "the CRD to be Established and NamesAccepted")
    discovery = until(lambda: (r := k.raw("GET", f"/apis/{group}/v1")).status == 200 and r, "discovery of the CRD's group")
    equal([(x["name"], x["kind"], x["namespaced"]) for x in discovery.json["resources"] if x["name"] == "widgets"],
          [("widgets", "Widget", True)], "the CRD's resource in discovery")
    expect(any(g["name"] == group for g in k.raw("GET", "/apis").json["groups"]), "the group in /apis")
    create = lambda name, spec: k.call(k.custom.create_namespaced_custom_object, group, "v1", k.namespace, "widgets",
                                       {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec})
    equal(create("good", {"size": 3, "color": "red"}).status, 201, "a valid instance")
    expect_invalid(create("wrong-type", {"size": "big"}), "spec.size", "FieldValueTypeInvalid")
    expect_invalid(create("missing", {"color": "red"}), "spec.size", "FieldValueRequired")
    expect_invalid(create("not-in-enum", {"size": 1, "color": "green"}), "spec.color", "FieldValueNotSupported")
    k.ext.delete_custom_resource_definition(f"widgets.{group}", _preload_content=False)
    until(lambda: k.raw("GET", f"/apis/{group}/v1/namespaces/{k.namespace}/widgets").status == 404,
          "the CRD's instances and resource to go")
    until(lambda: k.call(k.ext.read_custom_resource_definition, f"widgets.{group}").status == 404, "the CRD to go")


@check
def platform_crds_from_manifests(k):
    crd = json.loads(k.ext.read_custom_resource_definition("applications.argoproj.io", _preload_content=False).data)
    equal(dig(crd, "spec", "names", "shortNames"), ["app", "apps"], "the real Application CRD's short names")
    conditions = {c["type"]: c["status"] for c in dig(crd, "status", "conditions") or []}
    equal(conditions.get("Established"), "True", "Established")
    app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "bad"}, "spec": {"project": 3}}
    r = k.call(k.custom.create_namespaced_custom_object, "argoproj.io", "v1alpha1", k.namespace, "applications", app)
    equal(r.status, 422, f"an Application of the wrong shape ({dig(r.json, 'message')})")
    fields = {f for f, _ in r.causes()}
    expect({"spec.project", "spec.destination"} <= fields, f"causes name spec.project and spec.destination: {fields}")


@check
def jobs_complete(k):
    job = {"metadata": {"name": "once"}, "spec": {"completions": 2, "parallelism": 1, "template": {"spec": {
        "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1.36", "command": ["true"]}]}}}}
    created = json.loads(k.batch.create_namespaced_job(k.namespace, job, _preload_content=False).data)
    equal(dig(created, "spec", "backoffLimit"), 6, "defaulted backoffLimit")
    equal(dig(created, "spec", "completionMode"), "NonIndexed", "defaulted completionMode")

    def complete():
        status = json.loads(k.batch.read_namespaced_job("once", k.namespace, _preload_content=False).data).get("status", {})
        return status.get("succeeded") == 2 and any(c.get("type") == "Complete" and c.get("status") == "True"
                                                    for c in status.get("conditions", [])) and status
    status = until(complete, "the Job to complete with 2 succeeded pods", timeout=30)
    expect(status.get("completionTime"), "completionTime is set")


@check
def api_groups_served(k):
    ns = k.namespace
    objects = [
        ("/apis/networking.k8s.io/v1", "networkpolicies", {"kind": "NetworkPolicy", "spec": {"podSelector": {}}}),
        ("/apis/policy/v1", "poddisruptionbudgets", {"kind": "PodDisruptionBudget",
                                                     "spec": {"minAvailable": 1, "selector": {"matchLabels": {"a": "b"}}}}),
        ("/apis/autoscaling/v2", "horizontalpodautoscalers", {"kind": "HorizontalPodAutoscaler", "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"}, "maxReplicas": 3}}),
        ("/apis/coordination.k8s.io/v1", "leases", {"kind": "Lease", "spec": {"holderIdentity": "me"}}),
        ("/apis/discovery.k8s.io/v1", "endpointslices", {"kind": "EndpointSlice", "addressType": "IPv4", "endpoints": []}),
        ("/apis/rbac.authorization.k8s.io/v1", "roles", {"kind": "Role", "rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
        ("/apis/batch/v1", "cronjobs", {"kind": "CronJob", "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}}}),
    ]
    for prefix, plural, body in objects:
        body = dict(body, apiVersion=prefix.removeprefix("/apis/"), metadata={"name": "served"})
        r = k.raw("POST", f"{prefix}/namespaces/{ns}/{plural}", body)
        equal(r.status, 201, f"create {plural} ({dig(r.json, 'message')})")
        equal(k.raw("GET", f"{prefix}/namespaces/{ns}/{plural}/served").status, 200, f"read {plural}")
    core = [("limitranges", {"kind": "LimitRange", "spec": {"limits": [{"type": "Container", "default": {"cpu": "100m"}}]}}),
            ("resourcequotas", {"kind": "ResourceQuota", "spec": {"hard": {"pods": "10"}}}),
            ("podtemplates", {"kind": "PodTemplate", "template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}})]
    for plural, body in core:
        body = dict(body, apiVersion="v1", metadata={"name": "served"})
        r = k.raw("POST", f"/api/v1/namespaces/{ns}/{plural}", body)
        equal(r.status, 201, f"create {plural} ({dig(r.json, 'message')})")
    storage = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": ns},
               "provisioner": "example.com/none"}
    r = k.raw("POST", "/apis/storage.k8s.io/v1/storageclasses", storage)
    equal(r.status, 201, f"create a StorageClass ({dig(r.json, 'message')})")
    equal(dig(r.json, "reclaimPolicy"), "Delete", "StorageClass reclaimPolicy default")
    k.raw("DELETE", f"/apis/storage.k8s.io/v1/storageclasses/{ns}")
    bad = dict(objects[0][2], apiVersion="networking.k8s.io/v1", metadata={"name": "bad"}, spec={"podSelector": "all"})
    equal(k.raw("POST", f"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies", bad).status, 400,
          "a NetworkPolicy of the wrong type is validated")


@check
def typed_reads_deserialize(k):
    # The client's typed models enforce the OpenAPI schema's required fields and types: every list the server
    # serves must deserialize (a Node without status.nodeInfo.bootID/systemUUID, for instance, does not).
    calls = [(client.CoreV1Api, ["list_node", "list_namespace", "list_persistent_volume", "get_api_resources",
                                 "list_pod_for_all_namespaces", "list_service_for_all_namespaces",
                                 "list_config_map_for_all_namespaces", "list_service_account_for_all_namespaces",
                                 "list_event_for_all_namespaces", "list_persistent_volume_claim_for_all_namespaces",
                                 "list_endpoints_for_all_namespaces", "list_secret_for_all_namespaces",
                                 "list_limit_range_for_all_namespaces", "list_resource_quota_for_all_namespaces",
                                 "list_pod_template_for_all_namespaces"]),
             (client.AppsV1Api, ["list_deployment_for_all_namespaces", "list_replica_set_for_all_namespaces",
                                 "list_stateful_set_for_all_namespaces", "list_daemon_set_for_all_namespaces",
                                 "list_controller_revision_for_all_namespaces"]),
             (client.BatchV1Api, ["list_job_for_all_namespaces", "list_cron_job_for_all_namespaces"]),
             (client.ApiextensionsV1Api, ["list_custom_resource_definition"]),
             (client.StorageV1Api, ["list_storage_class"]),
             (client.CoreApi, ["get_api_versions"]), (client.ApisApi, ["get_api_versions"]), (client.VersionApi, ["get_code"])]
    failures = []
    for api_class, methods in calls:
        api = api_class(k.api)
        for method in methods:
            try:
                getattr(api, method)()
            except ApiException as error:
                failures.append(f"{method}: HTTP {error.status}")
            except Exception as error:  # pydantic's ValidationError: the body does not fit the schema
                failures.append(f"{api_class.__name__}.{method}: {str(error).splitlines()[0]} {str(error).splitlines()[1:2]}")
    equal(failures, [], "typed reads that failed")
    version = client.VersionApi(k.api).get_code()
    equal((version.major, version.minor), ("1", "32"), "the served version")


@check
def namespace_defaults(k):
    until(lambda: k.call(k.core.read_namespaced_service_account, "default", k.namespace).status == 200,
          "the default ServiceAccount of a new namespace")
    root = until(lambda: (r := k.call(k.core.read_namespaced_config_map, "kube-root-ca.crt", k.namespace)).status == 200 and r,
                 "kube-root-ca.crt in a new namespace")
    expect("BEGIN CERTIFICATE" in (dig(root.json, "data", "ca.crt") or ""), "kube-root-ca.crt holds a certificate")
    service = k.call(k.core.read_namespaced_service, "kubernetes", "default")
    equal((service.status, dig(service.json, "spec", "ports", 0, "port")), (200, 443), "default/kubernetes Service")
    pods = json.loads(k.core.list_namespaced_pod("kube-system", _preload_content=False).data)["items"]
    names = " ".join(dig(p, "metadata", "name") for p in pods)
    for component in ("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"):
        expect(component in names, f"kube-system has a {component} pod")


@check
def system_namespaces_not_deletable(k):
    for name in ("default", "kube-system", "kube-public"):
        r = k.call(k.core.delete_namespace, name)
        equal((r.status, dig(r.json, "reason")), (403, "Forbidden"), f"delete namespace {name}")
        expect("this namespace may not be deleted" in (dig(r.json, "message") or ""), f"message: {dig(r.json, 'message')!r}")


@check
def self_subject_access_review(k):
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"namespace": k.namespace, "verb": "create", "resource": "configmaps"}}}
    r = k.call(client.AuthorizationV1Api(k.api).create_self_subject_access_review, review)
    equal((r.status, dig(r.json, "status", "allowed")), (201, True), "status and allowed")
    equal(dig(r.json, "spec", "resourceAttributes", "verb"), "create", "the review echoes its spec")


@check
def self_subject_review(k):
    r = k.call(client.AuthenticationV1Api(k.api).create_self_subject_review,
               {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    equal(r.status, 201, "status")
    expect(dig(r.json, "status", "userInfo", "username"), f"status.userInfo.username: {dig(r.json, 'status')}")
    expect("system:authenticated" in (dig(r.json, "status", "userInfo", "groups") or []), "groups hold system:authenticated")


# §6 Lists and watches.

@check
def watch_selector_transitions(k):
    k.config_map("moving", labels={"tier": "a"})
    version = dig(json.loads(k.core.list_namespaced_config_map(k.namespace, _preload_content=False).data), "metadata", "resourceVersion")
    k.core.patch_namespaced_config_map("moving", k.namespace, {"metadata": {"labels": {"tier": "b"}}}, _preload_content=False)
    k.core.patch_namespaced_config_map("moving", k.namespace, {"metadata": {"labels": {"tier": "a"}}}, _preload_content=False)
    seen = []
    for event in watch.Watch().stream(k.core.list_namespaced_config_map, k.namespace, label_selector="tier=a",
                                      resource_version=version, timeout_seconds=2):
        seen.append(event["type"] + " " + event["object"].metadata.labels.get("tier", "-"))
        if len(seen) == 2:
            break
    equal(seen, ["DELETED b", "ADDED a"], "events of a label selector watch as the label leaves and comes back")


@check
def list_resource_version_semantics(k):
    first = json.loads(k.config_map("versions").data)
    old = dig(first, "metadata", "resourceVersion")
    k.core.patch_namespaced_config_map("versions", k.namespace, {"data": {"key": "two"}}, _preload_content=False)
    exact = k.call(k.core.list_namespaced_config_map, k.namespace, resource_version=old, resource_version_match="Exact",
                   field_selector="metadata.name=versions")
    equal(exact.status, 200, "status of an Exact list")
    equal([dig(i, "data", "key") for i in exact.json["items"]], ["one"], "an Exact list shows the object as it was")
    equal(dig(exact.json, "metadata", "resourceVersion"), old, "an Exact list's resourceVersion")
    newer = k.call(k.core.list_namespaced_config_map, k.namespace, resource_version=old,
                   resource_version_match="NotOlderThan", field_selector="metadata.name=versions")
    equal([dig(i, "data", "key") for i in newer.json["items"]], ["two"], "a NotOlderThan list shows the latest")
    r = k.call(k.core.list_namespaced_config_map, k.namespace, resource_version_match="Exact")
    expect_invalid(r, "resourceVersionMatch", None, "resourceVersionMatch is forbidden unless resourceVersion is provided")


@check
def list_pagination_and_selectors(k):
    for index in range(5):
        k.config_map(f"page-{index}", labels={"page": "yes", "parity": str(index % 2)})
    def pages(**selectors):
        names, token, versions, counts = [], None, set(), []
        while True:
            kwargs = {"_continue": token} if token else {}
            page = k.call(k.core.list_namespaced_config_map, k.namespace, limit=2, **selectors, **kwargs).json
            names += [dig(i, "metadata", "name") for i in page["items"]]
            versions.add(dig(page, "metadata", "resourceVersion"))
            token = dig(page, "metadata", "continue")
            if not token:
                return names, versions, counts
            counts.append(dig(page, "metadata", "remainingItemCount"))
    names, versions, counts = pages(label_selector="page=yes")
    equal(sorted(names), [f"page-{i}" for i in range(5)], "pages of 2 stitch to the whole list")
    equal(len(versions), 1, "every page has the list's resourceVersion")
    # ListMeta: with label or field selectors the number of remaining items is unknown and left unset.
    equal(counts, [None, None], "remainingItemCount of a list filtered by a selector")
    names, _, counts = pages()
    expected = list(range(len(names) - 2, 0, -2))
    equal(counts, expected, "remainingItemCount of an unfiltered list")
    r = k.call(k.core.list_namespaced_config_map, k.namespace, label_selector="page=yes,parity in (1),!missing")
    equal(sorted(dig(i, "metadata", "name") for i in r.json["items"]), ["page-1", "page-3"], "a set-based label selector")
    r = k.call(k.core.list_namespaced_config_map, k.namespace, label_selector="page=yes", field_selector="metadata.name!=page-0")
    equal(len(r.json["items"]), 4, "a field selector with !=")


@check
def watch_compacted_410(k):
    old = dig(json.loads(k.config_map("compacted").data), "metadata", "resourceVersion")
    k.config_map("compacted-2")  # a change after `old`, so that a watch from it needs compacted history
    if k.raw("POST", "/_sim/compact").status != 200:
        old = "1"  # a real server: version 1 is long compacted
    raw = k.call(k.core.list_namespaced_config_map, k.namespace, watch=True, resource_version=old, timeout_seconds=2)
    equal(raw.status, 200, "a watch from a compacted version answers HTTP 200")
    lines = raw.lines()
    equal([(e.get("type"), dig(e, "object", "kind"), dig(e, "object", "code"), dig(e, "object", "reason")) for e in lines],
          [("ERROR", "Status", 410, "Expired")], "then one ERROR event holding a 410 Expired Status")
    expect("too old resource version" in (dig(lines[0], "object", "message") or ""), "the Status message")
    try:
        for _ in watch.Watch().stream(k.core.list_namespaced_config_map, k.namespace, resource_version=old, timeout_seconds=2):
            raise Failed("the Python client's watch yielded an event instead of raising")
    except ApiException as error:
        equal(error.status, 410, "the Python client raises ApiException 410")


@check
def send_initial_events_bookmark(k):
    k.config_map("initial-a")
    k.config_map("initial-b")
    events = []
    for event in watch.Watch().stream(k.core.list_namespaced_config_map, k.namespace, send_initial_events=True,
                                      resource_version_match="NotOlderThan", allow_watch_bookmarks=True,
                                      label_selector="!nothing", timeout_seconds=3):
        events.append(event)
        if event["type"] == "BOOKMARK":
            break
    added = sorted(e["object"].metadata.name for e in events if e["type"] == "ADDED")
    expect({"initial-a", "initial-b"} <= set(added), f"the current objects come first as ADDED: {added}")
    equal(events[-1]["type"] if events else None, "BOOKMARK", "then a BOOKMARK")
    equal(dig(events[-1]["raw_object"], "metadata", "annotations", "k8s.io/initial-events-end"), "true",
          "the bookmark's k8s.io/initial-events-end annotation")
    # validateWatchOptions: sendInitialEvents needs resourceVersionMatch=NotOlderThan.
    r = k.call(k.core.list_namespaced_config_map, k.namespace, watch=True, send_initial_events=True, timeout_seconds=1)
    expect_invalid(r, "resourceVersionMatch", "FieldValueForbidden",
                   "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")


@check
def unsupported_field_selector(k):
    r = k.call(k.core.list_namespaced_config_map, k.namespace, field_selector="spec.bogus=x")
    equal((r.status, dig(r.json, "reason")), (400, "BadRequest"), "status and reason")
    expect('field label not supported: spec.bogus' in (dig(r.json, "message") or ""), f"message: {dig(r.json, 'message')!r}")
    r = k.call(k.core.list_namespaced_pod, k.namespace, field_selector="status.phase=Running")
    equal(r.status, 200, "a per-type field selector (pods status.phase)")


@check
def gc_orphans(k):
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": str(uuid.uuid4())}
    k.config_map("orphan", ownerReferences=[ghost])
    until(lambda: k.read_config_map("orphan").status == 404, "the GC to delete a dependent whose owner does not exist")


@check
def gc_propagation(k):
    owner = json.loads(k.config_map("owner").data)
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
    k.config_map("dependent", ownerReferences=[reference])
    k.core.delete_namespaced_config_map("owner", k.namespace, body={"propagationPolicy": "Background"}, _preload_content=False)
    until(lambda: k.read_config_map("dependent").status == 404, "Background propagation to delete the dependent")
    owner = json.loads(k.config_map("owner-2").data)
    reference = dict(reference, name="owner-2", uid=owner["metadata"]["uid"])
    k.config_map("kept", ownerReferences=[reference])
    k.core.delete_namespaced_config_map("owner-2", k.namespace, body={"propagationPolicy": "Orphan"}, _preload_content=False)
    until(lambda: k.read_config_map("owner-2").status == 404, "the owner to go")
    kept = until(lambda: (r := k.read_config_map("kept")).status == 200 and not dig(r.json, "metadata", "ownerReferences") and r,
                 "Orphan propagation to keep the dependent and drop its ownerReference")
    equal(dig(kept.json, "data", "key"), "one", "the orphaned dependent's data")


def main():
    if sys.argv[1:2] == ["--list"]:
        print("\n".join(c.__name__ for c in CHECKS))
        return
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    only = set(sys.argv[2:])
    unknown = only - {c.__name__ for c in CHECKS}
    if unknown:
        print(f"unknown checks: {sorted(unknown)}", file=sys.stderr)
        sys.exit(2)
    k = Cluster(sys.argv[1])
    failed = 0
    try:
        for function in CHECKS:
            if only and function.__name__ not in only:
                continue
            started = time.monotonic()
            try:
                function(k)
                ok, detail = True, ""
            except Failed as error:
                ok, detail = False, str(error)
            except ApiException as error:
                ok, detail = False, f"unexpected HTTP {error.status}: {(error.body or '')[:300]}"
            except Exception as error:  # a check that crashes is a failed check, with its cause
                ok, detail = False, f"{type(error).__name__}: {error}"
            failed += not ok
            print(json.dumps({"name": function.__name__, "ok": ok, "detail": detail,
                              "seconds": round(time.monotonic() - started, 2)}), flush=True)
    finally:
        k.call(k.core.delete_namespace, k.namespace)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
