import { ParamList } from '@gw/core';
import { describe, expect, it } from 'vitest';
import { stripScriptName } from '../src/index.js';

const pathInfoAfter = (scriptName: string | undefined, pathInfo: string | undefined) => {
  const pairs: [string, string][] = [['REQUEST_METHOD', 'GET']];
  if (scriptName !== undefined) pairs.push(['SCRIPT_NAME', scriptName]);
  if (pathInfo !== undefined) pairs.push(['PATH_INFO', pathInfo]);
  return stripScriptName(ParamList.from(pairs)).get('PATH_INFO');
};

describe('stripScriptName (modifier1 30)', () => {
  it.each([
    ['/app', '/app/page', '/page'],
    ['/app', '/app', ''],
    ['/app/', '/app/page', '/page'],
    ['/a/b', '/a/b/c/d', '/c/d'],
  ])('SCRIPT_NAME %j takes %j to %j', (scriptName, pathInfo, expected) => {
    expect(pathInfoAfter(scriptName, pathInfo)).toBe(expected);
  });

  it.each([
    ['/app', '/application'], // not a segment boundary
    ['/app', '/other/app'], // not a prefix
    ['', '/page'], // nothing to strip
    ['/', '/page'],
  ])('leaves PATH_INFO %2$j alone for SCRIPT_NAME %1$j', (scriptName, pathInfo) => {
    expect(pathInfoAfter(scriptName, pathInfo)).toBe(pathInfo);
  });

  it('returns the same list when SCRIPT_NAME or PATH_INFO is absent', () => {
    const vars = ParamList.from([['PATH_INFO', '/x']]);
    expect(stripScriptName(vars)).toBe(vars);
    expect(pathInfoAfter('/app', undefined)).toBeUndefined();
  });

  it('keeps every other pair, in order, duplicates included', () => {
    const vars = ParamList.from([
      ['A', '1'],
      ['SCRIPT_NAME', '/app'],
      ['PATH_INFO', '/app/first'],
      ['A', '2'],
      ['PATH_INFO', '/app/x'],
    ]);
    expect(stripScriptName(vars).toArray()).toEqual([
      ['A', '1'],
      ['SCRIPT_NAME', '/app'],
      ['PATH_INFO', '/app/first'],
      ['A', '2'],
      ['PATH_INFO', '/x'],
    ]);
  });
});
