/**
 * README.md's key lists must be what `npm run docs:config` prints. Each list sits between
 * `<!-- config-keys:COMPONENT -->` and `<!-- /config-keys:COMPONENT -->`; until the README has
 * a component's markers its check is skipped (saying so), after that it is enforced.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigTable } from '../../../src/common/config-schema.ts';
import { markdownBlock, markdownKeys } from '../../../src/common/config-docs.ts';
import { configDocsMarkdown, DOCUMENTED_TABLES } from '../../../src/cli/config-docs-main.ts';

const README = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

/** Prettier may re-pad table cells and rules; the words must stay the same. */
function normalized(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) =>
      line.startsWith('|') ? line.replace(/-{3,}/g, '---').replace(/\s+/g, ' ') : line,
    )
    .join('\n');
}

/** 'absent' without markers, undefined when the block is the generated one, else what is wrong. */
function readmeBlockProblem(readme: string, table: ConfigTable): string | undefined {
  const open = `<!-- config-keys:${table.component} -->`;
  const close = `<!-- /config-keys:${table.component} -->`;
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start < 0 && end < 0) return 'absent';
  if (start < 0 || end < start) return `README.md needs ${open} before ${close}`;
  const inner = readme.slice(start + open.length, end);
  if (normalized(inner) === normalized(markdownKeys(table))) return undefined;
  return `README.md's ${table.component} key list is stale: paste the output of npm run docs:config`;
}

describe('config docs - README key lists', () => {
  for (const table of DOCUMENTED_TABLES) {
    const absent = readmeBlockProblem(README, table) === 'absent';
    const title = `config docs - README.md's ${table.component} key list is the generated one`;
    it.skipIf(absent)(
      absent
        ? `${title} (skipped: README.md has no <!-- config-keys:${table.component} --> markers yet; add the block npm run docs:config prints)`
        : title,
      () => {
        expect(readmeBlockProblem(README, table)).toBeUndefined();
      },
    );
  }

  it('config docs - the check accepts the generated block, even re-padded, and refuses a stale one', () => {
    const [broker, namesrv] = DOCUMENTED_TABLES;
    const fresh = `# Title\n\ntext\n\n${markdownBlock(broker)}\nmore\n`;
    expect(readmeBlockProblem(fresh, broker)).toBeUndefined();
    expect(readmeBlockProblem(fresh, namesrv)).toBe('absent');
    const repadded = fresh.replace('| key  ', '| key ').replace('| ---- ', '| --- ');
    expect(repadded).not.toBe(fresh);
    expect(readmeBlockProblem(repadded, broker)).toBeUndefined();
    const stale = fresh.replace('`10911`', '`10912`');
    expect(stale).not.toBe(fresh);
    expect(readmeBlockProblem(stale, broker)).toMatch(/stale/);
    const dropped = fresh.replace(/^\| `traceOn`.*\n/m, '');
    expect(dropped).not.toBe(fresh);
    expect(readmeBlockProblem(dropped, broker)).toMatch(/stale/);
    expect(readmeBlockProblem(fresh.replace('<!-- /config-keys:broker -->', ''), broker)).toMatch(
      /needs/,
    );
  });

  it('config docs - the generator prints every key of both tables, each block between its markers', () => {
    const text = configDocsMarkdown();
    for (const table of DOCUMENTED_TABLES) {
      expect(text).toContain(markdownBlock(table));
      for (const key of Object.keys(table.keys)) expect(text).toContain(`| \`${key}\` `);
      for (const key of table.acceptedWithoutEffect) expect(text).toContain(`\`${key}\``);
    }
    // Machine-independent: the home directory never leaks into the README.
    expect(text).not.toContain(process.env['HOME'] ?? '/nonexistent-home');
  });
});
