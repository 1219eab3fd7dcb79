import { parseDuration, VesselError } from '@vessel/core';

/** A mistake in how the command was called: exit code 2, with the flag named. */
export class UsageError extends VesselError {
  constructor(message: string) {
    super('VESSEL_USAGE', message);
  }
}

/** A flag's duration (`90`, `15m`, `2h30m`, `7d`) in milliseconds; a `UsageError` naming the flag otherwise. */
export function durationFlag(flag: string, value: string): number {
  try {
    return parseDuration(flag, value) * 1000;
  } catch {
    throw new UsageError(`${flag}: expected a duration like 90 (seconds), 15m, 2h or 7d, got ${JSON.stringify(value)}`);
  }
}

const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** `3d 4h`, `12m 5s`, `0s`: the two largest units of a span of milliseconds. */
export function formatSpan(ms: number): string {
  let rest = Math.abs(Math.round(ms));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    if (rest >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** `0.4s`, `12.0s`, `3m 5s`: how long a run took. */
export function formatElapsed(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)}s` : formatSpan(seconds * 1000);
}

/** `in 3h 12m`, `5m ago`, `never`: when `at` is, seen from `now`. */
export function formatRelative(at: number | null, now: number): string {
  if (at === null) return 'never';
  return at >= now ? `in ${formatSpan(at - now)}` : `${formatSpan(now - at)} ago`;
}

/** `2026-11-26 14:03:07` in UTC: fixed width, sortable, the same on every operator's machine. */
export function formatTime(at: number | null): string {
  if (at === null) return '-';
  return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
}

/** `812 B`, `4.2 KiB`, `1.3 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** `1,234,567`: counts read at a glance. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** `n session(s)` with the count grouped. */
export function sessions(count: number): string {
  return `${formatCount(count)} session${count === 1 ? '' : 's'}`;
}

/** Whether to colour output written to `stream`: a terminal, and `NO_COLOR` unset (https://no-color.org). */
export function useColor(stream: NodeJS.WritableStream): boolean {
  return !process.env.NO_COLOR && Boolean((stream as NodeJS.WriteStream).isTTY);
}
