export { DomainEventBus, OnDomainEvent, type DomainEventPayload } from './domain-event-bus';
export type { DomainEvents, DomainEventName } from './domain-events';
export { EventsModule } from './events.module';
