export const DATABASE_KIND = Symbol('DATABASE_KIND');
export type DatabaseKind = 'postgres' | 'embedded';
