/** `jalad serve`: the cloud side of a split, over HTTP, until SIGTERM or SIGINT. */
import { Command } from 'commander';
import { serveFiles } from '../../src/serve';
import { FLAG_RANGES, parseInputShape, parseInRange } from '../parsers';

interface ServeFlags {
  plan?: string;
  analysis?: string;
  port: number;
  host: string;
  maxBody: number;
  threads: number;
  inputShape?: Map<string, number[]>;
}

/** Builds the `serve` command. */
export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'serve the cloud part of a split (--plan DIR) or of every plan of a decision table (--analysis FILE) over HTTP',
    )
    .option(
      '--plan <dir>',
      'a folder written by `jalad split` (edge.onnx, cloud.onnx, plan.json or split.json)',
    )
    .option('--analysis <file>', 'analysis.json with a decision table: serve every plan in it')
    .option(
      '--input-shape <name=dims>',
      'with --analysis: shape of an input with symbolic dimensions, e.g. x=1x3x96x96 (repeatable; default: the one the analysis ran with)',
      parseInputShape,
    )
    .option('--port <n>', 'TCP port (0: a free one, printed)', parseInRange(FLAG_RANGES.port), 8707)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--max-body <bytes>',
      'largest request body accepted, bytes',
      parseInRange(FLAG_RANGES.bodyBytes),
      64 * 1024 * 1024,
    )
    .option(
      '--threads <n>',
      'ONNX Runtime intra-op threads per cloud part (0: its choice)',
      parseInRange(FLAG_RANGES.threadsOrAuto),
      0,
    )
    .addHelpText(
      'after',
      `
Endpoints: POST /infer?plan=ID (the wire tensors; see GET /plans for IDs), GET /health
(200 when ready, 503 while shutting down), GET /metrics (requests, errors, per-stage ms),
GET /probe?floats=N (an answer of N float32 zeros: jalad run times the answer's cost with it).
A bad request gets a 4xx with a one-line reason. SIGTERM or SIGINT: stop accepting, finish
the requests in flight, exit 0.

Examples:
  jalad serve --plan jalad-split --port 8707
  jalad serve --analysis jalad-out/analysis.json`,
    )
    .action(async (flags: ServeFlags) => {
      const { server, plans } = await serveFiles({
        planDir: flags.plan,
        analysisPath: flags.analysis,
        inputShapes: flags.inputShape,
        port: flags.port,
        host: flags.host,
        maxBodyBytes: flags.maxBody,
        threads: flags.threads,
      });
      process.stdout.write(
        `serving ${plans.length} plan(s) at ${server.url}: ${plans.map((p) => p.label).join(', ')}\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await server.close();
      process.stdout.write('stopped\n');
    });
}
