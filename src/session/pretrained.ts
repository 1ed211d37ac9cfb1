/**
 * The worker's side of pretrained students: a folder (picked files or a URL) becomes an
 * HfSource; config.json alone gives the shape and memory estimate shown before loading; a
 * loaded model is kept frozen (for sampling) and each run trains a copy made by `withTraining`
 * (LoRA shares the frozen weights; fresh adapters per run).
 */
import type { RunConfig } from '../contract/config';
import { readHfModelInfo, type HfModelInfo } from '../engine/hf/load';
import { sourceFromFiles, sourceFromUrl, type HfSource } from '../engine/hf/source';
import type { PretrainedInfo, PretrainedSource } from './protocol';

/** The HfSource of a protocol source. */
export function hfSourceOf(spec: PretrainedSource, fetchImpl?: typeof fetch): HfSource {
  if (spec.kind === 'url') {
    if (!/^https?:\/\//.test(spec.url))
      throw new Error(
        `"${spec.url}" is not an http(s) URL; give the folder's base URL, e.g. https://huggingface.co/ORG/NAME/resolve/main/.`,
      );
    return sourceFromUrl(spec.url, fetchImpl ?? fetch);
  }
  if (spec.files.length === 0) throw new Error('No files were picked.');
  const folder = spec.files[0].name.includes('/') ? spec.files[0].name.split('/')[0] : null;
  return sourceFromFiles(
    spec.files.map((f) => [f.name, f.file] as const),
    folder ? `${folder} (picked files)` : 'picked files',
  );
}

/** The protocol's summary of a model's config.json. */
export function pretrainedInfo(info: HfModelInfo, student: RunConfig['student']): PretrainedInfo {
  const c = info.config;
  return {
    label: info.label,
    architecture: c.architecture,
    layers: c.layers,
    hidden: c.hidden,
    heads: c.heads,
    kvHeads: c.kvHeads,
    vocab: c.vocab,
    context: c.context,
    torchDtype: info.hfConfig.torch_dtype ?? null,
    estimate: info.estimate,
    lora: student.lora ? { rank: student.loraRank, targets: [...student.loraTargets] } : null,
  };
}

/** Reads config.json only (nothing large is fetched). */
export async function inspectPretrained(
  spec: PretrainedSource,
  student: RunConfig['student'],
  fetchImpl?: typeof fetch,
): Promise<PretrainedInfo> {
  const lora = student.lora ? { rank: student.loraRank, targetModules: student.loraTargets } : null;
  const info = await readHfModelInfo(hfSourceOf(spec, fetchImpl), {
    lora: lora && { ...lora, alpha: student.loraAlpha, seed: 0 },
  });
  return pretrainedInfo(info, student);
}
