#!/usr/bin/env bash
# Deletes the kind cluster made by scripts/kind/up.sh (KIND_CLUSTER, default gitops-proof); nothing when it is gone.
set -euo pipefail
cluster=${KIND_CLUSTER:-gitops-proof}
command -v kind >/dev/null 2>&1 || { echo "down: 'kind' is not installed" >&2; exit 3; }
if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  kind delete cluster --name "$cluster"
else
  echo "down: no cluster $cluster"
fi
