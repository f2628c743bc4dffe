/** The key prompt: shown when the server needs an API key and the session has none (or it was refused). */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { signIn } from '../auth.js';

export function SignInPanel({ error }: { error?: string }): JSX.Element {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(error);
  return (
    <div class="sign-in">
      <form
        class="card sign-in-card"
        aria-label="Sign in"
        onSubmit={(e) => {
          e.preventDefault();
          const k = key.trim();
          if (!k) return;
          setBusy(true);
          setFailure(undefined);
          signIn(k).catch((err: unknown) => {
            setFailure(err instanceof Error ? err.message : String(err));
            setBusy(false);
          });
        }}
      >
        <h1>This server needs an API key</h1>
        <p class="muted">
          Ask an admin for one (<code>weft api-key create</code>). It is kept for this browser session only: closing the
          tab forgets it.
        </p>
        <label class="stack">
          API key
          <input
            type="password"
            autocomplete="off"
            spellcheck={false}
            aria-label="API key"
            placeholder="weft_…"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            autofocus
          />
        </label>
        {failure ? (
          <div class="error-box" role="alert" data-testid="sign-in-error">
            {failure}
          </div>
        ) : null}
        <div class="sign-in-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || !key.trim()}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </div>
  );
}
