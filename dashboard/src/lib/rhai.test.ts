import { describe, expect, it } from 'vitest';
import { EditorState } from '@codemirror/state';
import { ensureSyntaxTree } from '@codemirror/language';
import { rhai } from './rhai';

/** The token names over a source, as `name:text`. */
function tokens(source: string): string[] {
  const state = EditorState.create({ doc: source, extensions: [rhai] });
  const tree = ensureSyntaxTree(state, state.doc.length, 5000)!;
  const out: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.name !== 'Document' && node.from < node.to) {
        out.push(`${node.name}:${state.doc.sliceString(node.from, node.to)}`);
      }
    }
  });
  return out;
}

describe('rhai highlighting', () => {
  it('tells keywords, builtins, strings, numbers and comments apart', () => {
    const t = tokens('let x = request.query.n ?? 42; // why\nprint(`hi ${x}`);');
    expect(t).toContain('keyword:let');
    expect(t).toContain('variableName.special:request');
    expect(t).toContain('number:42');
    expect(t).toContain('comment:// why');
    expect(t).toContain('string:`hi ${x}`');
    expect(t).toContain('keyword:print');
  });

  it('carries block comments and templates across lines', () => {
    const t = tokens('/* a\nb */ `x\ny`');
    expect(t.filter((s) => s.startsWith('comment')).length).toBe(2);
    expect(t.filter((s) => s.startsWith('string')).length).toBe(2);
  });
});
