// Rhai syntax highlighting for CodeMirror 6, as a stream tokenizer.

import { StreamLanguage, type StringStream } from '@codemirror/language';

export const KEYWORDS = new Set([
  'let', 'const', 'if', 'else', 'switch', 'do', 'while', 'loop', 'until', 'for', 'in',
  'continue', 'break', 'return', 'throw', 'try', 'catch', 'fn', 'private', 'import',
  'export', 'as', 'global', 'is_shared', 'Fn', 'call', 'curry', 'this', 'type_of', 'print',
  'debug', 'eval'
]);
const ATOMS = new Set(['true', 'false']);
/** What a PiCloud script sees (docs/scripting.md). */
const BUILTINS = new Set(['request', 'ctx', 'log']);

interface State {
  /** Inside a back-tick string (which may span lines). */
  template: boolean;
  /** Inside a block comment. */
  comment: boolean;
}

function token(stream: StringStream, state: State): string | null {
  if (state.comment) {
    if (stream.match(/^.*?\*\//)) state.comment = false;
    else stream.skipToEnd();
    return 'comment';
  }
  if (state.template) {
    while (!stream.eol()) {
      const ch = stream.next();
      if (ch === '\\') stream.next();
      else if (ch === '`') {
        state.template = false;
        break;
      }
    }
    return 'string';
  }
  if (stream.eatSpace()) return null;
  if (stream.match('//')) {
    stream.skipToEnd();
    return 'comment';
  }
  if (stream.match('/*')) {
    state.comment = true;
    return token(stream, state);
  }
  if (stream.match('`')) {
    state.template = true;
    return token(stream, state);
  }
  if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return 'string';
  if (stream.match(/^'(?:[^'\\]|\\.)+'/)) return 'string';
  if (stream.match(/^(?:0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:e[+-]?\d+)?)/)) {
    return 'number';
  }
  if (stream.match('#{')) return 'bracket';
  const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (word) {
    const text = (word as RegExpMatchArray)[0];
    if (KEYWORDS.has(text)) return 'keyword';
    if (ATOMS.has(text)) return 'atom';
    if (BUILTINS.has(text)) return 'variableName.special';
    if (stream.peek() === '(') return 'variableName.function';
    return 'variableName';
  }
  if (stream.match(/^[+\-*/%=<>!&|^?:.]+/)) return 'operator';
  stream.next();
  return null;
}

export const rhai = StreamLanguage.define<State>({
  name: 'rhai',
  startState: () => ({ template: false, comment: false }),
  token,
  languageData: { commentTokens: { line: '//', block: { open: '/*', close: '*/' } } }
});
