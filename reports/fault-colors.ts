/** The colour that shades each fault kind's windows in the charts (presentation only: results carry no colour). */
const FAULT_KIND_COLORS: Readonly<Record<string, string>> = {
  calm: '#adb5bd',
  latency: '#f4a261',
  partition: '#e63946',
  'reset-peer': '#d62828',
  bandwidth: '#2a9d8f',
  'slow-close': '#8d99ae',
  slicer: '#6a4c93',
  'redis-crash': '#9d0208',
  'redis-pause': '#ffb703',
  'mysql-pause': '#fb8500',
  'replica-lag': '#4361ee',
};
/** Kinds added later than this table still get a visible band. */
const OTHER_FAULT_COLOR = '#e4572e';

/**
 * The colour of a fault window, by its kind; results written before windows carried a kind
 * name the fault only (`redis-latency`), so the link prefix is dropped to find the kind.
 */
export function faultColor(fault: { kind?: string | undefined; name: string }): string {
  const kind = fault.kind ?? fault.name.replace(/^(redis|mysql)-(?!crash$|pause$)/, '');
  return FAULT_KIND_COLORS[kind] ?? OTHER_FAULT_COLOR;
}
