// The mock site's support assistant: canned answers about broadband. It stands in for a
// real chat backend; Nacre decides which messages reach it (and with what guidance).
const answers = [
  [/password/i, "You can reset your password with \"Forgot password\" on the sign-in page. We'll email you a link."],
  [/router|internet|wifi|slow/i, "Sorry about that! Try restarting your router: unplug it for 30 seconds. If the lights stay orange, we'll book an engineer."],
  [/plan|upgrade|price|bill/i, "You can change your plan under Account → Plans. The new plan starts next month."],
];

async function supportAssistant(text, { guidance }) {
  // A real site would send the message and Nacre's guidance (as a system note) to its assistant.
  const answer = answers.find(([pattern]) => pattern.test(text));
  return answer ? answer[1] : `Thanks for your message! An agent will pick this up shortly.${guidance ? " (We'll keep it safe.)" : ""}`;
}

await customElements.whenDefined("nacre-guard");
document.querySelector("nacre-guard").guard(supportAssistant);
