import { useEffect, useRef, useState } from "react";
import { api } from "../../api/client";
import type { DemoSettings, DemoSettingsPatch } from "../../api/types";
import { announce } from "../../app/stores";
import { usePolledResource } from "../../hooks/usePolledResource";
import { READ_MODELS } from "../../state/readModels";
import { errorMessage } from "../format";

const MAX_DELAY_MS = 10_000;
const SAVE_AFTER_MS = 400;

/**
 * Slow a projection down or make its next event fail, to watch the UI
 * patterns cope. Re-read every 5 s: "fail the next event" resets itself on
 * the server once it has fired. A change shows at once (the box ticks when
 * clicked) and is confirmed in words when the server has saved it; a refused
 * change is undone and says why. `readOnly`: shown, not changeable (customers).
 */
export function DemoControls({ readOnly = false }: { readOnly?: boolean }) {
  const settings = usePolledResource("demo-settings", (signal) => api.demoSettings(signal), { intervalMs: 5000 });
  const [server, setServer] = useState<DemoSettings | null>(null);
  // Slider positions not yet saved; they win over the server's values until saved.
  const [drafts, setDrafts] = useState<Record<string, number>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const saveTimer = useRef<number | undefined>(undefined);

  useEffect(() => {
    if (settings.data) setServer(settings.data);
  }, [settings.data]);
  useEffect(() => () => window.clearTimeout(saveTimer.current), []);

  async function save(patch: DemoSettingsPatch, what: string) {
    const before = server;
    if (before && patch.failNext) {
      setServer({ ...before, failNext: { ...before.failNext, ...patch.failNext } }); // at once
    }
    setSaved(null);
    try {
      const next = await api.changeDemoSettings(patch);
      setServer(next);
      setProblem(null);
      setSaved(`Saved: ${what}`);
      announce(what);
    } catch (error) {
      if (before && patch.failNext) setServer(before);
      setProblem(`Could not change the demo settings: ${errorMessage(error)}`);
    }
  }

  function changeDelay(readModel: string, delayMs: number) {
    const next = { ...drafts, [readModel]: delayMs };
    setDrafts(next);
    window.clearTimeout(saveTimer.current);
    saveTimer.current = window.setTimeout(async () => {
      await save({ projectionDelayMs: next }, "Projection delay saved.");
      // Keep drafts the user made while this one was saving.
      setDrafts((current) => Object.fromEntries(Object.entries(current).filter(([name, value]) => next[name] !== value)));
    }, SAVE_AFTER_MS);
  }

  const readModels = server ? Object.keys(server.projectionDelayMs) : READ_MODELS;

  return (
    <section id="demo-controls" aria-labelledby="demo-controls-heading" tabIndex={-1}>
      <h2 id="demo-controls-heading">Demo controls</h2>
      <p className="hint">
        Slow a projection down and watch the “Updating…” badges and the lag chart; make its next
        event fail and watch it land in the dead letters. The <strong>UX patterns</strong> switch
        in the header shows what the UI looks like without the patterns.
      </p>
      {settings.error && !server ? <p role="alert">Could not load the demo settings: {errorMessage(settings.error)}</p> : null}
      {problem && <p role="alert">{problem}</p>}
      {/* Visible to everyone, not only to screen readers (announce() covers those). */}
      <p className="demo-saved" aria-hidden="true">
        {saved ?? "\u00a0"}
      </p>
      {server && (
        <div className="demo-grid">
          {readModels.map((readModel) => {
            const delay = drafts[readModel] ?? server.projectionDelayMs[readModel] ?? 0;
            const sliderId = `delay-${readModel}`;
            const failId = `fail-${readModel}`;
            return (
              <fieldset key={readModel} className="demo-card">
                <legend>
                  <code>{readModel}</code>
                </legend>
                <label htmlFor={sliderId}>Projection delay</label>
                <div className="slider-row">
                  <input
                    id={sliderId}
                    type="range"
                    min={0}
                    max={MAX_DELAY_MS}
                    step={500}
                    value={delay}
                    aria-valuetext={`${delay / 1000} seconds`}
                    disabled={readOnly}
                    onChange={(event) => changeDelay(readModel, Number(event.target.value))}
                  />
                  <output htmlFor={sliderId}>{(delay / 1000).toFixed(1)} s</output>
                </div>
                <label className="checkbox" htmlFor={failId}>
                  <input
                    id={failId}
                    type="checkbox"
                    checked={server.failNext[readModel] ?? false}
                    disabled={readOnly}
                    onChange={(event) =>
                      void save(
                        { failNext: { [readModel]: event.target.checked } },
                        event.target.checked
                          ? `The next event for ${readModel} will fail.`
                          : `${readModel} will process normally.`,
                      )
                    }
                  />
                  Fail the next event
                </label>
              </fieldset>
            );
          })}
        </div>
      )}
    </section>
  );
}
