import { predictionsCsv } from './predictions-csv';

describe('predictions.csv', () => {
  it('writes the documented header, then validation and test rows; every number parses back to the same double', () => {
    const values = [0.1 + 0.2, -1.2345678901234566e-7, 1 / 3, 0];
    const text = predictionsCsv([
      {
        part: 'validation',
        timestamps: [Date.UTC(2020, 0, 1)],
        symbols: ['EUR/USD'],
        prediction: [values[0]],
        realised: [values[1]],
      },
      {
        part: 'test',
        timestamps: [Date.UTC(2020, 0, 2)],
        symbols: ['EUR/USD'],
        prediction: [values[2]],
        realised: [values[3]],
      },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,symbol,part,prediction,realised');
    expect(lines[1]).toBe('2020-01-01T00:00:00.000Z,EUR/USD,validation,0.30000000000000004,-1.2345678901234566e-7');
    const back = lines.slice(1).flatMap((l) => l.split(',').slice(3).map(Number));
    expect(back).toEqual(values);
  });

  it('appends extra columns (classification) and refuses parts that disagree on them', () => {
    const text = predictionsCsv([
      {
        part: 'test',
        timestamps: [0],
        symbols: ['GBP/USD'],
        prediction: ['up'],
        realised: ['down'],
        extra: [{ name: 'p_up', values: [0.75] }],
      },
    ]);
    expect(text).toBe(
      'timestamp,symbol,part,prediction,realised,p_up\n1970-01-01T00:00:00.000Z,GBP/USD,test,up,down,0.75\n',
    );
    expect(() =>
      predictionsCsv([
        {
          part: 'validation',
          timestamps: [0],
          symbols: ['A'],
          prediction: [1],
          realised: [1],
          extra: [{ name: 'x', values: [1] }],
        },
        { part: 'test', timestamps: [0], symbols: ['A'], prediction: [1], realised: [1] },
      ]),
    ).toThrow(/same extra columns/);
  });
});
