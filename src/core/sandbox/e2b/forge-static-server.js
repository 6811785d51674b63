#!/usr/bin/env node
// forge-static-server, for E2B sandboxes: the desktop's helper is a C
// program that a cloud template does not have, so this is the same
// command line and the same rules in what templates do have (Node).
//   forge-static-server [--host HOST] [--port PORT] DIRECTORY
// No dot names (a way out, or never meant to be published), nothing
// whose real path leaves DIRECTORY, index.html for folders, 404 else.
'use strict';
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');

const USAGE = 'usage: forge-static-server [--host HOST] [--port PORT] DIRECTORY';

function die(message) {
  process.stderr.write('forge-static-server: ' + message + '\n');
  process.exit(2);
}

let host = '127.0.0.1';
let port = 8080;
let dir = null;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const m = /^--(host|port)=(.*)$/.exec(arg);
  let name = null, value = null;
  if (m) {
    name = m[1]; value = m[2];
  } else if (arg === '--host' || arg === '--port') {
    if (i + 1 >= args.length) die(USAGE);
    name = arg.slice(2); value = args[++i];
  } else if (arg.startsWith('-')) {
    die(USAGE);
  } else if (dir === null) {
    dir = arg;
    continue;
  } else {
    die(USAGE);
  }
  if (name === 'host') host = value;
  else port = /^[0-9]+$/.test(value) ? Number(value) : -1;
}
if (dir === null || port <= 0 || port > 65535) die(USAGE);
if (net.isIP(host) === 0) die(host + ' is not an IP address');

let root;
try {
  root = fs.realpathSync(dir);
  if (!fs.statSync(root).isDirectory()) throw new Error();
} catch (e) {
  die(dir + ' is not a directory');
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
  '.webp': 'image/webp', '.avif': 'image/avif', '.ico': 'image/x-icon',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf',
  '.otf': 'font/otf', '.wasm': 'application/wasm', '.pdf': 'application/pdf',
  '.mp4': 'video/mp4', '.webm': 'video/webm', '.mp3': 'audio/mpeg',
};

function send(res, status, text, headers) {
  res.writeHead(status, Object.assign({ 'Content-Type': 'text/plain; charset=utf-8' }, headers || {}));
  res.end(text);
}

// The real path must stay below the root, and no part of it below the
// root may be a dot name either (a link "page" to ".env").
function allowed(real) {
  if (real === root) return true;
  if (!real.startsWith(root + path.sep)) return false;
  return !real.slice(root.length + 1).split(path.sep).some((c) => c.startsWith('.'));
}

function serveFile(req, res, real) {
  fs.stat(real, (err, st) => {
    if (err || !st.isFile()) return send(res, 404, 'Not found.\n');
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(real).toLowerCase()] || 'application/octet-stream',
      'Content-Length': st.size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return res.end();
    const stream = fs.createReadStream(real);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 501, 'Only GET and HEAD are served.\n');

  const raw = req.url.split('?')[0];
  let decoded;
  try {
    decoded = decodeURIComponent(raw);
  } catch (e) {
    return send(res, 400, 'Bad path.\n');
  }
  if (!decoded.startsWith('/') || decoded.includes('\0'))
    return send(res, 400, 'Bad path.\n');

  const parts = decoded.split('/').filter((c) => c !== '');
  if (parts.some((c) => c.startsWith('.')))
    return send(res, 404, 'Not found.\n');

  fs.realpath(path.join(root, ...parts), (err, real) => {
    if (err || !allowed(real)) return send(res, 404, 'Not found.\n');
    fs.stat(real, (err2, st) => {
      if (err2) return send(res, 404, 'Not found.\n');
      if (!st.isDirectory()) return serveFile(req, res, real);
      // Relative links in an index page need the trailing slash.
      if (!raw.endsWith('/'))
        return send(res, 301, 'Moved.\n', { Location: raw + '/' });
      fs.realpath(path.join(real, 'index.html'), (err3, index) => {
        if (err3 || !allowed(index)) return send(res, 404, 'Not found.\n');
        serveFile(req, res, index);
      });
    });
  });
});

server.on('error', (err) => {
  process.stderr.write('forge-static-server: cannot listen on ' + host + ':' + port + ': ' + err.message + '\n');
  process.exit(1);
});
server.listen(port, host, () => {
  const shown = host.includes(':') ? '[' + host + ']' : host;
  process.stdout.write('  Local:   http://' + shown + ':' + port + '/\n');
});
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => { server.close(); process.exit(0); });
