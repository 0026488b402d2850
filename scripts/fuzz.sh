#!/usr/bin/env bash
# Bounded fuzzing for CI (.ci/run): runs each decoder's fuzz target for
# FUZZTIME (default 4s) on top of its committed corpus
# (testdata/fuzz/<Name>/ next to the target, plus the f.Add seeds). A
# crash fails the run and Go writes the failing input to that directory —
# commit it with the fix. Every target listed here parses client or
# upstream input. Budget: 17 targets × 4s plus ~1–10s start-up each with a
# warm cache (≈2 min); the first run also compiles the dependency graph
# with fuzzing instrumentation once (minutes on a cold cache, then cached).
# Run one longer locally with
#   go test -run='^$' -fuzz='^FuzzParseChunk$' -fuzztime=5m ./internal/uistream
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-4s}

# package  target — message conversion, chunk assembly, id lists, cursors,
# Accept-Language, multipart, image sniffing, SSE Last-Event-ID, and the
# other decoders of client-sent text.
targets="
internal/uimsg        FuzzConvertV4
internal/uimsg        FuzzParse
internal/uistream     FuzzParseChunk
internal/uistream     FuzzAssemble
internal/runs         FuzzParseEventID
internal/httpapi      FuzzParseUUIDList
internal/httpapi      FuzzParseFileID
internal/httpapi      FuzzDecodeThreadCursor
internal/httpapi      FuzzFilePart
internal/cms          FuzzMatchLocale
internal/mail         FuzzMatchLanguage
internal/imaging      FuzzSniff
internal/avenc        FuzzProbeMP4
internal/textcheck    FuzzJSON
internal/notify       FuzzCheckUnsubscribe
internal/realtime     FuzzParseUserChannel
internal/agent        FuzzReplayLog
"

echo "ci: bounded fuzzing (scripts/fuzz.sh, $fuzztime per target)"
start=$SECONDS
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# fuzz runs one target; it fails on a crasher (Go writes it to
# testdata/fuzz/<Name>/ and names it in its output). A run that fails
# without one — the fuzzing engine losing a worker on a loaded machine — is
# shown and tried once more.
fuzz() {
  go test -run='^$' -fuzz="^${2}\$" -fuzztime="$fuzztime" "./$1" >"$out" 2>&1
}
while read -r pkg name; do
  [ -n "$pkg" ] || continue
  echo "fuzz: $name ($pkg, $fuzztime)"
  fuzz "$pkg" "$name" && continue
  cat "$out"
  if ! grep -q "Failing input written" "$out"; then
    echo "fuzz: $name failed without a crasher; trying once more"
    fuzz "$pkg" "$name" && continue
    cat "$out"
  fi
  # Run again to show the failure (the input is now in testdata/fuzz).
  go test -run="^${name}\$" "./$pkg" || true
  exit 1
done <<<"$targets"
echo "fuzz: all targets passed in $((SECONDS - start))s"
