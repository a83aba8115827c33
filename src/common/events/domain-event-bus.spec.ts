import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DomainEventBus, EventsModule, OnDomainEvent, type DomainEventPayload } from './index';

@Injectable()
class PredictionCacheProbe {
  readonly seen: string[] = [];
  failNext = false;

  @OnDomainEvent('deployment.changed')
  async onDeploymentChanged(event: DomainEventPayload<'deployment.changed'>): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (this.failNext) throw new Error('warm failed');
    this.seen.push(`${event.modelId}@${event.activeVersion}`);
  }
}

describe('DomainEventBus', () => {
  async function boot() {
    const moduleRef = await Test.createTestingModule({
      imports: [EventsModule],
      providers: [PredictionCacheProbe],
    }).compile();
    const app = await moduleRef.init();
    return { app, bus: app.get(DomainEventBus), probe: app.get(PredictionCacheProbe) };
  }

  it('publish resolves only after an async subscriber has finished', async () => {
    const { app, bus, probe } = await boot();
    await bus.publish('deployment.changed', {
      modelId: 'm1',
      deploymentId: 'd1',
      change: 'deployed',
      activeVersion: '1.0.0',
      challengerVersion: null,
    });
    expect(probe.seen).toEqual(['m1@1.0.0']);
    await app.close();
  });

  it("a subscriber's error reaches the publisher instead of being swallowed", async () => {
    const { app, bus, probe } = await boot();
    probe.failNext = true;
    await expect(
      bus.publish('deployment.changed', {
        modelId: 'm1',
        deploymentId: null,
        change: 'undeployed',
        activeVersion: null,
        challengerVersion: null,
      }),
    ).rejects.toThrow('warm failed');
    await app.close();
  });
});
