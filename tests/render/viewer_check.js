// Drives headless Chromium over the DevTools protocol (Node >= 20 with
// --experimental-websocket, or >= 22): loads the tile viewer, waits for tiles,
// clicks the middle of place 1 with a real mouse event, and checks that its
// popup shows the narrative. Saves a screenshot. Used by
// tests/e2e/render_viewer_chromium.sh.
// Usage: node --experimental-websocket viewer_check.js WS_URL PAGE_URL SCREENSHOT.png
"use strict";
const fs = require("fs");
const [wsUrl, pageUrl, shot] = process.argv.slice(2);

const ws = new WebSocket(wsUrl);
let nextId = 1;
const pending = new Map();
const events = [];
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) {
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) reject(new Error(JSON.stringify(msg.error)));
    else resolve(msg.result);
  } else if (msg.method) {
    events.push(msg);
  }
};
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const payload = { id, method, params };
  if (sessionId) payload.sessionId = sessionId;
  ws.send(JSON.stringify(payload));
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function fail(why) {
  console.error("FAIL: " + why);
  process.exit(1);
}

ws.onopen = async () => {
  try {
    const { targetId } = await send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
    const s = (m, p) => send(m, p, sessionId);
    await s("Page.enable");
    await s("Runtime.enable");
    await s("Emulation.setDeviceMetricsOverride", { width: 1000, height: 760, deviceScaleFactor: 1, mobile: false });
    await s("Page.navigate", { url: pageUrl });
    const evaluate = async (expr) => (await s("Runtime.evaluate", { expression: expr, returnByValue: true })).result.value;
    // Tiles appear: wait until some have loaded.
    let loaded = 0;
    for (let i = 0; i < 100 && loaded < 4; ++i) {
      await sleep(100);
      loaded = await evaluate(
        "Array.from(document.querySelectorAll('img.leaflet-tile-loaded')).filter(i => i.naturalWidth === 256).length");
    }
    if (loaded < 4) fail("only " + loaded + " tiles loaded");
    if ((await evaluate("typeof RTM_PLACES === 'object' && RTM_PLACES.features.length")) < 1) fail("no places");
    await sleep(300);
    const png = await s("Page.captureScreenshot", { format: "png" });
    fs.writeFileSync(shot, Buffer.from(png.data, "base64"));
    // A real click on place 1: the middle of its outline's box on screen.
    const pt = await evaluate(`(function () {
      var found = null;
      window.rtmPlaces.eachLayer(function (l) { if (l.feature.properties.rank === 1) found = l; });
      window.rtmMap.setView(found.getBounds().getCenter(), 15, { animate: false });
      var r = found.getElement().getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    })()`);
    await sleep(300);
    const here = await evaluate(`(function () {
      var e = document.elementFromPoint(${pt.x}, ${pt.y});
      return e ? e.tagName : "";
    })()`);
    if (here.toLowerCase() !== "path") fail("the middle of place 1 is not its shape (" + here + ")");
    for (const type of ["mouseMoved", "mousePressed", "mouseReleased"])
      await s("Input.dispatchMouseEvent", { type, x: pt.x, y: pt.y, button: "left", clickCount: 1 });
    let text = "";
    for (let i = 0; i < 30 && !text; ++i) {
      await sleep(100);
      text = await evaluate("(document.querySelector('.leaflet-popup-content') || {}).textContent || ''");
    }
    if (!/Place 1\b/.test(text)) fail("no popup for place 1 after the click: '" + text.slice(0, 80) + "'");
    if (!/Why here: within/.test(text)) fail("the popup has no narrative: '" + text.slice(0, 120) + "'");
    if (!/not a causal promise/.test(text)) fail("the popup has no leverage caveat");
    const marking = await evaluate("document.getElementById('marking').textContent");
    console.log("ok: " + loaded + " tiles, popup: " + text.slice(0, 100) + "…, marking " + marking);
    process.exit(0);
  } catch (e) {
    fail(e.message);
  }
};
ws.onerror = (e) => fail("websocket: " + (e.message || e));
