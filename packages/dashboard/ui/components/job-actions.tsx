/**
 * Run now, pause, resume and remove (after a confirmation dialog). The app does not render this
 * in read-only mode. Each result is announced in a live region.
 */
import { useRef, useState } from 'preact/hooks';
import { jobPath, postAction, type JobDetail } from '../api.js';

/** Options of {@link JobActions}. */
export interface JobActionsProps {
  job: JobDetail;
  /** Called after an action changed the job (to reload it). */
  onChanged: () => void;
  /** Called once the job was removed. */
  onRemoved: () => void;
}

/** The action buttons of a job and the live region that reports what they did. */
export function JobActions({ job, onChanged, onRemoved }: JobActionsProps) {
  const [status, setStatus] = useState<{ text: string; failed: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  async function act(action: 'run' | 'pause' | 'resume' | 'remove', done: string): Promise<void> {
    setBusy(true);
    try {
      const body = await postAction<{ job?: unknown }>(`${jobPath(job.id)}/${action}`);
      if (action === 'resume' && body.job === null) {
        setStatus({ text: `${job.name} has no run time left and was removed.`, failed: false });
        onRemoved();
      } else {
        setStatus({ text: done, failed: false });
        if (action === 'remove') onRemoved();
        else onChanged();
      }
    } catch (error) {
      setStatus({
        text: `Could not ${action === 'run' ? 'run' : action} ${job.name}: ${(error as Error).message}`,
        failed: true,
      });
    } finally {
      setBusy(false);
    }
  }

  const paused = job.state === 'paused';
  // A job its store cannot restore can only be removed: it has no task to run or schedule.
  const restorable = job.state !== 'unrestorable';
  return (
    <div class="actions">
      <div class="buttons" role="group" aria-label="Actions">
        {restorable && (
          <button
            type="button"
            class="primary"
            disabled={busy}
            onClick={() => void act('run', `${job.name} was started.`)}
          >
            Run now
          </button>
        )}
        {!restorable ? null : paused ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => void act('resume', `${job.name} was resumed.`)}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() => void act('pause', `${job.name} was paused.`)}
          >
            Pause
          </button>
        )}
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={() => dialog.current?.showModal()}
        >
          Remove…
        </button>
      </div>
      <p class={`status ${status?.failed ? 'error-text' : ''}`} role="status" aria-live="polite">
        {status?.text ?? ''}
      </p>
      {/* No <form method="dialog">: the CSP's form-action 'none' is kept free of exceptions. */}
      <dialog ref={dialog} aria-labelledby="remove-title" aria-describedby="remove-text">
        <h2 id="remove-title">Remove {job.name}?</h2>
        <p id="remove-text">The job and its schedule are deleted from the store.</p>
        <div class="buttons">
          <button type="button" autofocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            class="danger"
            onClick={() => {
              dialog.current?.close();
              void act('remove', `${job.name} was removed.`);
            }}
          >
            Remove
          </button>
        </div>
      </dialog>
    </div>
  );
}
