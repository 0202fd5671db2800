// The app of test/gw-serve-cgi.test.ts, run by `gw serve --protocol cgi` once per request as a
// plain CGI/1.1 program (environment + stdin in, stdout out). Plain ESM: gw imports it as is.
export default function cgiEcho(req, res) {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    res.statusCode = 202;
    res.setHeader('Content-Type', 'text/plain');
    res.setHeader('X-Served-By', 'gw-cgi');
    res.end(`${req.method} ${req.url} ${Buffer.concat(parts).toString()}`);
  });
}
