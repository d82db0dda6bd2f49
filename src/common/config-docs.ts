/**
 * The key lists a ConfigTable documents itself with: the `--help-keys` page of a daemon and the
 * README's markdown block (`npm run docs:config`, checked against README.md by a unit test), so
 * that neither can drift from the keys the daemons accept.
 */
import type { ConfigTable, FieldSpec, Relation } from './config-schema.ts';
import { allowedText } from './config-schema.ts';

const HELP_WIDTH = 100;

export function shownDefault(spec: FieldSpec): string {
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  return spec.default === '' ? '(empty)' : String(spec.default);
}

/** What a relation requires, in words (help and README). */
export function relationText(relation: Relation): string {
  if ('check' in relation) return relation.doc;
  if ('atMost' in relation) return `\`${relation.key}\` <= \`${relation.atMost}\`: ${relation.why}`;
  const plus = relation.plus ? ` + ${relation.plus}` : '';
  return `\`${relation.key}\` >= \`${relation.atLeast}\`${plus}: ${relation.why}`;
}

function groupsOf(table: ConfigTable): Array<[string, Array<[string, FieldSpec]>]> {
  const groups = new Map<string, Array<[string, FieldSpec]>>();
  for (const [key, spec] of Object.entries(table.keys)) {
    const title = spec.group ?? 'Other';
    groups.set(title, [...(groups.get(title) ?? []), [key, spec]]);
  }
  return [...groups];
}

/** `thrustmq <component> --help-keys`: every key with type, default, what is allowed and doc. */
export function helpKeysText(table: ConfigTable): string {
  const lines = [`${table.component} keys (in the properties file, or -o KEY=VALUE, --KEY=VALUE):`];
  for (const [title, keys] of groupsOf(table)) {
    lines.push('', `${title}:`);
    for (const [key, spec] of keys) {
      const env = spec.env === undefined ? '' : `; env ${spec.env}`;
      lines.push(`  ${key} (${typeName(spec)}, default ${shownDefault(spec)}${env})`);
      const allowed =
        spec.type === 'string' && !isFreeText(spec) ? ` Allowed: ${allowedText(spec)}.` : '';
      lines.push(...wrap(`${spec.doc}${allowed}`, '      '));
    }
  }
  if (table.relations.length > 0) {
    lines.push('', 'Checked between keys at load:');
    for (const relation of table.relations)
      lines.push(...wrap(relationText(relation).replaceAll('`', ''), '  - ', '    '));
  }
  if (table.acceptedWithoutEffect.length > 0) {
    lines.push('', 'Accepted without effect (RocketMQ keys ThrustMQ does not use):');
    lines.push(...wrap(table.acceptedWithoutEffect.join(', '), '  '));
  }
  return `${lines.join('\n')}\n`;
}

function typeName(spec: FieldSpec): string {
  if (spec.type === 'int') return `integer ${spec.min ?? ''}..${spec.max ?? ''}`;
  if (spec.type === 'bool') return 'true|false';
  return spec.type === 'enum' ? spec.values.join('|') : 'text';
}

function isFreeText(spec: FieldSpec): boolean {
  return spec.type === 'string' && spec.allowed === undefined && spec.pattern === undefined;
}

function wrap(text: string, indent: string, nextIndent = indent): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(' ')) {
    const fresh = line === indent || line === nextIndent;
    if (!fresh && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = nextIndent + word;
    } else line += fresh ? word : ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** The README block's inner text (between its markers): one table per group, then relations. */
export function markdownKeys(table: ConfigTable): string {
  const parts = [
    `Generated from the key table by \`npm run docs:config\` (keys of \`${table.component}.properties\`; any key is also a flag: \`--KEY=VALUE\`).`,
  ];
  for (const [title, keys] of groupsOf(table)) {
    const rows = keys.map(([key, spec]) => [
      `\`${key}\``,
      markdownDefault(spec),
      isFreeText(spec) ? 'text' : allowedText(spec),
      spec.env === undefined ? spec.doc : `${spec.doc} Environment: \`${spec.env}\`.`,
    ]);
    parts.push(`**${title}**`, markdownTable(['key', 'default', 'allowed', 'what'], rows));
  }
  if (table.relations.length > 0) {
    const list = table.relations.map((relation) => `- ${relationText(relation)}`).join('\n');
    parts.push(`Checked between keys at load (exit code 2 naming both keys):\n\n${list}`);
  }
  if (table.acceptedWithoutEffect.length > 0) {
    const keys = table.acceptedWithoutEffect.map((key) => `\`${key}\``).join(', ');
    parts.push(`Accepted without effect (RocketMQ keys ThrustMQ does not use): ${keys}.`);
  }
  return parts.join('\n\n');
}

/** The whole block with its markers, as README.md holds it. */
export function markdownBlock(table: ConfigTable): string {
  const marker = `config-keys:${table.component}`;
  return `<!-- ${marker} -->\n\n${markdownKeys(table)}\n\n<!-- /${marker} -->\n`;
}

function markdownDefault(spec: FieldSpec): string {
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  return spec.default === '' ? '(empty)' : `\`${String(spec.default)}\``;
}

/** A table aligned as prettier aligns it, so the README stays as generated after formatting. */
function markdownTable(header: string[], rows: string[][]): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => cell.replaceAll('|', '\\|')));
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => row[column]!.length)));
  const line = (row: string[]): string =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  const [head, ...body] = cells;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(head!), rule, ...body.map(line)].join('\n');
}
