import { useLab } from '../state/labStore';

/** Plain words for the teacher's failure kinds (TeacherFailureKind). */
const KIND_TEXT: Record<string, string> = {
  timeout: 'timed out',
  server_error: 'server error',
  rate_limited: 'rate limited',
  network: 'could not connect',
  cors: 'blocked by CORS',
  auth: 'key refused',
  unknown_model: 'unknown model',
  format: 'reply not in the tag format',
  cancelled: 'cancelled',
  bad_request: 'bad request',
  oversized: 'reply too large',
  bad_json: 'reply not valid JSON (cut off?)',
  redirect: 'redirect not followed',
  deadline: "no answer before the step's teacher deadline",
  too_long: 'guidance longer than the context',
};

/** A step note in plain words: "teacher server_error: …" becomes "Teacher: server error — …". */
export function readableNote(text: string): string {
  const m = /^teacher (\w+): (.*)$/s.exec(text);
  if (!m) return text;
  return `Teacher ${KIND_TEXT[m[1]] ?? m[1]}: ${m[2]}. That rollout stayed unguided; training goes on.`;
}

/** Step notes (teacher failures, skipped updates) and failure counts, as text. */
export function RunNotes() {
  const notes = useLab((s) => s.notes);
  const totals = useLab((s) => s.failureTotals);
  const logs = useLab((s) => s.logs);
  const kinds = Object.entries(totals).filter(([, n]) => n > 0);
  if (notes.length === 0 && kinds.length === 0 && logs.length === 0) return null;
  return (
    <section className="panel notes-panel" data-testid="run-notes">
      <h2>Messages</h2>
      {kinds.length > 0 && (
        <div className="failure-totals" data-testid="teacher-failures">
          Teacher failures this run:{' '}
          {kinds.map(([k, n]) => `${KIND_TEXT[k] ?? k} × ${n}`).join(', ')}
        </div>
      )}
      <ul className="notes">
        {notes
          .slice(-8)
          .reverse()
          .map((n, i) => (
            <li key={`${n.step}-${i}`} data-testid="run-note">
              <span className="muted">step {n.step}</span> {readableNote(n.text)}
            </li>
          ))}
        {logs
          .slice(-4)
          .reverse()
          .map((l, i) => (
            <li key={`log-${i}`} className="muted">
              {l}
            </li>
          ))}
      </ul>
    </section>
  );
}
