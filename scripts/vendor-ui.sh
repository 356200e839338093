#!/usr/bin/env bash
# Refresh the web UI's vendored ES modules from npm (maintainers only: installing and
# running Spyglass needs no Node.js; the files below are committed and shipped in the wheel).
# Usage: scripts/vendor-ui.sh   (edit the versions here, run, review the diff, commit)
set -euo pipefail
VENDOR="$(cd "$(dirname "$0")/.." && pwd)/entrypoints/src/spyglass/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
PACKAGES=(preact@10.29.8 htm@3.1.1 @tanstack/virtual-core@3.19.13 uplot@1.6.32 marked@18.2.1
  dompurify@3.5.0 diff@9.0.0 @andypf/json-viewer@2.8.0)
for package in "${PACKAGES[@]}"; do
  tarball="$(npm pack -q "$package")"
  mkdir -p "${tarball%.tgz}" && tar xzf "$tarball" -C "${tarball%.tgz}"
done
rm -rf "$VENDOR" && mkdir -p "$VENDOR/licenses" "$VENDOR/tanstack-virtual-core"
cp preact-*/package/dist/preact.module.js "$VENDOR/preact.js"
cp preact-*/package/hooks/dist/hooks.module.js "$VENDOR/preact-hooks.js"
cp htm-*/package/dist/htm.module.js "$VENDOR/htm.js"
cp tanstack-virtual-core-*/package/dist/esm/*.js "$VENDOR/tanstack-virtual-core/"
cp uplot-*/package/dist/uPlot.esm.js "$VENDOR/uplot.js"
cp uplot-*/package/dist/uPlot.min.css "$VENDOR/uplot.css"
cp marked-*/package/lib/marked.esm.js "$VENDOR/marked.js"
cp dompurify-*/package/dist/purify.es.mjs "$VENDOR/purify.js"
cp andypf-json-viewer-*/package/dist/esm/index.js "$VENDOR/json-viewer.js"
(cd diff-*/package/libesm && find . -name '*.js' -exec install -D {} "$VENDOR/diff/{}" \;)
find "$VENDOR" -name '*.js' -exec sed -i '/sourceMappingURL/d' {} \;
# What a bundler does: the browser has no `process`; production mode drops debug code.
sed -i 's/process\.env\.NODE_ENV/"production"/g' "$VENDOR"/tanstack-virtual-core/*.js
sed -i 's#from"preact"#from"./preact.js"#' "$VENDOR/preact-hooks.js"
for name in preact htm tanstack-virtual-core uplot marked dompurify diff; do
  cp "$name"-*/package/LICENSE "$VENDOR/licenses/$name.txt"
done
cp andypf-json-viewer-*/package/LICENSE.md "$VENDOR/licenses/json-viewer.txt"
echo "vendored into $VENDOR"
