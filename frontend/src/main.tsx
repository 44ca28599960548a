import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { startRouter } from "./app/router";
import { startBadgeSweeper, startPatternsSync } from "./app/stores";
import "./app.css";

startRouter();
startPatternsSync();
startBadgeSweeper();

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
