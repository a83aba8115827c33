import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import type { DomainEventName, DomainEvents } from './domain-events';

/**
 * Typed publishing over @nestjs/event-emitter. `publish` waits for every subscriber (they run
 * concurrently) and rejects with the first subscriber error, so a publisher that must not go on
 * before subscribers have reacted (deploy → prediction drops its cache before the response)
 * can await it. Subscribers are registered at application bootstrap: publishing from an
 * `onModuleInit` reaches nobody.
 */
@Injectable()
export class DomainEventBus {
  constructor(private readonly emitter: EventEmitter2) {}

  async publish<K extends DomainEventName>(name: K, payload: DomainEvents[K]): Promise<void> {
    await this.emitter.emitAsync(name, payload);
  }
}

/** `@OnDomainEvent('deployment.changed')` on a provider method: a typed `@OnEvent`. */
export function OnDomainEvent<K extends DomainEventName>(name: K): MethodDecorator {
  return OnEvent(name, { async: false, promisify: true, suppressErrors: false });
}

/** The payload type of an event, for a subscriber's parameter. */
export type DomainEventPayload<K extends DomainEventName> = DomainEvents[K];
