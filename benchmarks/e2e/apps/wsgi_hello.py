"""The uWSGI reference app: the WSGI counterpart of listener.mjs.

Same bytes as the node:http listener: Content-Type text/plain, an explicit Content-Length, and the
14-byte hello world, or a 64 KiB body of 'x' on /64k. The bodies are built once at import, as the
listener's are, so each request only picks one.
"""

HELLO = b"Hello, World!\n"
BIG = b"x" * (64 * 1024)
HELLO_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(HELLO)))]
BIG_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BIG)))]


def application(environ, start_response):
    big = environ.get("PATH_INFO") == "/64k"
    start_response("200 OK", BIG_HEADERS if big else HELLO_HEADERS)
    return [BIG if big else HELLO]
