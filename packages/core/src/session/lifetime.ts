/** When a session expires, in ms since the epoch: the sooner of its idle and absolute limits. */
export function sessionExpiry(
  createdAt: number,
  accessedAt: number,
  limits: { readonly timeoutSeconds: number | undefined; readonly maxLifetimeSeconds: number | undefined },
): number | null {
  const idle =
    limits.timeoutSeconds === undefined ? Number.POSITIVE_INFINITY : accessedAt + limits.timeoutSeconds * 1000;
  const absolute =
    limits.maxLifetimeSeconds === undefined ? Number.POSITIVE_INFINITY : createdAt + limits.maxLifetimeSeconds * 1000;
  const expiresAt = Math.min(idle, absolute);
  return Number.isFinite(expiresAt) ? expiresAt : null;
}
