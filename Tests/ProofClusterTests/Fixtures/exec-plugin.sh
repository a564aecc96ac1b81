#!/bin/sh
# Exec credential plugin fixture: counts its runs in $COUNTER_FILE, saves KUBERNETES_EXEC_INFO to
# $INFO_FILE, appends one line per run to $RUNS_LOG when set (appends are atomic, so concurrent runs all
# count), and prints an ExecCredential with token "exec-token-<run>" expiring at $EXPIRY.
set -e
count=$(cat "$COUNTER_FILE" 2>/dev/null || echo 0)
count=$((count + 1))
echo "$count" > "$COUNTER_FILE"
if [ -n "$RUNS_LOG" ]; then echo run >> "$RUNS_LOG"; fi
printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"
if [ "$MODE" = "fail" ]; then echo "plugin refused: no session" >&2; exit 3; fi
if [ "$MODE" = "cert" ]; then
  cert=$(awk '{printf "%s\\n", $0}' "$CERT_FILE")
  key=$(awk '{printf "%s\\n", $0}' "$KEY_FILE")
  printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"%s","clientKeyData":"%s"}}\n' "$cert" "$key"
  exit 0
fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token-%s","expirationTimestamp":"%s"}}\n' "$count" "$EXPIRY"
