// Order statistics shared by the bench page and the driver (nearest-rank quantiles).

/** The q-quantile (0 < q <= 1) of an ascending array, by nearest rank. */
export function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The median of any array of numbers (the lower middle for an even count). */
export function median(values) {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}
