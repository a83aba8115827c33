// Shared by the image check (deploy-manifests) and the README's Node.js statement (node-versions).

/** Whether a Node.js version satisfies an `engines.node` range (npm's grammar: ||, hyphen ranges, ^ ~ >= > <= < =, x / * / partial versions). */
export function satisfiesNode(version: number[], range: string): boolean {
  const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const parse = (v: string) => {
    const parts = v.replace(/^v/, '').split('.').slice(0, 3);
    const known = parts.findIndex((p) => !/^\d+$/.test(p));
    const n = known === -1 ? parts.length : known;
    const nums = parts.slice(0, n).map(Number);
    return { n, at: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0] };
  };
  const bump = (at: number[], n: number) =>
    n === 1 ? [at[0] + 1, 0, 0] : n === 2 ? [at[0], at[1] + 1, 0] : [at[0], at[1], at[2] + 1];
  const comparator = (c: string): boolean => {
    const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(c)!;
    const op = m[1] ?? '';
    const { n, at } = parse(m[2]);
    if (n === 0) return op === '' || op === '=' || op === '>=' || op === '<=';
    const upper = bump(at, n);
    switch (op) {
      case '>=':
        return cmp(version, at) >= 0;
      case '>':
        return n === 3 ? cmp(version, at) > 0 : cmp(version, upper) >= 0;
      case '<':
        return cmp(version, at) < 0;
      case '<=':
        return n === 3 ? cmp(version, at) <= 0 : cmp(version, upper) < 0;
      case '^':
        return (
          cmp(version, at) >= 0 &&
          cmp(
            version,
            at[0] > 0 || n === 1 ? [at[0] + 1, 0, 0] : at[1] > 0 || n === 2 ? [0, at[1] + 1, 0] : [0, 0, at[2] + 1],
          ) < 0
        );
      case '~':
        return cmp(version, at) >= 0 && cmp(version, n === 1 ? upper : [at[0], at[1] + 1, 0]) < 0;
      default:
        return cmp(version, at) >= 0 && cmp(version, upper) < 0;
    }
  };
  return range.split('||').some((alt) => {
    const text = alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1');
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    const comparators = hyphen ? [`>=${hyphen[1]}`, `<=${hyphen[2]}`] : text.split(/\s+/).filter(Boolean);
    return comparators.every(comparator);
  });
}
