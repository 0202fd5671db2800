<?php
// Answers every request with a short text; a POST also writes one line to the FastCGI STDERR
// stream (error_log goes there under php-fpm), and ?size=N appends N bytes of filler.
$method = $_SERVER['REQUEST_METHOD'];
$body = file_get_contents('php://input');
if ($method === 'POST') {
    error_log('gw capture: POST of ' . strlen($body) . ' bytes');
}
header('Content-Type: text/plain');
header('X-Gw-Capture: php-fpm');
echo "hello $method ", strlen($body), "\n";
$size = isset($_GET['size']) ? (int) $_GET['size'] : 0;
if ($size > 0) {
    echo str_repeat('x', $size);
}
