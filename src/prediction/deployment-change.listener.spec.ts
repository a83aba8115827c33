import { Test } from '@nestjs/testing';
import { DomainEventBus, EventsModule } from '../common/events';
import { DeploymentChangeListener } from './deployment-change.listener';
import { PredictionService } from './prediction.service';

/** The real event bus, the listener, and a PredictionService that records what it was asked. */
async function boot() {
  const calls: string[] = [];
  let finishWarm: () => void = () => undefined;
  const prediction = {
    invalidate: (id: string) => calls.push(`invalidate ${id}`),
    warm: (id: string, v: string) => {
      calls.push(`warm ${id}@${v}`);
      return new Promise<void>((resolve) => (finishWarm = resolve));
    },
  };
  const moduleRef = await Test.createTestingModule({
    imports: [EventsModule],
    providers: [DeploymentChangeListener, { provide: PredictionService, useValue: prediction }],
  }).compile();
  const app = await moduleRef.init();
  return { app, bus: app.get(DomainEventBus), calls, finishWarm: () => finishWarm() };
}

describe('DeploymentChangeListener', () => {
  it('a deploy drops the resolutions before publish resolves and warms the active version without waiting for it', async () => {
    const { app, bus, calls, finishWarm } = await boot();
    // The warm never finishes before publish returns: publish must not wait for it.
    await bus.publish('deployment.changed', {
      modelId: 'm',
      deploymentId: 'd1',
      change: 'deployed',
      activeVersion: '1.1.0',
      challengerVersion: null,
    });
    expect(calls).toEqual(['invalidate m', 'warm m@1.1.0']);
    finishWarm();
    await app.close();
  });

  it('a challenger added warms the challenger; an undeploy warms nothing', async () => {
    const { app, bus, calls } = await boot();
    await bus.publish('deployment.changed', {
      modelId: 'm',
      deploymentId: 'd1',
      change: 'challenger_added',
      activeVersion: '1.0.0',
      challengerVersion: '1.2.0',
    });
    await bus.publish('deployment.changed', {
      modelId: 'm',
      deploymentId: 'd1',
      change: 'undeployed',
      activeVersion: null,
      challengerVersion: null,
    });
    expect(calls).toEqual(['invalidate m', 'warm m@1.2.0', 'invalidate m']);
    await app.close();
  });

  it('a warm that fails stays off the publisher (fire and forget)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [EventsModule],
      providers: [
        DeploymentChangeListener,
        {
          provide: PredictionService,
          useValue: { invalidate: () => undefined, warm: () => Promise.reject(new Error('artifacts gone')) },
        },
      ],
    }).compile();
    const app = await moduleRef.init();
    await expect(
      app.get(DomainEventBus).publish('deployment.changed', {
        modelId: 'm',
        deploymentId: 'd1',
        change: 'rolled_back',
        activeVersion: '1.0.0',
        challengerVersion: null,
      }),
    ).resolves.toBeUndefined();
    await app.close();
  });
});
