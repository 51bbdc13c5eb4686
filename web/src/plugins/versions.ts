// Ordering and grouping of published plugin versions (semver), for the developer's "My plugins"
// list, the admin catalog and the upgrade choices of an installation.

import type { Installation, PluginVersion } from '../api/plugins';

interface ParsedVersion {
  core: [number, number, number];
  pre: string[];
}

function parse(version: string): ParsedVersion | null {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  if (!m) return null;
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.') : [] };
}

function comparePre(a: string[], b: string[]): number {
  // A release sorts after its pre-releases (1.0.0-rc.1 < 1.0.0).
  if (a.length === 0 || b.length === 0) return (a.length === 0 ? 1 : 0) - (b.length === 0 ? 1 : 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (xn !== yn) return xn ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Semver order; versions that do not parse sort before those that do, by text. */
export function compareVersions(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : a.localeCompare(b);
  for (let i = 0; i < 3; i++) {
    const d = pa.core[i]! - pb.core[i]!;
    if (d !== 0) return d;
  }
  return comparePre(pa.pre, pb.pre);
}

/** Versions of one plugin of one publisher, newest first. */
export interface PluginGroup {
  publisher: string;
  name: string;
  world: string;
  versions: PluginVersion[];
}

/**
 * Groups versions by (publisher, name), each group's versions newest first, and the groups by
 * their latest publication, most recent first.
 */
export function groupVersions(versions: readonly PluginVersion[]): PluginGroup[] {
  const groups = new Map<string, PluginGroup>();
  for (const v of versions) {
    const key = `${v.publisher}\u0000${v.name}`;
    let g = groups.get(key);
    if (!g) {
      g = { publisher: v.publisher, name: v.name, world: v.world, versions: [] };
      groups.set(key, g);
    }
    g.versions.push(v);
  }
  const list = [...groups.values()];
  for (const g of list) {
    g.versions.sort((a, b) => compareVersions(b.version, a.version));
    g.world = g.versions[0]?.world ?? g.world;
  }
  const latest = (g: PluginGroup) => Math.max(...g.versions.map((v) => Date.parse(v.created_at) || 0));
  return list.sort((a, b) => latest(b) - latest(a) || a.name.localeCompare(b.name));
}

/** The versions an installation could move to other than its own, newest first. */
export function otherVersions(installation: Installation, versions: readonly PluginVersion[]): PluginVersion[] {
  return versions
    .filter((v) => v.publisher === installation.publisher && v.name === installation.name && v.version !== installation.version)
    .sort((a, b) => compareVersions(b.version, a.version));
}

/** The published version an installation runs, if it is still listed. */
export function versionOf(installation: Installation, versions: readonly PluginVersion[]): PluginVersion | undefined {
  return versions.find(
    (v) => v.publisher === installation.publisher && v.name === installation.name && v.version === installation.version,
  );
}

/** `1.2.0 KiB`-style size for people. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** Microseconds for people: `850 µs`, `12.3 ms`. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}
