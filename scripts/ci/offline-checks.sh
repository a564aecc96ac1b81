#!/usr/bin/env bash
# What can be checked of the kind path without Docker or kind (docs/ci-kind.md):
#   actionlint and the GitHub workflow JSON schema on .github/workflows, shellcheck on every script, hadolint on
#   the Dockerfile, and every manifest of scenarios/platform (plus the kind git server's) against the official
#   Kubernetes schemas of the version scripts/kind/cluster.yaml pins and the real CRD schemas in scripts/kind/crds.
#   scripts/ci/offline-checks.sh [ROOT]     (ROOT: the tree to check, default this repository)
# Prints "offline-checks: ok NAME" or "offline-checks: FAILED NAME" per check, then a count; exits 1 when one
# failed, 3 when a tool is missing (scripts/setup.sh installs them).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "${1:-$here/../..}" && pwd)

for tool in actionlint check-jsonschema shellcheck hadolint python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "offline-checks: '$tool' is missing: run scripts/setup.sh" >&2; exit 3; }
done
python3 -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null \
  || { echo "offline-checks: the Python package kubernetes-validate is missing: run scripts/setup.sh" >&2; exit 3; }

passed=0
failed=0
check() {
  local name=$1
  shift
  if "$@"; then
    echo "offline-checks: ok $name"
    passed=$((passed + 1))
  else
    echo "offline-checks: FAILED $name"
    failed=$((failed + 1))
  fi
}

workflows=()
while IFS= read -r file; do workflows+=("$file"); done < <(find "$root/.github/workflows" -name '*.yml' -o -name '*.yaml' | sort)
scripts=()
while IFS= read -r file; do scripts+=("$file"); done < <(find "$root/scripts" "$root/.ci" -type f \( -name '*.sh' -o -name run \) 2>/dev/null | sort)
version=$(grep -o 'kindest/node:v[0-9][0-9.]*' "$root/scripts/kind/cluster.yaml" | head -1 | sed 's/.*:v//')
[ -n "$version" ] || { echo "offline-checks: no kindest/node:vX.Y.Z image in $root/scripts/kind/cluster.yaml" >&2; exit 1; }

check "actionlint (${#workflows[@]} workflows)" actionlint "${workflows[@]}"
check "check-jsonschema vendor.github-workflows" check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
check "shellcheck (${#scripts[@]} scripts)" shellcheck "${scripts[@]}"
check "hadolint Dockerfile" hadolint "$root/Dockerfile"
check "manifests against Kubernetes $version and the CRDs" python3 "$here/validate-manifests.py" \
  --kubernetes-version "$version" --crds "$root/scripts/kind/crds" "$root/scenarios/platform" "$root/scripts/kind/git-server.yaml"

echo "offline-checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
