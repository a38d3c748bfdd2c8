#!/usr/bin/env bash
# The tile viewer in headless Chromium (issue 6): `rtm render tiles` on the sample
# city, the folder served on loopback, the page loaded: tiles appear (loaded
# 256-pixel images) and a real mouse click on place 1 opens its popup with the
# narrative and the leverage caveat. Skipped (77) without chromium, node >= 20,
# python3 or Leaflet (installed from npm at build time).
# Usage: bash render_viewer_chromium.sh RTM_BINARY SOURCE_ROOT
set -euo pipefail
RTM="$1"
SRC="$2"
CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$CHROMIUM" ] || { echo "skipped: chromium not found"; exit 77; }
command -v node >/dev/null 2>&1 || { echo "skipped: node not found"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skipped: python3 not found"; exit 77; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || { echo "skipped: node $node_major has no WebSocket client"; exit 77; }
work="$(mktemp -d)"
server_pid=""
chrome_pid=""
cleanup() {
  local rc=$?
  if [ -n "$chrome_pid" ]; then kill "$chrome_pid" 2>/dev/null || true; wait "$chrome_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work" 2>/dev/null || { sleep 1; rm -rf "$work" 2>/dev/null || true; }
  exit $rc
}
trap cleanup EXIT

"$RTM" run "$SRC/config/sample-city.toml" --out "$work/run" --quiet
"$RTM" render tiles "$work/run" --zoom 12-15 --out "$work/tiles" --quiet
[ -f "$work/tiles/index.html" ] || { echo "skipped: no index.html (Leaflet not installed at build time)"; exit 77; }

# A static server on loopback, on a free port.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd "$work/tiles" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server_pid=$!
"$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" \
  --remote-debugging-address=127.0.0.1 --remote-debugging-port=0 about:blank >"$work/chrome.log" 2>&1 &
chrome_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/profile/DevToolsActivePort" ] && break
  sleep 0.1
done
[ -s "$work/profile/DevToolsActivePort" ] || { echo "FAIL: chromium did not start"; cat "$work/chrome.log"; exit 1; }
for _ in $(seq 1 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html')" 2>/dev/null && break
  sleep 0.1
done
ws_url="ws://127.0.0.1:$(head -1 "$work/profile/DevToolsActivePort")$(sed -n 2p "$work/profile/DevToolsActivePort")"
flag=""
[ "$node_major" -lt 22 ] && flag="--experimental-websocket"
node $flag "$SRC/tests/render/viewer_check.js" "$ws_url" "http://127.0.0.1:$port/index.html" "$work/shot.png"
if [ -n "${RTM_VIEWER_SCREENSHOT:-}" ]; then cp "$work/shot.png" "$RTM_VIEWER_SCREENSHOT"; fi
