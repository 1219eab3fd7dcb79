import { UsageError } from './human.js';
import type { SessionView } from './session-view.js';
import { lookup, matchText } from './values.js';

/** `--filter`/`--where` terms: `KEY=VALUE` (the value's text equals VALUE) or `KEY` (present). */
export interface DataFilter {
  readonly key: string;
  /** `undefined`: the key only has to be present. */
  readonly value: string | undefined;
}

/** Which sessions a command works on; every given criterion must hold. */
export interface Selection {
  readonly filters: readonly DataFilter[];
  /** Created more than this many ms ago. */
  readonly olderThanMs?: number | undefined;
  /** Not accessed for more than this many ms. */
  readonly idleLongerThanMs?: number | undefined;
  /** Only records that cannot be read as sessions. */
  readonly corruptOnly?: boolean;
  /** Only sessions whose expiry has passed but which were not swept yet. */
  readonly expiredOnly?: boolean;
  /**
   * Leave out sessions past their expiry (the sooner of the storage's and the record's): what
   * the application would still load. `list` sets it; `purge` looks at every record.
   */
  readonly liveOnly?: boolean;
}

/** Parses repeated `--filter`/`--where` flags; `flag` names them in errors. */
export function parseFilters(flag: string, terms: readonly string[] | undefined): DataFilter[] {
  return (terms ?? []).map((term) => {
    const at = term.indexOf('=');
    const key = at < 0 ? term : term.slice(0, at);
    if (key.trim() === '') throw new UsageError(`${flag}: expected KEY=VALUE or KEY, got ${JSON.stringify(term)}`);
    return { key, value: at < 0 ? undefined : term.slice(at + 1) };
  });
}

/** True when the selection has no criterion at all (every session). */
export function selectsEverything(selection: Selection): boolean {
  return (
    selection.filters.length === 0 &&
    selection.olderThanMs === undefined &&
    selection.idleLongerThanMs === undefined &&
    !selection.corruptOnly &&
    !selection.expiredOnly
  );
}

/** Whether `view` is selected at time `now` (ms). A corrupt record matches no data criterion. */
export function selects(selection: Selection, view: SessionView, now: number): boolean {
  if (selection.corruptOnly && view.corrupt === undefined) return false;
  const expired = view.expires !== null && view.expires <= now;
  if (selection.expiredOnly && !expired) return false;
  if (selection.liveOnly && expired) return false;
  const needsRecord =
    selection.filters.length > 0 || selection.olderThanMs !== undefined || selection.idleLongerThanMs !== undefined;
  if (!needsRecord) return true;
  if (view.corrupt !== undefined || view.created === null || view.accessed === null) return false;
  if (selection.olderThanMs !== undefined && now - view.created <= selection.olderThanMs) return false;
  if (selection.idleLongerThanMs !== undefined && now - view.accessed <= selection.idleLongerThanMs) return false;
  for (const filter of selection.filters) {
    const value = lookup(view.data, filter.key);
    if (value === undefined) return false;
    if (filter.value !== undefined && matchText(value) !== filter.value) return false;
  }
  return true;
}

/** The selection in words, for prompts and summaries: `older than 7d, user=ada`. */
export function describeSelection(selection: Selection, spans: { olderThan?: string; idle?: string }): string {
  const parts: string[] = [];
  if (selection.corruptOnly) parts.push('corrupt');
  if (selection.expiredOnly) parts.push('expired');
  if (spans.olderThan) parts.push(`created more than ${spans.olderThan} ago`);
  if (spans.idle) parts.push(`idle longer than ${spans.idle}`);
  for (const filter of selection.filters)
    parts.push(filter.value === undefined ? `with ${filter.key}` : `${filter.key}=${filter.value}`);
  return parts.join(', ');
}
