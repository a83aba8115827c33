import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** degraded / recovered: the active version's live performance crossed the decay test (once per transition). */
export const NOTIFICATION_EVENTS = ['deploy', 'replace', 'rollback', 'undeploy', 'degraded', 'recovered'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One event POSTed to a target's notification URL, and how its delivery went. */
@Entity({ name: 'deployment_notifications' })
@Index('IDX_deployment_notifications_deployment', ['deployment_id'])
export class DeploymentNotification {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  deployment_id: string;

  @Column({ type: 'varchar', length: 16 })
  event: NotificationEvent;

  @Column({ type: 'varchar', length: 64 })
  target: string;

  @Column({ type: 'text' })
  url: string;

  /** The body sent (serialised with JSON.stringify at each attempt and signed as sent). */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16 })
  state: DeliveryState;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'text', nullable: true })
  last_error: string | null;

  @Column({ type: 'int', nullable: true })
  last_status_code: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  last_attempt_at: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  delivered_at: Date | null;
}
