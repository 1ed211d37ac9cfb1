import { dismissErrors } from '../state/actions';
import { useLab } from '../state/labStore';

/** Worker errors, shown as plain text (never HTML). */
export function ErrorList() {
  const errors = useLab((s) => s.errors);
  if (errors.length === 0) return null;
  return (
    <div className="errors" role="alert" data-testid="errors">
      {errors.map((e, i) => (
        <div key={i}>{e}</div>
      ))}
      <button className="small-btn dismiss" onClick={dismissErrors}>
        Dismiss
      </button>
    </div>
  );
}
