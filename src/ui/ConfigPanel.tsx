import { useMemo } from 'react';
import { configProblem } from '../state/actions';
import { useLab } from '../state/labStore';
import { configSections } from './configFields';
import { FieldInput } from './FieldInput';

/** Sections built once from the schema; the teacher's fields live in the teacher panel. */
const SECTIONS = configSections().filter((s) => s.id !== 'teacher');

/** The run's config, generated from the zod schema, grouped by section. */
export function ConfigPanel() {
  const config = useLab((s) => s.config);
  const problem = useMemo(() => configProblem(config), [config]);
  const urlWarnings = useLab((s) => s.urlWarnings);
  return (
    <section className="panel config-panel" data-testid="config">
      <h2>Config</h2>
      <p className="muted small">
        Defaults come from the preset. <span className="tag tag-live">live</span> fields apply to a
        running run from its next step; <span className="tag tag-restart">restart</span> fields
        build the student, its data, optimizer or reward, and apply at the next start. The page's
        link carries the setup (never the API key).
      </p>
      {urlWarnings.length > 0 && (
        <div className="warn-box" data-testid="url-warnings">
          {urlWarnings.map((w, i) => (
            <div key={i}>{w}</div>
          ))}
        </div>
      )}
      {problem && (
        <div className="field-error" role="alert" data-testid="config-error">
          {problem}
        </div>
      )}
      {SECTIONS.map((section) => (
        <details key={section.id} className="config-section" open={section.id === 'rl'}>
          <summary>{section.title}</summary>
          {section.fields.map((f) => (
            <FieldInput key={f.path} spec={f} />
          ))}
        </details>
      ))}
    </section>
  );
}
