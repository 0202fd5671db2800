import { createInspector, inspect } from '@gw/cli';
import { ByteBuilder, fcgiPair, fcgiRecord } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { beginBody } from './helpers.js';

describe('inspect / createInspector dispatch', () => {
  it('picks the model by protocol and direction', () => {
    const empty: Buffer[] = [Buffer.from('Status: 200\n\n')];
    expect(inspect({ protocol: 'fastcgi', direction: 'to-server' }, []).protocol).toBe('fastcgi');
    expect(inspect({ protocol: 'scgi', direction: 'to-server' }, empty)).toHaveProperty('response.status', 200);
    expect(inspect({ protocol: 'uwsgi', direction: 'to-server' }, empty)).toMatchObject({ protocol: 'uwsgi', response: { status: 200 } });
    expect(inspect({ protocol: 'scgi', direction: 'to-app' }, [Buffer.from('17:CONTENT_LENGTH\u00000\u0000,', 'latin1')])).toHaveProperty('headers');
    expect(inspect({ protocol: 'uwsgi', direction: 'to-app' }, [Buffer.from([0, 0, 0, 0])])).toHaveProperty('vars', []);
  });

  it('has no notes for a clean capture of the declared direction', () => {
    const inspector = createInspector({ protocol: 'fastcgi', direction: 'to-app' });
    inspector.push(fcgiRecord(1, 1, beginBody(1, 0)));
    inspector.finish();
    expect(inspector.notes()).toEqual([]);
  });
});

describe('decoderOptions reach the decoders, over the permissive defaults', () => {
  it('fastcgi: a PARAMS limit', () => {
    const bytes = Buffer.concat([fcgiRecord(1, 1, beginBody(1, 0)), fcgiRecord(4, 1, fcgiPair('NAME', 'x'.repeat(100)))]);
    expect(inspect({ protocol: 'fastcgi', direction: 'to-app' }, [bytes]).error).toBeNull();
    const limited = inspect({ protocol: 'fastcgi', direction: 'to-app', decoderOptions: { maxParamsBytes: 64 } }, [bytes]);
    expect(limited.error?.code).toBe('FCGI_ERR_PARAMS_TOO_LARGE');
  });

  it('fastcgi: lenientVersion', () => {
    const v2 = fcgiRecord(1, 1, beginBody(1, 0), 0, 2);
    expect(inspect({ protocol: 'fastcgi', direction: 'to-app' }, [v2]).error?.code).toBe('FCGI_ERR_UNSUPPORTED_VERSION');
    expect(inspect({ protocol: 'fastcgi', direction: 'to-app', decoderOptions: { lenientVersion: true } }, [v2]).error).toBeNull();
  });

  it('uwsgi: uWSGI’s default 4096-byte vars limit', () => {
    const value = 'v'.repeat(5000);
    const block = new ByteBuilder().u16le(1).str('K').u16le(value.length).str(value).build();
    const bytes = new ByteBuilder().u8(0).u16le(block.length).u8(0).bytes(block).build();
    expect(inspect({ protocol: 'uwsgi', direction: 'to-app' }, [bytes]).error).toBeNull();
    const limited = inspect({ protocol: 'uwsgi', direction: 'to-app', decoderOptions: { maxVarsBytes: 4096 } }, [bytes]);
    expect(limited.error).toMatchObject({ code: 'UWSGI_ERR_VARS_TOO_LARGE', offset: 1 });
  });

  it('scgi: a mode in decoderOptions wins over strict', () => {
    const zero = Buffer.from('017:CONTENT_LENGTH\u00000\u0000,', 'latin1');
    expect(inspect({ protocol: 'scgi', direction: 'to-app', strict: true }, [zero]).error?.code).toBe('SCGI_ERR_BAD_LENGTH');
    expect(inspect({ protocol: 'scgi', direction: 'to-app', strict: true, decoderOptions: { mode: 'lenient' } }, [zero]).error).toBeNull();
  });

  it('responses: accept and maxHeadBytes', () => {
    const cgi = [Buffer.from('Status: 200 OK\r\nX-Long: abcdefghij\r\n\r\n')];
    expect(inspect({ protocol: 'uwsgi', direction: 'to-server', decoderOptions: { accept: 'http' } }, cgi).error?.code).toBe('CGI_ERR_BAD_STATUS_LINE');
    expect(inspect({ protocol: 'scgi', direction: 'to-server', decoderOptions: { maxHeadBytes: 20 } }, cgi).error?.code).toBe('CGI_ERR_HEAD_TOO_LARGE');
  });
});
