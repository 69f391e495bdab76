/**
 * The q-quantile of a cumulative histogram (bucket upper bound → count of observations ≤ it),
 * interpolated linearly inside the bucket the rank falls into, as Prometheus' `histogram_quantile`
 * does. A rank in the `+Inf` bucket answers the highest finite bound. `undefined` when empty.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | undefined {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = bounds.length === 0 ? 0 : (buckets.get(bounds[bounds.length - 1]!) ?? 0);
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound) ?? 0;
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
