import { describe, expect, it } from 'vitest';
import { ago, duration, errorRate, pairs, parseRoute, prettyBody } from './format';

describe('format', () => {
  it('formats durations by magnitude', () => {
    expect(duration(812)).toBe('812 µs');
    expect(duration(3400)).toBe('3.4 ms');
    expect(duration(1_200_000)).toBe('1.20 s');
  });

  it('says how long ago', () => {
    const now = 1_000_000_000;
    expect(ago(now - 2000, now)).toBe('just now');
    expect(ago(now - 300_000, now)).toBe('5 min ago');
    expect(ago(now - 3 * 3600_000, now)).toBe('3 h ago');
  });

  it('computes error rates', () => {
    expect(errorRate(0, 0)).toBe('—');
    expect(errorRate(1, 8)).toBe('12.5%');
  });

  it('parses routes and explains bad ones', () => {
    expect(parseRoute('get /hello/{name}')).toEqual({ method: 'GET', path: '/hello/{name}' });
    expect(parseRoute('/x')).toEqual({ method: 'GET', path: '/x' });
    expect(typeof parseRoute('GET')).toBe('string');
  });

  it('pretty-prints JSON bodies only', () => {
    expect(prettyBody('{"a":1}', 'application/json')).toBe('{\n  "a": 1\n}');
    expect(prettyBody('{"a":1}', 'text/plain')).toBe('{"a":1}');
    expect(prettyBody('nope', 'application/json')).toBe('nope');
  });

  it('splits header and query lines', () => {
    expect(pairs('x-a: 1\n\n x-b:two ', ':')).toEqual([
      ['x-a', '1'],
      ['x-b', 'two']
    ]);
    expect(pairs('q=rust', '=')).toEqual([['q', 'rust']]);
  });
});
