/**
 * vitest's global setup for the compatibility suites: builds the Maven projects under
 * test/compat (Apache's Java clients, and Apache RocketMQ's own name server and broker) when
 * their sources changed since the last build. Maven's downloads go to .cache/m2 in the
 * repository (ignored by git), so a clean clone fetches them once and a rerun none.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COMPAT_DIR = join(REPO_ROOT, 'test', 'compat');
export const MAVEN_REPO = join(REPO_ROOT, '.cache', 'm2');
const BUILD_TIMEOUT_MS = 900_000;
const STAMP = '.built-from';

/** The Java clients: target/thrustmq-compat.jar, its dependencies in target/lib. */
export const JAVA_CLIENT_PROJECT = join(COMPAT_DIR, 'java');
/** Apache RocketMQ's name server and broker: every jar in target/lib. */
export const APACHE_BROKER_PROJECT = join(COMPAT_DIR, 'apache');
/** Apache's Go client (rocketmq-client-go v2): one binary, bin/compat, a subcommand per scenario. */
export const GO_CLIENT_PROJECT = join(COMPAT_DIR, 'go');
export const GO_CLIENT_BINARY = join(GO_CLIENT_PROJECT, 'bin', 'compat');
/** Go's module downloads and build cache, kept in the repository like Maven's. */
export const GO_MOD_CACHE = join(REPO_ROOT, '.cache', 'gomod');
export const GO_BUILD_CACHE = join(REPO_ROOT, '.cache', 'gobuild');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else out.push(path);
  }
  return out;
}

/** A digest of what the build reads: the pom and everything under src/. */
function sourceDigest(project: string): string {
  const hash = createHash('sha256');
  const files = [join(project, 'pom.xml')];
  if (existsSync(join(project, 'src'))) files.push(...sourceFiles(join(project, 'src')));
  for (const file of files.sort()) {
    hash.update(relative(project, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function buildMavenProject(project: string): void {
  const digest = sourceDigest(project);
  const stamp = join(project, 'target', STAMP);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  mkdirSync(MAVEN_REPO, { recursive: true });
  const started = Date.now();
  const result = spawnSync('mvn', ['-B', '-q', `-Dmaven.repo.local=${MAVEN_REPO}`, 'package'], {
    cwd: project,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const why = result.error?.message ?? `exit ${result.status ?? result.signal}`;
    throw new Error(
      `mvn package in ${relative(REPO_ROOT, project)} failed (${why}); the compatibility suites ` +
        `need Java 17 and Maven on the PATH.\n${result.stdout}${result.stderr}`,
    );
  }
  writeFileSync(stamp, digest);
  process.stderr.write(
    `built ${relative(REPO_ROOT, project)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

/** A digest of the Go module's go.mod, go.sum and sources (bin/ is the output, not read). */
function goSourceDigest(project: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(project)
    .filter((name) => name === 'go.mod' || name === 'go.sum' || name.endsWith('.go'))
    .sort();
  for (const name of files)
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(project, name)))
      .update('\0');
  return hash.digest('hex');
}

/** Builds bin/compat of the Go module when its sources changed since the last build. */
export function buildGoProject(project: string = GO_CLIENT_PROJECT): void {
  const digest = goSourceDigest(project);
  const binary = join(project, 'bin', 'compat');
  const stamp = join(project, 'bin', STAMP);
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  mkdirSync(GO_MOD_CACHE, { recursive: true });
  mkdirSync(GO_BUILD_CACHE, { recursive: true });
  const started = Date.now();
  const result = spawnSync('go', ['build', '-o', binary, '.'], {
    cwd: project,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      GOMODCACHE: GO_MOD_CACHE,
      GOCACHE: GO_BUILD_CACHE,
      GOFLAGS: '-mod=readonly -modcacherw -buildvcs=false',
      // The go.mod's version is a minimum; never fetch a newer toolchain for it.
      GOTOOLCHAIN: 'local',
    },
  });
  if (result.status !== 0) {
    const why = result.error?.message ?? `exit ${result.status ?? result.signal}`;
    throw new Error(
      `go build in ${relative(REPO_ROOT, project)} failed (${why}); the Go compatibility suite ` +
        `needs Go 1.21 or newer on the PATH and the Go module proxy.\n${result.stdout}${result.stderr}`,
    );
  }
  writeFileSync(stamp, digest);
  process.stderr.write(
    `built ${relative(REPO_ROOT, project)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

/** The classpath of a built project: its jar (if any) and every dependency jar. */
export function mavenClasspath(project: string): string {
  const target = join(project, 'target');
  const jars = readdirSync(target)
    .filter((name) => name.endsWith('.jar'))
    .map((name) => join(target, name));
  const lib = join(target, 'lib');
  if (!existsSync(lib) || !statSync(lib).isDirectory())
    throw new Error(`${relative(REPO_ROOT, lib)} is missing: the compat build did not run`);
  return [...jars, join(lib, '*')].join(':');
}

export default function setup(): void {
  buildMavenProject(JAVA_CLIENT_PROJECT);
  buildMavenProject(APACHE_BROKER_PROJECT);
  buildGoProject();
}
