import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Deployment } from '../entities';
import { fileDropTarget } from './file-drop.driver';
import type { TargetChange, TargetDriverDeps } from './target-driver';

/** The pointer step on a real directory (staging the files needs the registry: see the e2e test). */
describe('file-drop driver: the current pointer', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-drop-unit-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const driver = () => fileDropTarget.create('edge', { dir }, {} as TargetDriverDeps);
  const change = (event: TargetChange['event'], version: string): TargetChange => ({
    event,
    deployment: { model_id: 'm', version, target: 'edge' } as Deployment,
    previous: null,
    at: new Date(),
  });
  const current = () => fs.readlinkSync(path.join(dir, 'm', 'current'));

  it('switches, undoes a switch whose commit failed, and removes the pointer on undeploy', async () => {
    fs.mkdirSync(path.join(dir, 'm'));
    const d = driver();
    await d.apply(change('deploy', '1.0.0'), undefined as never);
    expect(current()).toBe('1.0.0');
    const replaced = await d.apply(change('replace', '1.1.0'), undefined as never);
    expect(current()).toBe('1.1.0');
    await replaced.undo!();
    expect(current()).toBe('1.0.0');
    // Undeploying a version `current` does not point at leaves it alone.
    await d.apply(change('undeploy', '1.1.0'), undefined as never);
    expect(current()).toBe('1.0.0');
    const gone = await d.apply(change('undeploy', '1.0.0'), undefined as never);
    expect(fs.existsSync(path.join(dir, 'm', 'current'))).toBe(false);
    await gone.undo!();
    expect(current()).toBe('1.0.0');
    expect(fs.readdirSync(path.join(dir, 'm'))).toEqual(['current']);
  });

  it('parses absolute directories only and refuses two targets on one directory', () => {
    expect(fileDropTarget.parse('/srv/x/', 'a')).toEqual({ config: { dir: '/srv/x' } });
    expect(fileDropTarget.parse('srv/x', 'a')).toEqual({ problem: 'the directory for a must be an absolute path' });
    expect(fileDropTarget.check!({ a: { dir: '/x' }, b: { dir: '/y' }, c: { dir: '/x' } })).toEqual([
      expect.stringMatching(/^a and c share a directory/),
    ]);
  });
});
