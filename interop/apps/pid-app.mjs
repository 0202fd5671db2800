// The app of test/scale-out.test.ts, served by the built `gw serve` CLI (plain ESM: gw imports it
// as is, without a TypeScript loader). It answers with the pid of the process that served the
// request, so the test knows which of several instances did. `?id=ID` first writes "begin ID" to
// stdout (a file: the write is synchronous, so it survives SIGKILL) — the test reads these lines to
// count the requests that were in flight on an instance when it was killed. `?delay=MS` answers
// after MS milliseconds, to keep requests in flight.
export default function pidApp(req, res) {
  const query = new URL(req.url ?? '/', 'http://app.invalid').searchParams;
  const id = query.get('id');
  if (id !== null) process.stdout.write(`begin ${id}\n`);
  const delay = Number(query.get('delay') ?? 0);
  setTimeout(() => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(`${process.pid}\n`);
  }, Number.isFinite(delay) ? delay : 0);
}
