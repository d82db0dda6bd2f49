/**
 * Lengths of the functions in a TypeScript file, named so a ratchet list can refer to them:
 * `Class.method`, `function`, `outer/inner` for a named function inside another, and
 * `outer/<arrow@line>` is never used as a name, because line numbers move with every edit.
 */
import ts from 'typescript';

export interface FunctionLength {
  name: string;
  lines: number;
}

export function functionLengths(fileName: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node, scope: string[]): void => {
    let inner = scope;
    const name = functionName(node);
    if (name !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      inner = [...scope, name];
      found.push({ name: inner.join('/'), lines: last - first + 1 });
    } else if (ts.isClassLike(node) && node.name) inner = [...scope, node.name.text];
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(source, []);
  return found;
}

/** The name a function goes by, or undefined for what is not a function. */
function functionName(node: ts.Node): string | undefined {
  if (ts.isFunctionDeclaration(node)) return node.name?.text ?? 'default';
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (
    ts.isMethodDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  )
    return node.name.getText();
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
    const parent = node.parent;
    if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
    if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
      return parent.name.getText();
    return '(anonymous)';
  }
  return undefined;
}
