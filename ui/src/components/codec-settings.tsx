/** The header's "Codec" button and its dialog: the codec endpoint setting of this browser (codec.ts). */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getCodecSettings, parseCodecEndpoint, saveCodecSettings, useCodecSettings } from '../codec.js';

function CodecSettingsDialog({ onClose }: { onClose: () => void }): JSX.Element {
  const current = getCodecSettings();
  const [endpoint, setEndpoint] = useState(current?.endpoint ?? '');
  const [passApiKey, setPassApiKey] = useState(current?.passApiKey ?? false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const save = (): void => {
    if (!endpoint.trim()) {
      saveCodecSettings(undefined);
      onClose();
      return;
    }
    try {
      saveCodecSettings({ endpoint: parseCodecEndpoint(endpoint), passApiKey });
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label="Codec endpoint">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <h3>Codec endpoint</h3>
          <div class="modal-body">
            <p class="small">
              A codec server (<code>weft/codec-server</code>) that decodes encrypted or encoded payloads for you. This
              browser sends the payloads a page shows to <code>POST &lt;endpoint&gt;/decode</code> itself: the Weft
              server never sees the keys or the decoded data. Kept in this browser; leave it empty to show payloads as
              stored.
            </p>
            <label class="stack">
              Codec endpoint URL
              <input
                value={endpoint}
                placeholder="http://127.0.0.1:8888"
                spellcheck={false}
                autocomplete="off"
                aria-label="Codec endpoint URL"
                onInput={(e) => {
                  setEndpoint(e.currentTarget.value);
                  setError(undefined);
                }}
                autofocus
              />
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={passApiKey}
                aria-label="Pass the Weft API key to the codec endpoint"
                onChange={(e) => setPassApiKey(e.currentTarget.checked)}
              />
              Pass this session's Weft API key to the codec endpoint (as <code>Authorization: Bearer …</code>)
            </label>
          </div>
          {error ? (
            <div class="error-box" role="alert" data-testid="codec-endpoint-error">
              {error}
            </div>
          ) : null}
          <div class="modal-actions">
            {current ? (
              <button
                type="button"
                class="btn btn-warn"
                onClick={() => {
                  saveCodecSettings(undefined);
                  onClose();
                }}
              >
                Turn off
              </button>
            ) : null}
            <div class="spacer" />
            <button type="button" class="btn" onClick={onClose}>
              Back
            </button>
            <button type="submit" class="btn btn-primary">
              Save
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

export function CodecSettingsButton(): JSX.Element {
  const settings = useCodecSettings();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        class={`btn-header ${settings ? 'btn-header-on' : ''}`}
        aria-label="Codec endpoint settings"
        title={settings ? `Payloads decoded by ${settings.endpoint}` : 'Set a codec endpoint to see payloads decoded'}
        onClick={() => setOpen(true)}
      >
        {settings ? 'Codec: on' : 'Codec'}
      </button>
      {open ? <CodecSettingsDialog onClose={() => setOpen(false)} /> : null}
    </>
  );
}
