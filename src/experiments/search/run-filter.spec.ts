import fc from 'fast-check';
import { filterToSql, FilterSyntaxError, orderToSql, parseFilter, parseOrderBy } from './run-filter';

describe('run filter parser (MLflow grammar subset)', () => {
  it('reads metrics, params, tags and attributes joined by AND', () => {
    expect(
      parseFilter(
        "metrics.val_loss < 0.01 AND params.architecture = 'gru' and tags.`team name` != \"fx\" AND attributes.status IN ('FINISHED', 'FAILED')",
      ),
    ).toEqual([
      { entity: 'metrics', key: 'val_loss', op: '<', value: 0.01 },
      { entity: 'params', key: 'architecture', op: '=', value: 'gru' },
      { entity: 'tags', key: 'team name', op: '!=', value: 'fx' },
      { entity: 'attributes', key: 'status', op: 'IN', value: ['FINISHED', 'FAILED'] },
    ]);
    expect(parseFilter("status = 'RUNNING'")).toEqual([
      { entity: 'attributes', key: 'status', op: '=', value: 'RUNNING' },
    ]);
    expect(parseFilter('metric.backtest.sharpe >= -1.5e0')).toEqual([
      { entity: 'metrics', key: 'backtest.sharpe', op: '>=', value: -1.5 },
    ]);
    expect(parseFilter("params.name LIKE 'it''s%'")).toEqual([
      { entity: 'params', key: 'name', op: 'LIKE', value: "it's%" },
    ]);
    expect(parseFilter('attributes.start_time > 1700000000000')).toEqual([
      { entity: 'attributes', key: 'start_time', op: '>', value: 1700000000000 },
    ]);
    expect(parseFilter('')).toEqual([]);
    expect(parseFilter(undefined)).toEqual([]);
  });

  it.each([
    ["metrics.val_loss < 'x'", 19, /expected a number/],
    ["params.a < 'x'", 9, /operator < cannot be used/],
    ['metrics.a = 1 OR metrics.b = 2', 14, /OR is not supported/],
    ['foo = 1', 0, /unknown identifier/],
    ["params.a = 'x", 11, /unterminated/],
    ["attributes.status = 'DONE'", 0, /unknown status/],
    ['metrics.a = 1 metrics.b = 2', 14, /expected AND/],
    ['metrics.a', 9, /comparison operator/],
  ])('rejects %j at position %d', (text, position, reason) => {
    try {
      parseFilter(text);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(FilterSyntaxError);
      expect((e as FilterSyntaxError).position).toBe(position);
      expect((e as FilterSyntaxError).message).toMatch(reason);
    }
  });

  it('reads order_by terms', () => {
    expect(parseOrderBy(['metrics.val_loss ASC', 'params.units desc, start_time'])).toEqual([
      { entity: 'metrics', key: 'val_loss', direction: 'ASC' },
      { entity: 'params', key: 'units', direction: 'DESC' },
      { entity: 'attributes', key: 'start_time', direction: 'DESC' },
    ]);
    expect(() => parseOrderBy('metrics.x SIDEWAYS')).toThrow(FilterSyntaxError);
  });

  it('translates to SQL with every key and value as a parameter', () => {
    const params: unknown[] = ['experiment'];
    const where = filterToSql(
      parseFilter(
        "metrics.val_loss < 0.5 AND params.`x'; DROP TABLE runs; --` = 'y''; --' AND status IN ('FINISHED','KILLED')",
      ),
      params,
    );
    expect(where).toEqual([
      '(r.metrics ->> $2)::double precision < $3::double precision',
      '(r.params ->> $4) = $5::text',
      'r.status IN ($6::text, $7::text)',
    ]);
    expect(params).toEqual(['experiment', 'val_loss', 0.5, "x'; DROP TABLE runs; --", "y'; --", 'FINISHED', 'KILLED']);
    expect(orderToSql(parseOrderBy('metrics.val_loss DESC'), params)).toBe(
      '(r.metrics ->> $8)::double precision DESC NULLS LAST, r.start_time DESC, r.id ASC',
    );
  });

  it.each(['__proto__', 'constructor', 'toString', 'attributes.__proto__', '__proto__.x', 'constructor.key'])(
    'refuses %s as a name (found by fuzzing: it looked up Object.prototype)',
    (name) => {
      expect(() => parseOrderBy(name)).toThrow(FilterSyntaxError);
      expect(() => parseFilter(`${name} = 'x'`)).toThrow(FilterSyntaxError);
    },
  );

  it('never throws anything but FilterSyntaxError, and never puts input into the SQL text', () => {
    const atoms = fc.constantFrom(
      '__proto__',
      'constructor',
      'metrics.a',
      'params.b',
      'tags.c',
      'status',
      'attributes.run_name',
      '`k`',
      '"k"',
      '=',
      '!=',
      '<=',
      'LIKE',
      'ILIKE',
      'IN',
      'NOT',
      'AND',
      'OR',
      "'v'",
      '1',
      '-2.5e3',
      '(',
      ')',
      ',',
      "'",
      '`',
      '"',
      '\\',
      ';',
      'x',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.array(atoms, { maxLength: 12 }).map((a) => a.join(' ')),
        ),
        (text) => {
          try {
            const params: unknown[] = [];
            const sql = filterToSql(parseFilter(text), params).join(' AND ');
            expect(sql).toMatch(/^[\sA-Za-z0-9_.$:()<>=!,>-]*$/);
            expect(orderToSql(parseOrderBy(text), [])).toMatch(/^[\sA-Za-z0-9_.$:()<>=!,>-]*$/);
          } catch (e) {
            if (!(e instanceof FilterSyntaxError)) throw e;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
