#!/usr/bin/env bash
# Installs code-server (VS Code in the browser) into .cache/code-server for the real VS Code
# tests (tests/e2e/test_vscode_real.py). Cached and idempotent: a second run does nothing.
#
# code-server 4.100.3 (VS Code 1.100.3) is the newest release that runs on Node 20. Its npm
# postinstall cannot run here (it downloads ripgrep and prebuilt binaries from GitHub and
# compiles kerberos, which needs gssapi headers), so it is installed with --ignore-scripts and
# the postinstall steps that rendering a notebook needs are done by hand below. Terminals,
# file search (ripgrep) and native logging are left out: a notebook's outputs render without them.
set -euo pipefail

VERSION=4.100.3
DEST="${1:-$(cd "$(dirname "$0")/.." && pwd)/.cache/code-server}"
STAMP="$DEST/installed-$VERSION"

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
if [[ "$node_major" != 20 ]]; then
  echo "torchinspect: code-server $VERSION not set up: it needs Node 20, found Node $node_major." \
    "The real VS Code tests (tests/e2e/test_vscode_real.py) will be skipped."
  exit 0
fi
[[ -f "$STAMP" ]] && exit 0

echo "Setting up code-server $VERSION in $DEST (once: 30 s to 2 min, most of it npm)"
rm -rf "$DEST"
mkdir -p "$DEST"
cd "$DEST"
echo '{"private": true}' > package.json
npm install --silent --no-audit --no-fund --ignore-scripts "code-server@$VERSION"
# argon2 is loaded at start even with --auth none; its prebuilt binary comes from GitHub, so it
# is compiled against the installed Node's headers (node-gyp would download them otherwise).
npm_config_nodedir=/usr npm rebuild --silent argon2

cd node_modules/code-server/lib/vscode
npm install --silent --no-audit --no-fund --omit=dev --ignore-scripts
ln -sfn node_modules node_modules.asar
ln -sf code-linux.sh bin/remote-cli/code-server
ln -sf browser-linux.sh bin/helpers/browser.sh
(cd extensions && npm install --silent --no-audit --no-fund --omit=dev >/dev/null)

touch "$STAMP"
echo "code-server $VERSION is in $DEST"
