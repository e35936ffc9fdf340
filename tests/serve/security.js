// security.js RUNNEL FBP_PROTOCOL_DIR GRAPH - `runnel serve` seen from a client, for the security points
// of docs/serve.md and for the messages fbp-test does not cover.
//
// Uses what npm fbp-protocol@0.9.8 brings (installed by fbp_protocol.sh): the `websocket` client and the
// protocol's JSON schemas (schema/index.js, tv4). Every message the server sends is validated against
// the schema of its protocol and command. Checked: a wrong or missing secret is refused and the
// connection survives; malformed JSON, an unknown command and a message over 1 MiB get an error reply
// and the connection survives; the main graph (GRAPH) runs with data and output events; HTTP serves
// its status page and nothing else (no path traversal); a non-loopback --host without --secret is
// refused. Prints "security: N passed, M failed".
'use strict';
const path = require('path');
const http = require('http');
const net = require('net');
const { spawn, spawnSync } = require('child_process');
const [runnel, fbpDir, graph] = process.argv.slice(2);
const WebSocketClient = require(path.join(fbpDir, 'node_modules/websocket')).client;
const tv4 = require(path.join(fbpDir, 'node_modules/fbp-protocol/schema/index.js'));

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log('ok   ' + name); } else { failed++; console.log('FAIL ' + name + (detail ? ': ' + detail : '')); }
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function startServer(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(runnel, ['serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error('runnel serve exited with ' + code)));
  });
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const c = new WebSocketClient({ maxReceivedFrameSize: 8 << 20, maxReceivedMessageSize: 8 << 20 });
    c.on('connect', resolve);
    c.on('connectFailed', reject);
    c.connect(`ws://127.0.0.1:${port}/`, 'noflo');
  });
}

// A connection with a queue of received messages, each validated against the schemas.
function wrap(conn) {
  const queue = [], waiters = [];
  conn.on('message', (m) => {
    const data = JSON.parse(m.utf8Data);
    if (data.command !== 'componentsready') {
      // with the leading slash: without it tv4 finds no schema and passes anything (fbp-test's own check)
      const schema = `/${data.protocol}/output/${data.command}`;
      const res = tv4.validateMultiple(data, schema);
      check(`schema ${schema}`, res.valid && res.missing.length === 0, JSON.stringify(res.errors.map((e) => e.message)) + ' ' + m.utf8Data.slice(0, 300));
    }
    check('no secret in a reply', !m.utf8Data.includes('s3cr3t'));
    queue.push(data);
    while (waiters.length && queue.length) waiters.shift()(queue.shift());
  });
  return {
    send: (o) => conn.sendUTF(typeof o === 'string' ? o : JSON.stringify(o)),
    next: (ms = 5000) => new Promise((resolve, reject) => {
      if (queue.length) return resolve(queue.shift());
      const t = setTimeout(() => reject(new Error('no message in time')), ms);
      waiters.push((m) => { clearTimeout(t); resolve(m); });
    }),
    // the next message with this command, skipping others
    until: async function (command, ms = 5000) {
      for (;;) { const m = await this.next(ms); if (m.command === command) return m; }
    },
    close: () => conn.close(),
  };
}

function httpGet(port, rawPath) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (e) => resolve({ status: 0, body: String(e) }));
    req.end();
  });
}

async function main() {
  // a non-loopback host without a secret is refused before anything is bound
  const r = spawnSync(runnel, ['serve', '--host', '0.0.0.0', '--port', '1'], { encoding: 'utf8' });
  check('non-loopback host without --secret refused (exit 2)', r.status === 2 && /secret/.test(r.stderr), r.stderr);

  const port = await freePort();
  const child = await startServer(['--port', String(port), '--secret', 's3cr3t', graph]);
  try {
    const c = wrap(await connect(port));
    const secret = 's3cr3t';
    c.send({ protocol: 'runtime', command: 'getruntime', payload: {} });
    let m = await c.next();
    check('no secret: refused', m.protocol === 'runtime' && m.command === 'error' && /secret/.test(m.payload.message));
    c.send({ protocol: 'runtime', command: 'getruntime', payload: {}, secret: 'wrong' });
    m = await c.next();
    check('wrong secret: refused', m.command === 'error');
    c.send({ protocol: 'graph', command: 'clear', payload: { id: 'evil' }, secret: 's3cr3' });
    m = await c.next();
    check('wrong secret on graph: graph/error', m.protocol === 'graph' && m.command === 'error');
    c.send({ protocol: 'runtime', command: 'getruntime', payload: {}, secret });
    m = await c.next();
    check('right secret: runtime info, main graph named', m.command === 'runtime' && m.payload.graph === 'hello');
    m = await c.next();
    check('then the main graph\'s ports', m.command === 'ports' && m.payload.graph === 'hello');

    c.send('{"protocol": "runtime", "command": ');
    m = await c.next();
    check('malformed JSON: error reply', m.command === 'error' && /not JSON/.test(m.payload.message));
    c.send({ protocol: 'graph', command: 'explode', payload: {}, secret });
    m = await c.next();
    check('unknown command: graph/error', m.protocol === 'graph' && m.command === 'error');
    const big = JSON.stringify({ protocol: 'runtime', command: 'getruntime', payload: { pad: 'x'.repeat(2 << 20) }, secret });
    c.send(big);
    m = await c.next(20000);
    check('2 MiB message: error reply', m.command === 'error' && /too large/.test(m.payload.message), JSON.stringify(m));
    c.send({ protocol: 'runtime', command: 'getruntime', payload: {}, secret });
    m = await c.next();
    check('the connection survives all of it', m.command === 'runtime');
    await c.until('ports');

    // the main graph runs: started, a data event per edge, the Output node's output (traced)
    c.send({ protocol: 'trace', command: 'start', payload: { graph: 'hello' }, secret });
    m = await c.next();
    check('trace start', m.protocol === 'trace' && m.command === 'start');
    const spy = wrap(await connect(port)); // never shows the secret: must not see the data
    spy.send({ protocol: 'runtime', command: 'getruntime', payload: {}, secret: 'guess' });
    m = await spy.next();
    check('spy refused', m.command === 'error');
    c.send({ protocol: 'network', command: 'start', payload: { graph: 'hello' }, secret });
    m = await c.next();
    check('start: started', m.command === 'started' && m.payload.graph === 'hello');
    m = await c.until('data');
    check('IIP data event', m.payload.id === 'DATA -> IN Rep()' && m.payload.data === 'hi', JSON.stringify(m.payload));
    m = await c.until('output');
    check('output event of core/Output', m.payload.message === 'hi', JSON.stringify(m.payload));
    c.send({ protocol: 'network', command: 'stop', payload: { graph: 'hello' }, secret });
    m = await c.until('stopped');
    let leaked = null;
    try { leaked = await spy.next(300); } catch (e) { /* nothing came: right */ }
    check('a client without the secret gets no network events', leaked === null, JSON.stringify(leaked));
    spy.close();
    check('stop: stopped', m.payload.started === false);
    c.send({ protocol: 'trace', command: 'dump', payload: { graph: 'hello' }, secret });
    m = await c.next();
    check('trace dump', m.command === 'dump' && typeof m.payload.flowtrace === 'string' &&
          JSON.parse(m.payload.flowtrace).events.length === 2, m.payload.flowtrace);
    // every graph command's reply, and the component list, against the schemas (in wrap)
    const g = 'edit';
    const cmds = [
      ['clear', { id: g, name: 'Edit', main: false }],
      ['addnode', { id: 'A', component: 'core/Repeat', metadata: { x: 1, y: 2 }, graph: g }],
      ['addnode', { id: 'B', component: 'core/Drop', graph: g }],
      ['addedge', { src: { node: 'A', port: 'out' }, tgt: { node: 'B', port: 'in' }, metadata: { route: 1 }, graph: g }],
      ['changeedge', { src: { node: 'A', port: 'out' }, tgt: { node: 'B', port: 'in' }, metadata: { route: 2 }, graph: g }],
      ['addinitial', { src: { data: { any: ['json'] } }, tgt: { node: 'A', port: 'in', index: 0 }, graph: g }],
      ['removeinitial', { tgt: { node: 'A', port: 'in' }, graph: g }],
      ['changenode', { id: 'A', metadata: { label: 'a' }, graph: g }],
      ['addinport', { public: 'IN', node: 'A', port: 'in', graph: g }],
      ['renameinport', { from: 'IN', to: 'INPUT', graph: g }],
      ['addoutport', { public: 'OUT', node: 'A', port: 'out', metadata: { x: 5 }, graph: g }],
      ['renameoutport', { from: 'OUT', to: 'OUTPUT', graph: g }],
      ['removeoutport', { public: 'OUTPUT', graph: g }],
      ['removeinport', { public: 'INPUT', graph: g }],
      ['renamenode', { from: 'A', to: 'A2', graph: g }],
      ['removeedge', { src: { node: 'A2', port: 'out' }, tgt: { node: 'B', port: 'in' }, graph: g }],
      ['removenode', { id: 'B', graph: g }],
    ];
    for (const [command, payload] of cmds) {
      c.send({ protocol: 'graph', command, payload, secret });
      m = await c.next();
      check(`graph/${command} acknowledged`, m.command === command, JSON.stringify(m));
    }
    c.send({ protocol: 'component', command: 'list', payload: {}, secret });
    m = await c.until('componentsready');
    check('component list ends with componentsready', typeof m.payload === 'number' && m.payload >= 3);
    c.close();

    // HTTP: the status page and nothing else
    let h = await httpGet(port, '/');
    check('HTTP / is the status page', h.status === 200 && /runnel serve/.test(h.body));
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/index.html', '/etc/passwd']) {
      h = await httpGet(port, p);
      check(`HTTP ${p} is not served`, h.status === 404 && !/root:/.test(h.body), `status ${h.status}`);
    }
  } catch (e) {
    check('no exception', false, e.stack);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
  check('SIGTERM: the server exits 0', code === 0, 'exit ' + code);
  console.log(`security: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
main();
