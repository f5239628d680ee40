// server.js — a small Node.js https server for mtlsdump's sample captures:
// requestCert + rejectUnauthorized, so a client certificate is required and
// must chain to root.pem. GET / answers 200 "hello <CN>". The TLS secrets go
// to an NSS key log through the server's 'keylog' event.
//
// usage: node server.js PORT PKI-DIR TLSv1.2|TLSv1.3 KEYLOG-FILE
'use strict';
const fs = require('fs');
const https = require('https');

const [port, pki, version, keylog] = process.argv.slice(2);
const server = https.createServer({
    cert: fs.readFileSync(`${pki}/server-chain.pem`),
    key: fs.readFileSync(`${pki}/server.key`),
    ca: fs.readFileSync(`${pki}/root.pem`),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: version,
    maxVersion: version,
}, (req, res) => {
    const cert = req.socket.getPeerCertificate();
    res.setHeader('Content-Type', 'text/plain');
    res.setHeader('Connection', 'close');
    res.end(`hello ${cert.subject ? cert.subject.CN : '?'}\n`);
});
server.on('keylog', (line) => fs.appendFileSync(keylog, line));
server.on('tlsClientError', (err) => console.log(`tlsClientError: ${err.code || ''} ${err.message}`));
server.listen(Number(port), '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port} ${version}`));
