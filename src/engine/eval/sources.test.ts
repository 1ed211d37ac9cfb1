import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../contract/presets';
import { buildTokenizer, heldOutItems, loadItems } from './sources';

describe('loadItems', () => {
  it('generates the requested split, levels and domains deterministically', async () => {
    const data = {
      ...presetConfig('tiny').data,
      domains: ['time' as const],
      trainSize: 20,
      evalSize: 5,
    };
    const a = await loadItems(data, 'eval');
    expect(a.items).toHaveLength(5);
    expect(a.items.every((i) => i.id.startsWith('gen-eval-L1'))).toBe(true);
    expect((await loadItems(data, 'eval')).items).toEqual(a.items);
    const train = await loadItems(data, 'train');
    expect(train.items).toHaveLength(20);
    expect(buildTokenizer(presetConfig('tiny'), train.items).kind).toBe('bpe');
  });

  it('reads GSM8K through readText and reports malformed lines', async () => {
    const data = {
      ...presetConfig('tiny').data,
      source: 'gsm8k' as const,
      gsm8kEval: 'test.jsonl',
      evalSize: 10,
    };
    const text = [
      JSON.stringify({ question: 'What is 2 + 3?', answer: '2 + 3 = 5\n#### 5' }),
      '{not json',
      JSON.stringify({ question: 'What is 4 * 2?', answer: '#### 8' }),
    ].join('\n');
    const r = await loadItems(data, 'eval', async (p) => (p === 'test.jsonl' ? text : ''));
    expect(r.items.map((i) => i.answer)).toEqual(['5', '8']);
    expect(r.warnings[0]).toMatch(/test\.jsonl line 2: invalid JSON/);
    expect(r.warnings[1]).toMatch(/2 usable items, fewer than the 10/);
    await expect(loadItems({ ...data, gsm8kEval: '' }, 'eval')).rejects.toThrow(/data\.gsm8kEval/);
  });
});

describe('heldOutItems', () => {
  it('takes eval.size questions of the eval split, or none with the reason', async () => {
    const c = presetConfig('tiny');
    c.eval.size = 7;
    const held = await heldOutItems(c);
    expect(held.items).toHaveLength(7);
    expect(held.items.every((i) => i.id.startsWith('gen-eval-'))).toBe(true);
    c.rl.evalEvery = 0;
    expect(await heldOutItems(c)).toEqual({ items: [], warnings: [] });
    const gsm = presetConfig('tiny');
    gsm.data.source = 'gsm8k';
    const none = await heldOutItems(gsm);
    expect(none.items).toEqual([]);
    expect(none.warnings[0]).toMatch(/no held-out evaluation: .*gsm8kEval is empty/);
  });
});
