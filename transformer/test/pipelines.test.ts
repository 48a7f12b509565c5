import { compileFixture } from './support/findings';

/** The golden app (its main reads `process` and writes to `console`), with the plugin options given. */
const compileGolden = (pluginOptions: Record<string, unknown> = {}) => compileFixture('golden/basics', pluginOptions, { types: ['node'] });

// The `compilePipelines` plugin option: each handler's generated pipeline (emit/pipeline-programmer.ts), or none.
// Its behaviour is pinned by runtime/test/compiled-pipeline.test.ts; the golden tests run it compiled by tspc.

describe('compilePipelines', () => {
  it('writes a pipeline before each handler description and names it there, by default', () => {
    const { findings, typeErrors, emitted } = compileGolden();
    expect([...findings, ...typeErrors]).toEqual([]);
    const handlers = emitted.get('src/handlers.js')!;
    const declared = handlers.indexOf('const __catga_pipeline_PlaceOrderHandler = (slots, route) => {');
    expect(declared).toBeGreaterThan(-1);
    expect(handlers.indexOf('create: __catga_pipeline_PlaceOrderHandler,')).toBeGreaterThan(declared);
  });

  it('writes none with false: the runtime keeps its shared hooked run', () => {
    const { findings, typeErrors, emitted } = compileGolden({ compilePipelines: false });
    expect([...findings, ...typeErrors]).toEqual([]);
    const handlers = emitted.get('src/handlers.js')!;
    expect(handlers).toContain('__catga.defineHandler(PlaceOrderHandler, {');
    expect(handlers).not.toContain('__catga_pipeline_');
    expect(handlers).not.toContain('pipeline: {');
  });

  it('must be a boolean', () => {
    expect(() => compileGolden({ compilePipelines: 'yes' })).toThrow('@catga/transformer: option "compilePipelines" must be true or false, got "yes"');
  });
});
