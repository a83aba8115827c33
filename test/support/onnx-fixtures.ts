/**
 * Small ONNX files built here (the tests need no converter): a linear model, a tree ensemble
 * in the ONNX-ML TreeEnsembleRegressor form that LightGBM/scikit-learn converters emit, and
 * broken variants for the importer's rejections.
 */
import { attr, DT_FLOAT, encodeModel, type OnnxModelSpec } from '../../src/ml/onnx';
import { ProtoWriter } from '../../src/ml/onnx/protobuf';

/** y = x · w + b over [batch, F] (window 1), opset 13. */
export function linearOnnx(
  w: number[],
  b: number,
  opts: { opset?: number; inputShape?: Array<number | string> } = {},
): Uint8Array {
  return encodeModel({
    graphName: 'linear',
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['xw'] },
      { op: 'Add', inputs: ['xw', 'b'], outputs: ['y'] },
    ],
    initializers: [
      { name: 'w', dims: [w.length, 1], type: DT_FLOAT, values: w },
      { name: 'b', dims: [1], type: DT_FLOAT, values: [b] },
    ],
    inputs: [{ name: 'x', shape: opts.inputShape ?? ['N', w.length] }],
    outputs: [{ name: 'y', shape: ['N', 1] }],
    opsets: { '': opts.opset ?? 13 },
    producer: { name: 'test-fixture', version: '1' },
  });
}

export interface Tree {
  /** Nodes in id order: a branch (x[feature] <= value ? true : false) or a leaf weight. */
  nodes: Array<{ feature: number; value: number; true: number; false: number } | { leaf: number }>;
}

/** A TreeEnsembleRegressor (ai.onnx.ml opset 3) summing the trees' leaves plus `base`. */
export function treeEnsembleOnnx(trees: Tree[], features: number, base: number): Uint8Array {
  const a = {
    treeids: [] as number[],
    nodeids: [] as number[],
    featureids: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    t: [] as number[],
    f: [] as number[],
  };
  const targets = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] };
  trees.forEach((tree, ti) =>
    tree.nodes.forEach((n, ni) => {
      a.treeids.push(ti);
      a.nodeids.push(ni);
      if ('leaf' in n) {
        a.featureids.push(0);
        a.modes.push('LEAF');
        a.values.push(0);
        a.t.push(0);
        a.f.push(0);
        targets.treeids.push(ti);
        targets.nodeids.push(ni);
        targets.ids.push(0);
        targets.weights.push(n.leaf);
      } else {
        a.featureids.push(n.feature);
        a.modes.push('BRANCH_LEQ');
        a.values.push(n.value);
        a.t.push(n.true);
        a.f.push(n.false);
      }
    }),
  );
  return encodeModel({
    graphName: 'lightgbm_like',
    nodes: [
      {
        op: 'TreeEnsembleRegressor',
        domain: 'ai.onnx.ml',
        inputs: ['input'],
        outputs: ['variable'],
        attrs: {
          n_targets: 1,
          aggregate_function: 'SUM',
          post_transform: 'NONE',
          base_values: attr.floats([base]),
          nodes_treeids: a.treeids,
          nodes_nodeids: a.nodeids,
          nodes_featureids: a.featureids,
          nodes_modes: a.modes,
          nodes_values: attr.floats(a.values),
          nodes_truenodeids: a.t,
          nodes_falsenodeids: a.f,
          target_treeids: targets.treeids,
          target_nodeids: targets.nodeids,
          target_ids: targets.ids,
          target_weights: attr.floats(targets.weights),
        },
      },
    ],
    initializers: [],
    inputs: [{ name: 'input', shape: ['N', features] }],
    outputs: [{ name: 'variable', shape: ['N', 1] }],
    opsets: { '': 15, 'ai.onnx.ml': 3 },
    producer: { name: 'onnxmltools-like', version: '1' },
  });
}

/** The tree ensemble's value, evaluated by hand. */
export function evalTrees(trees: Tree[], x: number[], base: number): number {
  let sum = base;
  for (const tree of trees) {
    let i = 0;
    for (;;) {
      const n = tree.nodes[i];
      if ('leaf' in n) {
        sum += n.leaf;
        break;
      }
      i = x[n.feature] <= n.value ? n.true : n.false;
    }
  }
  return sum;
}

/** A model whose one node is an operator nobody implements. */
export function unknownOperatorOnnx(): Uint8Array {
  return encodeModel({
    graphName: 'bad',
    nodes: [{ op: 'FluxCapacitor', inputs: ['x'], outputs: ['y'] }],
    initializers: [],
    inputs: [{ name: 'x', shape: ['N', 2] }],
    outputs: [{ name: 'y', shape: ['N', 1] }],
    opsets: { '': 13 },
  });
}

/** A linear model whose weight initializer points at an external file. */
export function externalDataOnnx(): Uint8Array {
  const spec: OnnxModelSpec = {
    graphName: 'ext',
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [],
    inputs: [{ name: 'x', shape: ['N', 2] }],
    outputs: [{ name: 'y', shape: ['N', 1] }],
    opsets: { '': 13 },
  };
  // Encode by hand: an initializer with data_location = EXTERNAL and a location entry.
  const w = new ProtoWriter();
  w.int(1, 8);
  w.message(7, (g) => {
    g.message(1, (n) => n.string(1, 'x').string(1, 'w').string(2, 'y').string(3, 'mm').string(4, 'MatMul'));
    g.string(2, spec.graphName);
    g.message(5, (t) =>
      t
        .packedInts(1, [2, 1])
        .int(2, DT_FLOAT)
        .string(8, 'w')
        .message(13, (e) => e.string(1, 'location').string(2, '../../../../etc/passwd'))
        .int(14, 1),
    );
    g.message(11, (v) =>
      v
        .string(1, 'x')
        .message(2, (ty) =>
          ty.message(1, (tt) =>
            tt.int(1, DT_FLOAT).message(2, (s) => s.message(1, (d) => d.string(2, 'N')).message(1, (d) => d.int(1, 2))),
          ),
        ),
    );
    g.message(12, (v) => v.string(1, 'y').message(2, (ty) => ty.message(1, (tt) => tt.int(1, DT_FLOAT))));
  });
  w.message(8, (o) => o.string(1, '').int(2, 13));
  return w.finish();
}
