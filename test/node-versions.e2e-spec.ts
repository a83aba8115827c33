import * as fs from 'node:fs';
import * as path from 'node:path';
import { satisfiesNode } from './support/node-engines';

/**
 * The README's "Node.js versions" paragraph is what a new user relies on when `npm ci`
 * prints EBADENGINE: it must match package.json, the Dockerfile and the lock file.
 * No app is started; this reads files only.
 */
const root = path.resolve(__dirname, '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
const readme = read('README.md');
const section = /## Node\.js versions\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')).packages as Record<string, { engines?: { node?: string } }>;
const dockerMajor = Number(/ARG NODE_VERSION=(\d+)/.exec(read('Dockerfile'))?.[1]);
const tested = [...section.matchAll(/\*\*Node\.js (\d+)(?:\.(\d+))?\*\*/g)].map((m) => ({
  major: Number(m[1]),
  minor: m[2] === undefined ? null : Number(m[2]),
}));
// A floating major (node:22) is its latest release; a stated minor is its first patch.
const asVersion = (t: { major: number; minor: number | null }) => [t.major, t.minor ?? 99, 0];
const testedVersions = tested.map(asVersion);

describe('README: Node.js versions', () => {
  it('quotes package.json engines exactly', () => {
    expect(section).toContain(`\`package.json\` \`engines\`: \`${pkg.engines.node}\``);
  });

  it('names the versions tested: the one running this suite and the Dockerfile image, each allowed by engines', () => {
    const [major, minor] = process.versions.node.split('.').map(Number);
    expect(tested).toContainEqual({ major, minor });
    expect(tested.map((t) => t.major)).toContain(dockerMajor);
    expect(section).toContain(`node:${dockerMajor}-bookworm-slim`);
    for (const v of testedVersions) expect({ v, ok: satisfiesNode(v, pkg.engines.node) }).toEqual({ v, ok: true });
  });

  it('lists exactly the packages whose engines exclude a tested version, and says why that is harmless', () => {
    const excluded = Object.entries(lock)
      .filter(
        ([k, v]) =>
          k && typeof v.engines?.node === 'string' && testedVersions.some((t) => !satisfiesNode(t, v.engines!.node!)),
      )
      .map(([k]) => k.replace(/^.*node_modules\//, ''))
      .sort();
    expect(excluded.length).toBeGreaterThan(0);
    const listed = [
      ...section
        .slice(section.indexOf('EBADENGINE'), section.indexOf('They are harmless'))
        .matchAll(/`(@?[a-z0-9-]+(?:\/[a-z0-9-]+)?)`/g),
    ]
      .map((m) => m[1])
      .filter(
        (name) =>
          name !== '@fastify/static' &&
          name in Object.fromEntries(Object.keys(lock).map((k) => [k.replace(/^.*node_modules\//, ''), 1])),
      )
      .sort();
    expect(listed).toEqual([...new Set(excluded)]);
    expect(section).toMatch(/require\(esm\).*20\.19/s);
  });
});
