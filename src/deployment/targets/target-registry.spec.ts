import { DeployRequestDto } from '../dto/deployment.dto';
import type { TargetDriverDeps } from './target-driver';
import {
  createTargetDrivers,
  DEFAULT_TARGETS,
  parseTargetOptions,
  TARGET_DRIVERS,
  TARGET_VARIABLES,
  targetKindsDoc,
} from './target-registry';

const parse = (env: Record<string, string>) => {
  const problems: string[] = [];
  const options = parseTargetOptions((name) => env[name], problems);
  return { options, problems };
};
/** describe() touches no dependency: the drivers are made and described without the app. */
const NO_DEPS = {} as TargetDriverDeps;

describe('deployment target registry', () => {
  it('lists each kind once, each with its own variable, all of them read by the configuration', () => {
    const kinds = TARGET_DRIVERS.map((d) => d.kind);
    // Not an exact list: adding a kind should not mean editing this test.
    expect(kinds).toEqual(expect.arrayContaining(['webhook', 'file_drop']));
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(new Set(TARGET_DRIVERS.map((d) => d.variable)).size).toBe(kinds.length);
    expect(TARGET_VARIABLES).toEqual(['DEPLOYMENT_TARGETS', ...TARGET_DRIVERS.map((d) => d.variable)]);
    expect(TARGET_VARIABLES).toEqual(expect.arrayContaining(['DEPLOYMENT_NOTIFY_URLS', 'DEPLOYMENT_FILE_DROP_DIRS']));
  });

  it('defaults: the three targets, no driver configured', () => {
    expect(parse({})).toEqual({
      options: { targets: DEFAULT_TARGETS, drivers: Object.fromEntries(TARGET_DRIVERS.map((d) => [d.kind, {}])) },
      problems: [],
    });
  });

  it('parses each kind’s target=value pairs; a target may have several kinds', () => {
    const { options, problems } = parse({
      DEPLOYMENT_TARGETS: 'a,b',
      DEPLOYMENT_NOTIFY_URLS: 'a=https://hooks.example/x',
      DEPLOYMENT_FILE_DROP_DIRS: 'a=/srv/drop/a, b=/srv/drop/../b/',
    });
    expect(problems).toEqual([]);
    expect(options.drivers).toMatchObject({
      webhook: { a: { url: 'https://hooks.example/x' } },
      file_drop: { a: { dir: '/srv/drop/a' }, b: { dir: '/srv/b' } },
    });
    const drivers = createTargetDrivers(options, NO_DEPS);
    expect(drivers.get('a')!.map((d) => d.describe())).toEqual([
      { kind: 'webhook', target: 'a', url: 'https://hooks.example' },
      { kind: 'file_drop', target: 'a', directory: '/srv/drop/a' },
    ]);
    expect(drivers.get('b')!.map((d) => d.kind)).toEqual(['file_drop']);
  });

  it('names every problem with its variable, without the password of a URL', () => {
    const { problems } = parse({
      DEPLOYMENT_TARGETS: 'a,b,c',
      DEPLOYMENT_NOTIFY_URLS: 'a=ftp://x,https://u:hunter2@h/',
      DEPLOYMENT_FILE_DROP_DIRS: 'zz=/d,b=relative/dir,a=/same,c=/same/',
    });
    expect(problems).toEqual([
      'DEPLOYMENT_NOTIFY_URLS: the URL for a must be an http(s) URL',
      expect.stringMatching(/^DEPLOYMENT_NOTIFY_URLS: ".*" is not target=url$/),
      'DEPLOYMENT_FILE_DROP_DIRS: "zz" is not one of DEPLOYMENT_TARGETS',
      'DEPLOYMENT_FILE_DROP_DIRS: the directory for b must be an absolute path',
      expect.stringContaining('DEPLOYMENT_FILE_DROP_DIRS: a and c share a directory'),
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('the Swagger text of deployment_target names every kind and its variable', () => {
    const doc = targetKindsDoc();
    for (const d of TARGET_DRIVERS) expect(doc).toContain(`${d.kind} (${d.variable}=`);
    const property = Reflect.getMetadata(
      'swagger/apiModelProperties',
      DeployRequestDto.prototype,
      'deployment_target',
    ) as { description: string };
    expect(property.description).toContain(doc);
  });
});
