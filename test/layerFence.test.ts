/**
 * The layer fence in eslint.config.js (issue 17): the page imports only the protocol and the
 * contract, the engine no session/state/ui/storage, the contract no tfjs and no other layer.
 * Lints made-up files with the project's own config and checks which imports the rule reports.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const RULE = 'no-restricted-imports';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The fence's messages for `code` linted as if it were the file at `filePath`. */
async function fenceErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('the layer fence', () => {
  it("stops a page file that imports the engine's compute", async () => {
    const errors = await fenceErrors(
      'src/ui/FenceProbe.tsx',
      "import { sample } from '../engine/model/sample';\nexport const s = sample;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/src\/contract/);
  });

  it('stops a state file that imports the session, the storage or tfjs', async () => {
    const errors = await fenceErrors(
      'src/state/fenceProbe.ts',
      [
        "import { LabSession } from '../session/labSession';",
        "import { openRunStore } from '../storage/runStore';",
        "import * as tf from '@tensorflow/tfjs';",
        'export const x = [LabSession, openRunStore, tf];',
      ].join('\n'),
    );
    expect(errors).toHaveLength(3);
  });

  it('lets a page file import the contract and the protocol', async () => {
    const errors = await fenceErrors(
      'src/ui/FenceProbe.tsx',
      [
        "import { formatBytes } from '../contract/format';",
        "import { presetConfig } from '../contract/presets';",
        "import type { WorkerCommand } from '../session/protocol';",
        "import { useLab } from '../state/labStore';",
        'export const x: [unknown, unknown, WorkerCommand | null, unknown] = [formatBytes, presetConfig, null, useLab];',
      ].join('\n'),
    );
    expect(errors).toEqual([]);
  });

  it('stops main.tsx importing the engine', async () => {
    const errors = await fenceErrors(
      'src/main.tsx',
      "import { createStudent } from './engine/student';\nexport const c = createStudent;\n",
    );
    expect(errors).toHaveLength(1);
  });

  it('stops the engine importing the session, the page or the storage', async () => {
    const errors = await fenceErrors(
      'src/engine/loop/fenceProbe.ts',
      [
        "import { LabSession } from '../../session/labSession';",
        "import { useLab } from '../../state/labStore';",
        "import { openRunStore } from '../../storage/runStore';",
        "import { parseConfig } from '../../contract/config';",
        "import { sample } from '../model/sample';",
        'export const x = [LabSession, useLab, openRunStore, parseConfig, sample];',
      ].join('\n'),
    );
    expect(errors).toHaveLength(3);
  });

  it('keeps the contract pure: no tfjs, no engine', async () => {
    const errors = await fenceErrors(
      'src/contract/fenceProbe.ts',
      [
        "import * as tf from '@tensorflow/tfjs';",
        "import { sample } from '../engine/model/sample';",
        "import { parseConfig } from './config';",
        "import { z } from 'zod';",
        'export const x = [tf, sample, parseConfig, z];',
      ].join('\n'),
    );
    expect(errors).toHaveLength(2);
  });

  it('lets the protocol name only the contract', async () => {
    expect(
      await fenceErrors(
        'src/session/protocol.ts',
        "import type { RunRecord } from '../storage/runStore';\nexport type R = RunRecord;\n",
      ),
    ).toHaveLength(1);
    expect(
      await fenceErrors(
        'src/session/protocol.ts',
        "import type { RunRecord } from '../contract/runRecord';\nexport type R = RunRecord;\n",
      ),
    ).toEqual([]);
  });
});
