# Answers every request with a short text naming the method and the body length.
def application(environ, start_response):
    length = int(environ.get('CONTENT_LENGTH') or 0)
    body = environ['wsgi.input'].read(length)
    text = 'hello %s %d\n' % (environ['REQUEST_METHOD'], len(body))
    start_response('200 OK', [('Content-Type', 'text/plain'), ('X-Gw-Capture', 'uwsgi')])
    return [text.encode('latin-1')]
