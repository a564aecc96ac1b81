#!/usr/bin/env bash
# Prints a short markdown summary of proofs (title with verdict, the run line, the invariant table), for
# $GITHUB_STEP_SUMMARY:  scripts/ci/proof-summary.sh docs/proof/*/*.md >> "$GITHUB_STEP_SUMMARY"
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: proof-summary.sh PROOF.md..." >&2; exit 2; }
for proof in "$@"; do
  # From the title down to (not including) the step table: verdict, counts, run table, invariant table.
  awk '/^# Proof:/ { show = 1 } /^## Steps/ { show = 0 } show' "$proof"
  echo
done
