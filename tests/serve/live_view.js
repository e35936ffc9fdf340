// live_view.js BROWSER URL FBP_PROTOCOL_DIR PROFILE [SCREENSHOT.png [FEED_GRAPH EDGE [busy]]] - opens URL in headless Chromium and watches the live view's
// DOM through the DevTools protocol (with the `websocket` client fbp-protocol brings), in real time:
// a DOM dump after a fixed (virtual) time would race the server. Prints the page's HTML once its state
// reads "finished" (or after 60 s) and exits 0, or 1 when the browser cannot be driven.
'use strict';
const path = require('path');
const http = require('http');
const { spawn } = require('child_process');
const [browser, url, fbpDir, profile, screenshot, feedGraph, feedEdge, feedMode] = process.argv.slice(2);
const fs = require('fs');
const WebSocketClient = require(path.join(fbpDir, 'node_modules/websocket')).client;

const chrome = spawn(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  `--user-data-dir=${profile}`, '--remote-debugging-port=0', url], { stdio: ['ignore', 'ignore', 'pipe'] });
const deadline = setTimeout(() => { console.error('live_view.js: timed out'); chrome.kill('SIGKILL'); process.exit(1); }, 90000);
let err = '';
chrome.stderr.on('data', (d) => {
  err += d;
  const m = /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
  if (m && !chrome.port) { chrome.port = m[1]; attach(m[1]); }
});
chrome.on('exit', () => { if (!chrome.done) { console.error('chromium exited:\n' + err.slice(-2000)); process.exit(1); } });

function getJson(port, p) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      let b = ''; res.on('data', (d) => { b += d; }); res.on('end', () => resolve(JSON.parse(b)));
    }).on('error', reject);
  });
}

async function attach(port) {
  let page;
  for (let i = 0; i < 100 && !page; i++) {
    page = (await getJson(port, '/json/list')).find((t) => t.type === 'page' && t.url.startsWith(url.split('#')[0]));
    if (!page) await new Promise((r) => setTimeout(r, 100));
  }
  if (!page) { console.error('no page target'); process.exit(1); }
  const client = new WebSocketClient();
  client.on('connectFailed', (e) => { console.error(String(e)); process.exit(1); });
  client.on('connect', (conn) => {
    let id = 0; const pending = {};
    conn.on('message', (m) => { const d = JSON.parse(m.utf8Data); if (d.id && pending[d.id]) { pending[d.id](d); delete pending[d.id]; } });
    const call = (method, params) => new Promise((resolve) => {
      pending[++id] = (d) => resolve(d.result);
      conn.sendUTF(JSON.stringify({ id, method, params }));
    });
    const evaluate = async (expression) => {
      const r = await call('Runtime.evaluate', { expression, returnByValue: true });
      return r && r.result ? r.result.value : undefined;
    };
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const stateIs = async (want) => {
      const t0 = Date.now();
      for (;;) {
        const state = await evaluate("document.getElementById('state') && document.getElementById('state').textContent");
        if (state === want || Date.now() - t0 > 60000) return state;
        await sleep(100);
      }
    };
    // With FEED_GRAPH: while the network runs, send five packets to its inport `in`, one at a time, through
    // a protocol connection of our own, and read the drawn count of FEED_EDGE after each: it must rise.
    const feed = () => new Promise((resolve) => {
      const feeder = new WebSocketClient();
      feeder.on('connectFailed', (e) => { console.error(String(e)); process.exit(1); });
      feeder.on('connect', async (fc) => {
        const seen = [];
        for (let i = 1; i <= 5; i++) {
          fc.sendUTF(JSON.stringify({ protocol: 'runtime', command: 'packet',
            payload: { graph: feedGraph, port: 'in', event: 'data', payload: i } }));
          const t0 = Date.now();
          let n = 0;
          while (n < i && Date.now() - t0 < 20000) {
            await sleep(100);
            const t = await evaluate(`(document.querySelector('[data-edge="${feedEdge}"]') || {}).textContent`);
            n = parseInt(t, 10) || 0;
          }
          seen.push(n);
        }
        console.error('counts: ' + seen.join(' '));
        fc.close();
        resolve();
      });
      feeder.connect(url.replace(/^http/, 'ws').split('#')[0], 'noflo');
    });
    // With `busy`: send four packets at once to FEED_GRAPH's inport `in` (a node that takes 400 ms per
    // packet), then read the node's drawing until it shows busy with packets queued, then until it is idle.
    const node = "(function () { var g = document.querySelector('g.node'); if (!g) return ''; " +
      "return g.getAttribute('class') + ' data-queued=\"' + g.getAttribute('data-queued') + '\" text=\"' + " +
      "g.querySelector('.node-stat').textContent + '\"'; })()";
    const busy = () => new Promise((resolve) => {
      const feeder = new WebSocketClient();
      feeder.on('connectFailed', (e) => { console.error(String(e)); process.exit(1); });
      feeder.on('connect', async (fc) => {
        for (let i = 1; i <= 4; i++) {
          fc.sendUTF(JSON.stringify({ protocol: 'runtime', command: 'packet',
            payload: { graph: feedGraph, port: 'in', event: 'data', payload: i } }));
        }
        let t0 = Date.now(), seen = '';
        while (Date.now() - t0 < 30000) {
          const d = await evaluate(node);
          console.error('node: ' + d);
          const m = /^node busy data-queued="[1-9]\d*" text="(.*)"$/.exec(d);
          if (m) { seen = m[1]; break; }
          await sleep(50);
        }
        console.error('busy: ' + seen);
        if (screenshot) { // the busy node, kept as an artifact
          await call('Emulation.setDeviceMetricsOverride', { width: 1000, height: 400, deviceScaleFactor: 1, mobile: false });
          const shot = await call('Page.captureScreenshot', { format: 'png' });
          if (shot && shot.data) fs.writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
        }
        t0 = Date.now();
        let d = '';
        while (Date.now() - t0 < 60000) {
          d = await evaluate(node);
          if (/^node( err)? data-queued="0"/.test(d)) break;
          await sleep(100);
        }
        console.error('idle: ' + d.replace(/ err/, ''));
        fc.close();
        resolve();
      });
      feeder.connect(url.replace(/^http/, 'ws').split('#')[0], 'noflo');
    });
    (async () => {
      if (feedMode === 'busy') {
        await stateIs('running');
        await busy();
        chrome.done = true;
        clearTimeout(deadline);
        chrome.kill('SIGTERM');
        conn.close();
        process.exit(0);
      } else if (feedGraph) {
        await stateIs('running');
        await feed();
      } else {
        await stateIs('finished');
      }
      await new Promise((r) => setTimeout(r, 200)); // the last events after the state changed
      process.stdout.write(await evaluate('document.documentElement.outerHTML'));
      if (screenshot) { // kept as the test's artifact (and how docs/serve-live-view.png was made)
        await call('Emulation.setDeviceMetricsOverride', { width: 1000, height: 700, deviceScaleFactor: 1, mobile: false });
        const shot = await call('Page.captureScreenshot', { format: 'png' });
        if (shot && shot.data) fs.writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
      }
      chrome.done = true;
      clearTimeout(deadline);
      chrome.kill('SIGTERM');
      conn.close();
      process.exit(0);
    })();
  });
  client.connect(page.webSocketDebuggerUrl);
}
