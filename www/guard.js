// Nacre in front of a site's own chat function. Works with the wasm package's `Nacre` and
// with `NacreClient` (the worker), which answer `respond` with the same turn.

/** Whether Nacre passes `turn`'s message on to the site's assistant (answer strategies). */
export function passesOn(turn) {
  return turn.decision.trace.strategies.usefulness.handed_on;
}

/**
 * `nacre.respond(text, options)`, then, when the message is passed on,
 * `await siteReply(text, { strategy, guidance })`. Resolves to the turn plus `passed_on`
 * and `answer`: the site's reply, or Nacre's own message (the site never sees the text).
 */
export async function guard(nacre, text, siteReply, options) {
  const turn = await nacre.respond(text, options);
  const passedOn = passesOn(turn);
  const { strategy, guidance, message } = turn.reply;
  const answer = passedOn ? await siteReply(text, { strategy, guidance }) : message;
  return { ...turn, passed_on: passedOn, answer };
}
