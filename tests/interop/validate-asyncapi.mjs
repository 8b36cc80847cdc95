// The AsyncAPI document, read by the official parser (@asyncapi/parser, pinned in
// package.json): prints its diagnostics as JSON, one object per finding, and exits 1 when any
// has severity error (0). Usage: node validate-asyncapi.mjs contracts/asyncapi.json
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';

const [path] = process.argv.slice(2);
const text = await readFile(path, 'utf8');
const { document, diagnostics } = await new Parser().parse(text, { source: path });
const findings = diagnostics.map((d) => ({
  severity: d.severity, // 0 error, 1 warning, 2 information, 3 hint
  code: d.code,
  message: d.message,
  path: d.path.join('/'),
}));
const summary = document
  ? {
      version: document.version(),
      servers: document.servers().all().map((s) => s.id()),
      channels: document.channels().all().map((c) => ({
        id: c.id(),
        address: c.address(),
        parameters: c.parameters().all().map((p) => p.id()),
      })),
      messages: document.components().messages().all().map((m) => ({
        id: m.id(),
        name: m.name(),
        correlationId: m.hasCorrelationId() ? m.correlationId().location() : null,
      })),
    }
  : null;
console.log(JSON.stringify({ findings, document: summary }, null, 2));
process.exit(findings.some((f) => f.severity === 0) || !document ? 1 : 0);
