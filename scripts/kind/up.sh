#!/usr/bin/env bash
# Brings up the kind cluster the end-to-end runs use, idempotently (a second run only fills in what is missing):
#   1. the cluster (scripts/kind/cluster.yaml: pinned node image, one control plane, two workers);
#   2. the image built from this repository (Dockerfile), loaded into the nodes with `kind load docker-image`, under
#      the names the core manifests run it as (gitops-proof:dev; ghcr.io/example/mlp-fastapi:1.0.0 and :1.1.0, the
#      tags the deploy and rollback scenarios switch between) — the ML services' stand-in, `proof sim service NAME`;
#   3. Argo CD from its pinned release's install manifest, and the Prometheus operator's CRDs (scripts/kind/crds);
#   4. the in-cluster Git server (git-server.yaml) holding scenarios/platform, its repoURLs pointed at it;
#   5. bootstrap/ applied, then a wait until every Application is Synced and Healthy (scripts/ci/wait-apps.sh:
#      progress every 15 s; on timeout, what is not), and until Loki holds logs of every core namespace
#      (scripts/ci/wait-logs.sh).
# Environment: KIND_CLUSTER (default gitops-proof), IMAGE (default gitops-proof:dev), SKIP_IMAGE_BUILD=1 to load
# an image built elsewhere, UP_TIMEOUT seconds (default 900), GIT_PORT for the port-forward (default 18080).
# Needs docker, kind, kubectl and git. scripts/kind/down.sh deletes the cluster.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/scripts/kind"
cluster=${KIND_CLUSTER:-gitops-proof}
context="kind-$cluster"
image=${IMAGE:-gitops-proof:dev}
timeout=${UP_TIMEOUT:-900}
port=${GIT_PORT:-18080}
argocd_version=v2.14.21
argocd_manifest="https://raw.githubusercontent.com/argoproj/argo-cd/$argocd_version/manifests/install.yaml"
placeholder_repo="https://git.example.invalid/mlp/gitops.git"
incluster_repo="http://git-server.gitops.svc.cluster.local/platform.git"

for tool in docker kind kubectl git; do
  command -v "$tool" >/dev/null 2>&1 || { echo "up: '$tool' is not installed" >&2; exit 3; }
done
k() { kubectl --context "$context" "$@"; }

# 1. The cluster.
if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  echo "up: cluster $cluster exists"
else
  echo "up: creating cluster $cluster"
  kind create cluster --name "$cluster" --config "$here/cluster.yaml" --wait 180s
fi

# 2. The image built from this repository (the git server and the ML services' stand-in run it), under every name
#    the manifests use: the core manifests never pull it (imagePullPolicy Never / IfNotPresent with a loaded tag).
if [ "${SKIP_IMAGE_BUILD:-0}" != 1 ]; then
  echo "up: building $image"
  docker build -t "$image" "$repo"
fi
names=("$image")
for name in gitops-proof:dev ghcr.io/example/mlp-fastapi:1.0.0 ghcr.io/example/mlp-fastapi:1.1.0; do
  [ "$name" = "$image" ] && continue
  docker tag "$image" "$name"
  names+=("$name")
done
kind load docker-image "${names[@]}" --name "$cluster"

# 3. Argo CD and the Prometheus operator's CRDs (server-side: the CRDs are too large for the last-applied annotation).
echo "up: installing Argo CD $argocd_version"
k create namespace argocd --dry-run=client -o yaml | k apply -f -
k apply -n argocd --server-side --force-conflicts -f "$argocd_manifest"
k apply --server-side --force-conflicts \
  -f "$here/crds/prometheus-operator-v0.79.2-monitoring.coreos.com_servicemonitors.yaml" \
  -f "$here/crds/prometheus-operator-v0.79.2-monitoring.coreos.com_podmonitors.yaml" \
  -f "$here/crds/prometheus-operator-v0.79.2-monitoring.coreos.com_prometheusrules.yaml"
k -n argocd rollout status deployment/argocd-repo-server --timeout=300s
k -n argocd rollout status statefulset/argocd-application-controller --timeout=300s

# 4. The Git server, and the platform pushed into it once (a second run leaves its history alone).
k apply -f "$here/git-server.yaml"
k -n gitops create configmap git-http-server --from-file="$here/git-http-server.py" --dry-run=client -o yaml | k apply -f -
k -n gitops rollout status deployment/git-server --timeout=180s
work=$(mktemp -d)
forward=""
cleanup() {
  [ -n "$forward" ] && kill "$forward" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
k -n gitops port-forward svc/git-server "$port:80" >"$work/port-forward.log" 2>&1 &
forward=$!
for _ in $(seq 1 50); do grep -q "Forwarding from" "$work/port-forward.log" && break; sleep 0.2; done
git clone --quiet "http://127.0.0.1:$port/platform.git" "$work/platform"
if git -C "$work/platform" rev-parse --verify --quiet HEAD >/dev/null; then
  echo "up: the Git server already holds the platform ($(git -C "$work/platform" rev-parse --short HEAD))"
else
  echo "up: pushing scenarios/platform to the Git server"
  cp -R "$repo/scenarios/platform/." "$work/platform/"
  grep -rl --include='*.yaml' "$placeholder_repo" "$work/platform" | while read -r file; do
    sed -i "s#$placeholder_repo#$incluster_repo#g" "$file"
  done
  git -C "$work/platform" add -A
  git -C "$work/platform" -c user.name=gitops-proof -c user.email=proof@localhost commit --quiet -m "Initial platform"
  git -C "$work/platform" push --quiet origin HEAD:refs/heads/main
fi

# 5. bootstrap/, as the Git server holds it, then the wait.
k apply -f "$work/platform/bootstrap/"
"$repo/scripts/ci/wait-apps.sh" "$timeout" --context "$context"
# Then logs flowing into Loki from every core namespace (the baseline's logs-flow invariant holds from the start).
"$repo/scripts/ci/wait-logs.sh" "$timeout" baseline-dev/loki-dev:3100 airflow-dev,mlflow-dev,fastapi-dev,triton-dev \
  --context "$context"
echo "up: ready; run scenarios with: proof run scenarios/ --context $context --gitops-repo CHECKOUT"
echo "up:   (CHECKOUT: git clone http://127.0.0.1:$port/platform.git after: kubectl --context $context -n gitops port-forward svc/git-server $port:80)"
