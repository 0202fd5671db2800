import { describe, expect, it } from 'vitest';
import { defaultModifierDisposition, Modifier1, modifier1Name } from '../src/index.js';

describe('Modifier1', () => {
  it('has the numbers of the uWSGI plugins (protocols.md §3.3)', () => {
    expect(Modifier1).toMatchObject({ WSGI: 0, PSGI: 5, LUA: 6, RACK: 7, JVM: 8, CGI: 9, PHP: 14, FASTFUNC: 26, GLUSTERFS: 27, WSGI_MANAGE_PATH_INFO: 30, PING: 100, RESPONSE: 255 });
  });

  it('has no two names for one value', () => {
    const values = Object.values(Modifier1);
    expect(new Set(values).size).toBe(values.length);
  });

  it('names values and leaves unknown ones unnamed', () => {
    expect(modifier1Name(5)).toBe('PSGI');
    expect(modifier1Name(30)).toBe('WSGI_MANAGE_PATH_INFO');
    expect(modifier1Name(72)).toBeUndefined();
  });
});

describe('defaultModifierDisposition (§6 #75)', () => {
  it('serves 0, serves 30 with SCRIPT_NAME stripped, refuses the rest', () => {
    expect(defaultModifierDisposition(0)).toBe('serve');
    expect(defaultModifierDisposition(30)).toBe('serve-strip-script-name');
    for (const m of [1, 5, 6, 7, 9, 14, 72, 100, 255]) expect(defaultModifierDisposition(m)).toBe('refuse');
  });
});
