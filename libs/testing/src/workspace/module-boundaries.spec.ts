import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..', '..');

interface Case {
  file: string;
  code: string;
}

/**
 * Lints in-memory sources as if they lived in a project, with the repo's real ESLint config, in
 * a child process (ESLint loads its flat config as ESM, which Jest's CommonJS sandbox cannot).
 */
function lint(cases: Case[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const c of JSON.parse(process.argv[1])) {
        const [r] = await eslint.lintText(c.code, { filePath: c.file });
        out.push(r.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(2); });`;
  const stdout = execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], {
    cwd: REPO,
    env: { ...process.env, NX_DAEMON: 'false' },
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as string[][];
}

/** The boundary rules are what keeps the worker agent small; prove they bite. */
describe('module boundaries (eslint @nx/enforce-module-boundaries)', () => {
  const importOf = (what: string, from: string) =>
    `import { ${what} } from '${from}';\nexport const x = ${what};\n`;
  const cases: [string, Case, RegExp | null][] = [
    [
      'node_engine may not import mongoose',
      {
        file: 'node_engine/src/probe.ts',
        code: "import mongoose from 'mongoose';\nexport const x = mongoose;\n",
      },
      /not allowed to import "mongoose"/,
    ],
    [
      'node_engine may not import bullmq',
      { file: 'node_engine/src/probe.ts', code: importOf('Queue', 'bullmq') },
      /not allowed to import "bullmq"/,
    ],
    [
      'node_engine may not import @nestjs/*',
      { file: 'node_engine/src/probe.ts', code: importOf('Module', '@nestjs/common') },
      /not allowed to import "@nestjs\/common"/,
    ],
    [
      'node_engine may not import the Nest building blocks',
      { file: 'node_engine/src/probe.ts', code: importOf('ServerConfig', '@canopy/server') },
      /can only depend on libs tagged with "scope:node", "scope:shared"/,
    ],
    [
      'contracts may not import server packages',
      { file: 'libs/contracts/src/probe.ts', code: importOf('Module', '@nestjs/common') },
      /not allowed to import "@nestjs\/common"/,
    ],
    [
      'the root may use the Nest building blocks',
      { file: 'root_orchestrator/src/probe.ts', code: importOf('x', '@canopy/server') },
      null,
    ],
    [
      'node_engine may import shared libs',
      { file: 'node_engine/src/probe.ts', code: importOf('createLogger', '@canopy/common') },
      null,
    ],
  ];

  it('rejects and allows exactly what the tags say', () => {
    const results = lint(cases.map(([, c]) => c));
    cases.forEach(([name, , expected], i) => {
      const messages = results[i] ?? [];
      if (expected)
        expect({ name, messages: messages.join('\n') }).toEqual({
          name,
          messages: expect.stringMatching(expected),
        });
      else expect({ name, messages }).toEqual({ name, messages: [] });
    });
  }, 60_000);
});
