// The page's view of one turn: Nacre's reply (or "passed to the assistant" with the
// guidance), the category and user-type probabilities as bars, and the reasoning trace.
import { h, resourceList } from "./dom.js";
import { passesOn } from "./guard.js";

/** Head order of `category_probs` and `user_type_probs` (src/taxonomy.rs). */
const CATEGORIES = ["none", "self_harm", "violence", "weapons_cbrne", "cyber", "fraud_crime", "drugs", "sexual",
  "child_safety", "hate_harassment", "privacy", "misinformation", "specialized_advice", "intellectual_property",
  "gambling", "extremism_cults"];
const USER_TYPES = ["benign", "vulnerable", "malicious"];
/** Categories shown as bars: the most likely ones. */
const TOP_CATEGORIES = 5;

const label = (name) => name.replaceAll("_", " ");
const percent = (p) => `${(100 * p).toFixed(1)}%`;

/** Labelled bars for `[name, probability]` pairs. */
function bars(title, pairs) {
  return h(
    "figure",
    { className: "bars" },
    h("figcaption", {}, title),
    pairs.map(([name, p]) =>
      h(
        "div",
        { className: "bar", dataset: { name } },
        h("span", { className: "bar-label" }, label(name)),
        h("meter", { min: 0, max: 1, value: p, attrs: { "aria-label": `${label(name)}: ${percent(p)}` } }),
        h("span", { className: "bar-value" }, percent(p)),
      ),
    ),
  );
}

/** `term: value` rows. */
function facts(rows) {
  return h("dl", {}, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, String(value))]));
}

function traceView(trace) {
  const { user_needs: needs, risk_intent: risk, guideline, strategies, utilities, decided_by: decided } = trace;
  const decidedBy =
    decided.by === "rule"
      ? `the rule "${label(decided.rule)}", which overruled ${label(decided.overruled)}`
      : "the highest expected utility";
  return h(
    "details",
    { className: "trace" },
    h("summary", {}, "Reasoning trace"),
    h("h4", {}, "1. User needs"),
    facts([["need", label(needs.need)], ["likely user", needs.likely_user]]),
    h("h4", {}, "2. Risk and intent"),
    facts([
      ["category", label(risk.category)],
      ["risk", percent(risk.risk)],
      ["severity", `${risk.severity} (expected ${risk.expected_severity.toFixed(2)})`],
      ["form", risk.form],
      ["jailbreak", percent(risk.jailbreak)],
      ["aggressive", risk.aggressive ? "yes" : "no"],
      ["obfuscated", risk.obfuscated ? "yes" : "no"],
    ]),
    h("h4", {}, "3. Guideline"),
    facts([
      ["help with", guideline.help_with],
      ["leave out", guideline.leave_out || "nothing"],
      ["add", guideline.add || "nothing"],
    ]),
    h("h4", {}, "4. Strategies"),
    facts([
      ["withhold", strategies.safety.withhold ?? "nothing"],
      ["serve", strategies.usefulness.serve ?? "nothing"],
      ["rules that held", strategies.safety.rules.map(label).join(", ") || "none"],
    ]),
    h("h4", {}, "5. Expected utilities"),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "strategy"), h("th", { scope: "col" }, "EU"), h("th", { scope: "col" }, "allowed"))),
      h(
        "tbody",
        {},
        utilities.map((u) =>
          h("tr", {}, h("th", { scope: "row" }, label(u.strategy)), h("td", {}, u.expected.toFixed(3)), h("td", {}, u.allowed ? "yes" : "no")),
        ),
      ),
    ),
    h("p", {}, `Decided by ${decidedBy}. Policy ${trace.policy_version}.`),
  );
}

/** Nacre's side of one turn, answered in `ms` milliseconds. */
export function turnView(turn, ms) {
  const { assessment, reply } = turn;
  const passed = passesOn(turn);
  const categories = CATEGORIES.map((name, i) => [name, assessment.category_probs[i]])
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_CATEGORIES);
  return h(
    "div",
    { className: "turn" },
    h(
      "p",
      { className: "meta" },
      h("span", { className: "strategy", dataset: { strategy: reply.strategy } }, label(reply.strategy)),
      h("span", { className: "latency" }, `${Math.round(ms)} ms`),
    ),
    passed
      ? h(
          "div",
          { className: "passed" },
          h("p", {}, "Passed to the site's assistant."),
          reply.guidance && h("p", { className: "guidance" }, h("strong", {}, "Guidance: "), reply.guidance),
        )
      : h("p", { className: "message" }, reply.message),
    reply.resources.length > 0 && resourceList(reply.resources),
    h(
      "div",
      { className: "probabilities" },
      bars("Category", categories),
      bars("User type", USER_TYPES.map((name, i) => [name, assessment.user_type_probs[i]])),
    ),
    traceView(turn.decision.trace),
  );
}
