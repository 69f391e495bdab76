/** `[#########.........]  45%  9.0/20 s  4500 sent  12 errors`, redrawn in place on a TTY. */
export function progressBar(
  fraction: number,
  elapsedS: number,
  totalS: number,
  sent: number,
  errors: number,
): string {
  const width = 30;
  const done = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  const percent = String(Math.round(fraction * 100)).padStart(3);
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${percent}%  ${elapsedS.toFixed(1)}/${totalS} s  ${sent} sent  ${errors} errors`;
}
