import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, startProcess, waitForListener } from './managed-process.js';
import { freePort, makeTempPrefix } from './temp-prefix.js';

/** PHP scripts every php-fpm test can use, in the document root. */
export const PHP_SCRIPTS: Record<string, string> = {
  'hello.php': `<?php header('Content-Type: text/plain'); echo 'Hello from PHP ', $_SERVER['REQUEST_METHOD'], ' ', $_SERVER['QUERY_STRING'] ?? '';`,
  // Body digest, read in 64 KiB pieces so a 50 MiB body never sits in PHP memory whole.
  'digest.php': `<?php header('Content-Type: application/json');
$in = fopen('php://input', 'rb'); $h = hash_init('sha256'); $n = 0;
while (!feof($in)) { $d = fread($in, 65536); if ($d === false) break; $n += strlen($d); hash_update($h, $d); }
echo json_encode(['length' => $n, 'sha256' => hash_final($h), 'contentLength' => $_SERVER['CONTENT_LENGTH'] ?? null]);`,
  'echo.php': `<?php header('Content-Type: application/octet-stream'); $in = fopen('php://input', 'rb'); fpassthru($in);`,
  'upload.php': `<?php header('Content-Type: application/json'); $out = [];
foreach ($_FILES as $field => $f) { $out[$field] = ['name' => $f['name'], 'size' => $f['size'], 'error' => $f['error'], 'sha256' => $f['error'] === 0 ? hash_file('sha256', $f['tmp_name']) : null]; }
echo json_encode(['files' => $out, 'post' => $_POST]);`,
  'notfound.php': `<?php http_response_code(404); header('Content-Type: text/plain'); echo 'no such thing';`,
  'redirect.php': `<?php header('Location: https://example.test/elsewhere'); echo 'moved';`,
  'cookies.php': `<?php setcookie('a', '1'); setcookie('b', '2', ['path' => '/x']); setcookie('c', 'three'); echo 'cookies';`,
  'stderr.php': `<?php error_log('gw-stderr-marker one'); echo 'body after stderr'; error_log('gw-stderr-marker two');`,
  'params.php': `<?php header('Content-Type: application/json'); $v = $_SERVER['X_BIG'] ?? ''; echo json_encode(['length' => strlen($v), 'md5' => md5($v), 'count' => count($_SERVER)]);`,
  'server.php': `<?php header('Content-Type: application/json'); $o = []; foreach ($_SERVER as $k => $v) if (is_string($v)) $o[$k] = $v; echo json_encode($o);`,
  'slow.php': `<?php usleep((int)($_GET['ms'] ?? 5) * 1000); echo getmypid();`,
  'authorizer.php': `<?php if (($_SERVER['HTTP_AUTHORIZATION'] ?? '') === 'Bearer ok') { header('Variable-USER_ID: 42'); header('Variable-ROLE: admin'); echo 'ignored'; } else { http_response_code(403); echo 'denied'; }`,
  'fatal.php': `<?php header('Content-Type: text/plain'); echo 'before'; undefined_function_gw();`,
};

/** A running php-fpm with a pool on a unix socket and one on TCP. */
export interface PhpFpm {
  /** Unix socket of the first pool. */
  socketPath: string;
  /** TCP port (127.0.0.1) of the second pool. */
  port: number;
  /** Document root holding PHP_SCRIPTS. */
  docRoot: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Pool settings of the generated config (both pools). */
export interface PhpFpmPoolOptions {
  maxChildren?: number;
  maxRequests?: number;
}

/**
 * Starts `php-fpm8.2 -F` from a temp prefix: two static pools (unix socket and TCP) with
 * `pm.max_children` workers recycled every `pm.max_requests` requests, errors logged to the
 * FastCGI STDERR stream (log_errors on, no error_log file, fastcgi.logging on).
 */
export async function startPhpFpm(options: PhpFpmPoolOptions = {}): Promise<PhpFpm> {
  const prefix = makeTempPrefix('php-fpm');
  const dir = prefix.dir;
  const docRoot = join(dir, 'www');
  mkdirSync(docRoot);
  for (const [name, source] of Object.entries(PHP_SCRIPTS)) writeFileSync(join(docRoot, name), source);
  const socketPath = join(dir, 'fpm.sock');
  const port = await freePort();
  const pool = (name: string, listen: string) => `
[${name}]
user = root
group = root
listen = ${listen}
listen.mode = 0666
pm = static
pm.max_children = ${options.maxChildren ?? 4}
pm.max_requests = ${options.maxRequests ?? 5}
catch_workers_output = no
clear_env = yes
php_admin_flag[log_errors] = on
php_admin_flag[display_errors] = off
`;
  writeFileSync(
    join(dir, 'php-fpm.conf'),
    `[global]
pid = ${join(dir, 'php-fpm.pid')}
error_log = ${join(dir, 'php-fpm.log')}
daemonize = no
${pool('unix', socketPath)}
${pool('tcp', `127.0.0.1:${port}`)}
`,
  );
  writeFileSync(
    join(dir, 'php.ini'),
    `post_max_size = 100M
upload_max_filesize = 60M
memory_limit = 256M
max_input_vars = 5000
fastcgi.logging = 1
opcache.enable = 0
`,
  );
  const proc = startProcess('php-fpm8.2', ['-F', '-R', '-y', join(dir, 'php-fpm.conf'), '-c', join(dir, 'php.ini'), '-p', dir], join(dir, 'stdout.log'), 'SIGQUIT', {
    PHP_INI_SCAN_DIR: '',
  });
  try {
    await waitForListener({ path: socketPath }, proc);
    await waitForListener({ port }, proc);
  } catch (err) {
    await proc.stop();
    prefix.remove();
    throw err;
  }
  return {
    socketPath,
    port,
    docRoot,
    process: proc,
    async stop() {
      await proc.stop();
      prefix.remove();
    },
  };
}
