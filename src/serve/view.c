/*
 * view.c - the live view: the one page the HTTP side of `runnel serve` serves, at "/".
 *
 * A browser pointed at the runtime's address sees its main graph's network live: the page opens a
 * WebSocket to the same server with the sub-protocol "noflo" and speaks the FBP Network Protocol
 * (fbp-protocol 0.9.8) like any client: getruntime names the main graph, getstatus/started/stopped give
 * its state, and each network/data event updates a row per edge (packets so far, the last data);
 * output and error messages are listed below. Start and stop buttons send network/start and stop.
 * With a secret, it is given in the address's fragment (#secret=S), which a browser never sends to the
 * server; #autostart=1 starts the network when the page opens (the headless test uses it).
 *
 * Why a constant in C: the server opens no file (no path to traverse, nothing to install next to the
 * binary). Every text from the runtime is put in the page with textContent, never as HTML, so data
 * and names cannot inject markup or script.
 */
#include "serve_impl.h"

const char rn_view_page[] =
    "<!doctype html><html lang=en><meta charset=utf-8><title>runnel serve</title>\n"
    "<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #bbb;padding:2px 8px;text-align:left}#state{font-weight:bold}"
    "pre{background:#f4f4f4;padding:.5em}</style>\n"
    "<h1>runnel serve</h1>\n"
    "<p>A runnel FBP runtime. Connect Flowhub or noflo-ui to this address with the WebSocket protocol "
    "<code>noflo</code>. Below: the main graph's network, live.</p>\n"
    "<p>graph <code id=graph>-</code>: <span id=state>connecting</span> "
    "<button id=start>start</button> <button id=stop>stop</button></p>\n"
    "<table><thead><tr><th>edge<th>packets<th>last data</thead><tbody id=edges></tbody></table>\n"
    "<pre id=log></pre>\n"
    "<script>\n"
    "(function () {\n"
    "  var q = new URLSearchParams(location.hash.slice(1)), secret = q.get('secret') || undefined;\n"
    "  var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/', 'noflo');\n"
    "  var graph = null, rows = {};\n"
    "  function send(p, c, pl) { ws.send(JSON.stringify({protocol: p, command: c, payload: pl || {}, secret: secret})); }\n"
    "  function text(id, t) { document.getElementById(id).textContent = t; }\n"
    "  ws.onopen = function () { text('state', 'connected'); send('runtime', 'getruntime'); };\n"
    "  ws.onclose = function () { text('state', 'disconnected'); };\n"
    "  ws.onmessage = function (e) {\n"
    "    var m = JSON.parse(e.data), p = m.payload;\n"
    "    if (m.command === 'runtime') {\n"
    "      graph = p.graph || null;\n"
    "      text('graph', graph || '(none)');\n"
    "      if (graph) { send('network', 'getstatus', {graph: graph}); if (q.get('autostart')) send('network', 'start', {graph: graph}); }\n"
    "    } else if (m.protocol === 'network' && (m.command === 'status' || m.command === 'started' || m.command === 'stopped')) {\n"
    "      text('state', p.running ? 'running' : (p.started ? 'finished' : 'stopped'));\n"
    "    } else if (m.command === 'data') {\n"
    "      var r = rows[p.id];\n"
    "      if (!r) {\n"
    "        r = document.createElement('tr');\n"
    "        for (var i = 0; i < 3; i++) r.appendChild(document.createElement('td'));\n"
    "        r.cells[0].textContent = p.id; r.n = 0; rows[p.id] = r;\n"
    "        document.getElementById('edges').appendChild(r);\n"
    "      }\n"
    "      r.n++; r.cells[1].textContent = r.n; r.cells[2].textContent = JSON.stringify(p.data).slice(0, 200);\n"
    "    } else if (m.command === 'disconnect' && graph) {\n"
    "      send('network', 'getstatus', {graph: graph});\n"
    "    } else if (m.command === 'output' || m.command === 'error') {\n"
    "      var l = document.getElementById('log');\n"
    "      l.textContent = (l.textContent + m.protocol + ' ' + m.command + ': ' + (p.message || '') + '\\n').slice(-5000);\n"
    "    }\n"
    "  };\n"
    "  document.getElementById('start').onclick = function () { if (graph) send('network', 'start', {graph: graph}); };\n"
    "  document.getElementById('stop').onclick = function () { if (graph) send('network', 'stop', {graph: graph}); };\n"
    "})();\n"
    "</script>\n";

const size_t rn_view_page_len = sizeof rn_view_page - 1;
