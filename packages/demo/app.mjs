// The demo application: an ordinary Express 5 app. Nothing in it knows about FastCGI, SCGI or
// uwsgi — `gw serve` runs it unchanged behind each protocol.
import express from 'express';

const app = express();
const protocol = process.env.GW_DEMO_PROTOCOL ?? 'unknown';
const router = express.Router();

router.get('/', (req, res) => {
  res.type('text/plain').send(`Hello from Express over ${protocol}!\nTry: ${req.baseUrl}/hello?name=you, POST ${req.baseUrl}/echo, ${req.baseUrl}/headers\n`);
});

router.get('/hello', (req, res) => {
  res.cookie('visited', '1').json({ hello: req.query.name ?? 'world', protocol, pid: process.pid });
});

router.post('/echo', express.json(), express.text(), (req, res) => {
  res.json({ protocol, received: req.body });
});

router.get('/headers', (req, res) => {
  // req.cgiParams holds every CGI variable the web server sent; req.gateway the protocol request.
  res.json({ protocol, headers: req.headers, gatewayInterface: req.cgiParams?.get('GATEWAY_INTERFACE') ?? null });
});

// The same routes answer at /, /fastcgi, /scgi and /uwsgi, so one app serves every front.
app.use(['/fastcgi', '/scgi', '/uwsgi', '/'], router);

export default app;
