import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as TS from 'typescript';

/**
 * Finds the error codes a package's code can answer with, so a check can ask that every one has
 * words in all four languages: the code of every typed error it throws (`new ConflictError(msg,
 * 'SKU_TAKEN')`, the class default otherwise), of errors it builds from its own AtriumError
 * subclasses, `this.type = '…'` in such a class, and the `code` of every field problem
 * (`{ field, code, … }`). A field problem without a code, or a code that is neither a literal nor
 * a union of literals the parser can see, is reported: its words could not be looked up.
 *
 * It reads the source with the TypeScript parser (no type checker, so it is quick and needs no
 * tsconfig): codes must be written where they are thrown, as literals or through a `const`, a
 * parameter or property whose declared type is a union of string literals. Code that only forwards
 * problems made elsewhere says so with `// error-codes: pass-through` on the line above.
 */
export type FoundCode = { code: string; kind: 'error' | 'field'; file: string; line: number };
export type CodeProblem = { file: string; line: number; message: string };

/** [index of the code argument, default code] of the SDK's typed errors. */
const BUILTIN: Record<string, [number | null, string]> = {
  AtriumError: [2, ''],
  ValidationError: [null, 'VALIDATION_FAILED'],
  UnauthorizedError: [1, 'UNAUTHORIZED'],
  ForbiddenError: [1, 'FORBIDDEN'],
  PluginDisabledError: [null, 'PLUGIN_DISABLED'],
  NotFoundError: [2, 'NOT_FOUND'],
  ConflictError: [1, 'CONFLICT'],
  PayloadTooLargeError: [null, 'PAYLOAD_TOO_LARGE'],
  UnprocessableError: [1, 'UNPROCESSABLE'],
  RateLimitedError: [null, 'RATE_LIMITED'],
  ProviderRejectedError: [null, 'PROVIDER_REJECTED'],
  ProviderUnavailableError: [null, 'PROVIDER_UNAVAILABLE'],
  WebhookSignatureError: [null, 'WEBHOOK_SIGNATURE_INVALID'],
};

export function loadTypeScript(from: string): typeof TS {
  for (const base of [from, import.meta.dirname]) {
    try {
      return createRequire(path.join(base, 'package.json'))('typescript');
    } catch {
      /* next */
    }
  }
  throw new Error('the error-code check needs the typescript package: install it in the plugin or beside it');
}

/** Source files of a package's server code (tests, fakes under testing/ and UI excluded). */
export function serverSources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return ['node_modules', 'dist', 'testing', 'ui', 'test'].includes(e.name) ? [] : serverSources(p);
    return /\.ts$/.test(e.name) && !/\.(test|spec|d)\.ts$/.test(e.name) ? [p] : [];
  });
}

export function collectErrorCodes(files: string[], ts: typeof TS, root = process.cwd()): { codes: FoundCode[]; problems: CodeProblem[] } {
  const sources = files.map((f) => ts.createSourceFile(f, fs.readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true));
  const codes: FoundCode[] = [];
  const problems: CodeProblem[] = [];
  const classes = new Map<string, [number | null, string]>(Object.entries(BUILTIN));
  const typeAliases = new Map<string, TS.TypeNode>();

  // first pass: type aliases (for literal unions) and our own AtriumError subclasses
  const subclasses: TS.ClassDeclaration[] = [];
  for (const sf of sources) {
    const visit = (n: TS.Node) => {
      if (ts.isTypeAliasDeclaration(n)) typeAliases.set(n.name.text, n.type);
      if (ts.isClassDeclaration(n) && n.name && n.heritageClauses?.some((h) => h.types.some((t) => ts.isIdentifier(t.expression)))) subclasses.push(n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  // a subclass passes its code to super() as a literal, or from one of its parameters
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of subclasses) {
      if (classes.has(c.name!.text)) continue;
      const base = c.heritageClauses!.flatMap((h) => h.types).map((t) => (t.expression as TS.Identifier).text).find((b) => classes.has(b));
      if (!base) continue;
      const [at, fallback] = classes.get(base)!;
      const ctor = c.members.find(ts.isConstructorDeclaration);
      let own: [number | null, string] = [null, fallback];
      const superCall = ctor && findSuperCall(ts, ctor);
      if (superCall && at !== null) {
        const arg = superCall.arguments[at];
        if (arg && ts.isStringLiteralLike(arg)) own = [null, arg.text];
        else if (arg && ts.isIdentifier(arg)) {
          const i = ctor!.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === arg.text);
          const init = i >= 0 ? ctor!.parameters[i]!.initializer : undefined;
          own = [i >= 0 ? i : null, init && ts.isStringLiteralLike(init) ? init.text : fallback];
        }
      }
      const assigned = findTypeAssignment(ts, c);
      if (assigned) own = [null, assigned];
      classes.set(c.name!.text, own);
      changed = true;
    }
  }

  for (const sf of sources) {
    const rel = path.relative(root, sf.fileName);
    const lineOf = (n: TS.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    const literalValues = (expr: TS.Expression): string[] | null => resolveLiterals(ts, expr, sf, typeAliases);
    // `// error-codes: pass-through` on the line or the one above: code that forwards problems made elsewhere
    const lines = sf.text.split('\n');
    const passThrough = (n: TS.Node) => {
      const l = lineOf(n) - 1;
      return /error-codes: pass-through/.test(`${lines[l - 1] ?? ''}\n${lines[l] ?? ''}`);
    };
    const visit = (n: TS.Node) => {
      if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && classes.has(n.expression.text)) {
        const [at, fallback] = classes.get(n.expression.text)!;
        const arg = at === null ? undefined : n.arguments?.[at];
        if (!arg || (ts.isIdentifier(arg) && arg.text === 'undefined')) {
          if (fallback) codes.push({ code: fallback, kind: 'error', file: rel, line: lineOf(n) });
        } else {
          const values = literalValues(arg);
          if (values) for (const code of values) codes.push({ code, kind: 'error', file: rel, line: lineOf(n) });
          else if (!passThrough(n)) problems.push({ file: rel, line: lineOf(n), message: `the code of this ${n.expression.text} is not a literal: write it here, or type it as a union of literals` });
        }
      }
      if (ts.isObjectLiteralExpression(n)) {
        const props = new Map(n.properties.filter(ts.isPropertyAssignment).map((p) => [p.name.getText(sf), p.initializer] as const));
        const shorthand = new Set(n.properties.filter(ts.isShorthandPropertyAssignment).map((p) => p.name.text));
        const fieldInit = props.get('field');
        const hasField = (!!fieldInit && !ts.isObjectLiteralExpression(fieldInit)) || shorthand.has('field');
        const isFieldProblem = hasField && (props.has('message') || shorthand.has('message') || props.has('code') || shorthand.has('code'));
        const isErrorBody = !hasField && props.has('code') && props.has('message') && isErrorObject(ts, n);
        if ((isFieldProblem || isErrorBody) && !passThrough(n)) {
          const code = props.get('code');
          if (!code && !shorthand.has('code')) problems.push({ file: rel, line: lineOf(n), message: 'this field problem has no code: add one the catalogs word (a JSON Schema keyword or a code of yours)' });
          else {
            const short = n.properties.find((q): q is TS.ShorthandPropertyAssignment => ts.isShorthandPropertyAssignment(q) && q.name.text === 'code');
            const values = code ? literalValues(code) : short ? literalValues(short.name) : null;
            if (values) for (const c of values) codes.push({ code: c, kind: isFieldProblem ? 'field' : 'error', file: rel, line: lineOf(n) });
            else problems.push({ file: rel, line: lineOf(n), message: 'the code of this problem is not a literal: write it here, or type it as a union of literals' });
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { codes, problems };
}

function findSuperCall(ts: typeof TS, ctor: TS.ConstructorDeclaration): TS.CallExpression | undefined {
  let found: TS.CallExpression | undefined;
  const visit = (n: TS.Node) => {
    if (!found && ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.SuperKeyword) found = n;
    ts.forEachChild(n, visit);
  };
  if (ctor.body) visit(ctor.body);
  return found;
}

function findTypeAssignment(ts: typeof TS, c: TS.ClassDeclaration): string | undefined {
  let found: string | undefined;
  const visit = (n: TS.Node) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left)
      && n.left.expression.kind === ts.SyntaxKind.ThisKeyword && n.left.name.text === 'type' && ts.isStringLiteralLike(n.right)) found = n.right.text;
    ts.forEachChild(n, visit);
  };
  visit(c);
  return found;
}

/** `{ error: { code, message } }` bodies and objects typed as errors (not every `{ code, message }`). */
function isErrorObject(ts: typeof TS, n: TS.ObjectLiteralExpression): boolean {
  const code = n.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'code') as TS.PropertyAssignment | undefined;
  if (!code || !ts.isStringLiteralLike(code.initializer) || !/^[A-Z][A-Z0-9_]+$/.test(code.initializer.text)) return false;
  const parent = n.parent;
  return !!parent && ts.isPropertyAssignment(parent) && parent.name.getText() === 'error';
}

/** The string values an expression can have, when the parser alone can tell; null otherwise. */
function resolveLiterals(ts: typeof TS, expr: TS.Expression, sf: TS.SourceFile, aliases: Map<string, TS.TypeNode>): string[] | null {
  if (ts.isStringLiteralLike(expr)) return [expr.text];
  if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr)) return resolveLiterals(ts, expr.expression, sf, aliases);
  if (ts.isConditionalExpression(expr)) {
    const a = resolveLiterals(ts, expr.whenTrue, sf, aliases);
    const b = resolveLiterals(ts, expr.whenFalse, sf, aliases);
    return a && b ? [...a, ...b] : null;
  }
  if (ts.isBinaryExpression(expr) && (expr.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || expr.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
    const a = resolveLiterals(ts, expr.left, sf, aliases);
    const b = resolveLiterals(ts, expr.right, sf, aliases);
    return a && b ? [...a, ...b] : null;
  }
  const fromType = (t: TS.TypeNode | undefined): string[] | null => {
    if (!t) return null;
    if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) return [t.literal.text];
    if (ts.isUnionTypeNode(t)) {
      const parts = t.types.map(fromType);
      return parts.every(Boolean) ? parts.flat() as string[] : null;
    }
    if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName)) return fromType(aliases.get(t.typeName.text));
    if (ts.isParenthesizedTypeNode(t)) return fromType(t.type);
    return null;
  };
  // a name: its nearest declaration around the expression (a const with a literal value, or a
  // parameter/property with a literal-union type), else any declaration of that name in the file
  const name = ts.isIdentifier(expr) ? expr.text : ts.isPropertyAccessExpression(expr) ? expr.name.text : undefined;
  if (!name) return null;
  let found: string[] | null = null;
  const judge = (n: TS.Node): string[] | null => {
    if ((ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isPropertySignature(n) || ts.isPropertyDeclaration(n)) && ts.isIdentifier(n.name) && n.name.text === name) {
      const typed = fromType(n.type);
      if (typed) return typed;
      if (ts.isVariableDeclaration(n) && n.initializer && n.initializer !== expr) return resolveLiterals(ts, n.initializer, sf, aliases);
    }
    return null;
  };
  if (ts.isIdentifier(expr)) {
    for (let a: TS.Node | undefined = expr.parent; a && !found; a = a.parent) {
      if (ts.isFunctionLike(a)) for (const prm of a.parameters) found ??= judge(prm);
      if (ts.isBlock(a) || ts.isSourceFile(a)) {
        for (const st of a.statements) if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) found ??= judge(d);
      }
    }
  }
  const visit = (n: TS.Node) => {
    if (found) return;
    found = judge(n);
    ts.forEachChild(n, visit);
  };
  if (!found && ts.isIdentifier(expr)) visit(sf);
  if (!found && ts.isPropertyAccessExpression(expr) && ts.isIdentifier(expr.expression)) {
    // `first.code` where `first` is declared with a type of this package (`const first: TenderProblem`)
    const owner = expr.expression.text;
    let typeName: string | undefined;
    for (let a: TS.Node | undefined = expr.parent; a && !typeName; a = a.parent) {
      const decls: TS.Node[] = [];
      if (ts.isFunctionLike(a)) decls.push(...a.parameters);
      if (ts.isBlock(a) || ts.isSourceFile(a)) for (const st of a.statements) if (ts.isVariableStatement(st)) decls.push(...st.declarationList.declarations);
      for (const d of decls) {
        if (!(ts.isParameter(d) || ts.isVariableDeclaration(d)) || !ts.isIdentifier(d.name) || d.name.text !== owner || !d.type) continue;
        // `T` or `T | null`
        const ref = [d.type, ...(ts.isUnionTypeNode(d.type) ? d.type.types : [])].find((x): x is TS.TypeReferenceNode => ts.isTypeReferenceNode(x) && ts.isIdentifier(x.typeName));
        if (ref) typeName = (ref.typeName as TS.Identifier).text;
      }
    }
    const t = typeName ? aliases.get(typeName) : undefined;
    if (t && ts.isTypeLiteralNode(t)) for (const m of t.members) if (ts.isPropertySignature(m) && ts.isIdentifier(m.name) && m.name.text === name) found = fromType(m.type);
  }
  return found;
}

/**
 * The found codes that some language cannot word: an error code must be in `errors`, a field code
 * in `fields` or `errors`, of the package's own catalog or the platform's.
 */
export function untranslatedCodes(
  codes: FoundCode[],
  catalogs: Partial<Record<string, { errors?: Record<string, string>; fields?: Record<string, string> }>>[],
  locales: readonly string[] = ['en', 'ru', 'uk', 'kk'],
): (FoundCode & { locale: string })[] {
  const out: (FoundCode & { locale: string })[] = [];
  const seen = new Set<string>();
  for (const c of codes) {
    for (const l of locales) {
      const has = catalogs.some((cat) => {
        const m = cat[l];
        return !!(m?.errors?.[c.code] ?? (c.kind === 'field' ? m?.fields?.[c.code] : undefined));
      });
      const key = `${c.kind}:${c.code}:${l}`;
      if (!has && !seen.has(key)) {
        seen.add(key);
        out.push({ ...c, locale: l });
      }
    }
  }
  return out;
}
