import { api } from "../api/client";
import type { Me } from "../api/types";
import { errorMessage } from "../components/format";
import { Link } from "../components/Link";
import { DeadLetters } from "../components/pipeline/DeadLetters";
import { DemoControls } from "../components/pipeline/DemoControls";
import { LagChart } from "../components/pipeline/LagChart";
import { LagTable } from "../components/pipeline/LagTable";
import { usePolledResource } from "../hooks/usePolledResource";
import { useScrollToHash } from "../hooks/useScrollToHash";
import { useStore } from "../hooks/useStore";
import { addLagReport, type LagHistory } from "../state/lagHistory";
import { createStore } from "../state/store";

const POLL_MS = 2000;

/** Kept outside the page so the chart's five minutes survive a visit to another page. */
const lagHistory = createStore<LagHistory>({});

export function PipelinePage({ me }: { me: Me }) {
  if (!me.isStaff) return <CustomerDemoControls />;
  return <StaffPipeline />;
}

/**
 * Customers see the demo controls read-only: a delay or a failure applies to
 * every user's orders, so only staff may change them. Seeing them explains
 * what the customer's own pages show (a slow badge, a failure message).
 */
function CustomerDemoControls() {
  useScrollToHash();
  return (
    <>
      <h1 tabIndex={-1}>Demo controls</h1>
      <p className="source-note">
        Staff can slow each read model down or make its next event fail, to show how the pages
        cope. They apply to everyone’s orders, so here you can see them but not change them: log
        in as <code>staff</code> to try them. <Link to="/">Back to your orders</Link>
      </p>
      <DemoControls readOnly />
    </>
  );
}

function StaffPipeline() {
  const lag = usePolledResource("ops-lag", (signal) => api.lag(signal), {
    intervalMs: POLL_MS,
    onData: (report) => lagHistory.set((history) => addLagReport(history, report, Date.now())),
  });
  const history = useStore(lagHistory);
  useScrollToHash();

  return (
    <>
      <h1 tabIndex={-1}>Pipeline</h1>
      <p className="source-note">
        How far each read model is behind the event log, polled every 2 s from{" "}
        <code>/api/ops/lag</code>. Lag counts pending work: an idle pipeline is at zero.
      </p>
      {lag.error ? (
        <p role="alert" className="refresh-problem">
          Could not read the lag: {errorMessage(lag.error)}
        </p>
      ) : null}
      {lag.data ? (
        <>
          <LagChart history={history} latest={lag.data.readModels} />
          <LagTable readModels={lag.data.readModels} />
        </>
      ) : (
        !lag.error && <p>Loading…</p>
      )}
      <DeadLetters />
      <DemoControls />
    </>
  );
}
