import { describe, expect, it } from 'vitest';
import { diffLines } from './diff';

describe('diffLines', () => {
  it('marks removed and added lines around the common ones', () => {
    expect(diffLines('a\nb\nc', 'a\nx\nc')).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'removed', text: 'b' },
      { kind: 'added', text: 'x' },
      { kind: 'same', text: 'c' }
    ]);
  });

  it('handles appends and an empty side', () => {
    expect(diffLines('a', 'a\nb').map((l) => l.kind)).toEqual(['same', 'added']);
    expect(diffLines('', 'x').map((l) => l.kind)).toEqual(['removed', 'added']);
    expect(diffLines('same', 'same').every((l) => l.kind === 'same')).toBe(true);
  });
});
