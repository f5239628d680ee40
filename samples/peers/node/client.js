// client.js — a small Node.js TLS client for mtlsdump's sample captures: one
// connection, one "GET /", prints the answer. rejectUnauthorized is true, so a
// server certificate that does not chain to CA-FILE is refused. Secrets go to
// an NSS key log through the socket's 'keylog' event.
//
// usage: node client.js PORT SERVERNAME TLSv1.2|TLSv1.3 CA-FILE KEYLOG-FILE [CERT KEY]
'use strict';
const fs = require('fs');
const tls = require('tls');

const [port, servername, version, caFile, keylog, certFile, keyFile] = process.argv.slice(2);
const opts = {
    host: '127.0.0.1',
    port: Number(port),
    servername,
    ca: fs.readFileSync(caFile),
    rejectUnauthorized: true,
    minVersion: version,
    maxVersion: version,
};
if (certFile) {
    opts.cert = fs.readFileSync(certFile);
    opts.key = fs.readFileSync(keyFile);
}
const sock = tls.connect(opts, () => {
    console.log(`connected, authorized=${sock.authorized}`);
    sock.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
});
sock.on('keylog', (line) => fs.appendFileSync(keylog, line));
sock.on('data', (d) => process.stdout.write(d));
sock.on('error', (err) => { console.log(`error: ${err.code || ''} ${err.message}`); process.exitCode = 1; });
