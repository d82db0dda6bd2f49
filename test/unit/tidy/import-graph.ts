/** The import specifiers of the project's source files, with relative ones resolved to paths. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  /** The importing file, relative to the root. */
  file: string;
  specifier: string;
  /** For a relative specifier, the imported file relative to the root; else undefined. */
  target: string | undefined;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

export function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) files.push(path);
  }
  return files;
}

export function importsOf(root: string, file: string): ImportEdge[] {
  const text = readFileSync(file, 'utf8');
  const edges: ImportEdge[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1]!;
    const target = specifier.startsWith('.')
      ? relative(root, resolve(dirname(file), specifier))
      : undefined;
    edges.push({ file: relative(root, file), specifier, target });
  }
  return edges;
}
