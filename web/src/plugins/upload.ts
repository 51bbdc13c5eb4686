// What the publish form checks before uploading: the manifest is a JSON object naming a plugin,
// a version and a world, and the component is a WebAssembly file within the server's size cap.
// The server checks everything again (and more: it loads the component); these checks only save
// a round trip for mistakes that are certain.

import { WORLDS } from '../api/plugins';

/** The server's cap on a component (platform/server/src/api/plugins.rs MAX_COMPONENT_BYTES). */
export const MAX_COMPONENT_BYTES = 10 * 1024 * 1024;
/** A manifest is small; this bounds what the form will parse. */
export const MAX_MANIFEST_CHARS = 256 * 1024;

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export type ManifestCheck =
  | { ok: true; manifest: Record<string, unknown> }
  | { ok: false; field: 'manifest' | 'manifest.name' | 'manifest.version' | 'manifest.world'; message: string };

/** Parses the manifest text; names the first thing that is certainly wrong. */
export function checkManifest(source: string): ManifestCheck {
  if (!source.trim()) return { ok: false, field: 'manifest', message: 'Paste or choose the manifest (JSON)' };
  if (source.length > MAX_MANIFEST_CHARS) {
    return { ok: false, field: 'manifest', message: `The manifest is larger than ${MAX_MANIFEST_CHARS / 1024} KiB` };
  }
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    return { ok: false, field: 'manifest', message: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, field: 'manifest', message: 'The manifest must be a JSON object ({…})' };
  }
  const m = value as Record<string, unknown>;
  if (typeof m.name !== 'string' || !m.name) return { ok: false, field: 'manifest.name', message: 'The manifest needs a "name"' };
  if (typeof m.version !== 'string' || !m.version) {
    return { ok: false, field: 'manifest.version', message: 'The manifest needs a "version" (semver, e.g. "1.0.0")' };
  }
  if (typeof m.world !== 'string' || !(WORLDS as readonly string[]).includes(m.world)) {
    return { ok: false, field: 'manifest.world', message: `The manifest needs a "world": one of ${WORLDS.join(', ')}` };
  }
  return { ok: true, manifest: m };
}

/** Why this file cannot be a component, or null. */
export function checkComponentFile(file: { name: string; size: number } | null, head?: Uint8Array): string | null {
  if (!file) return 'Choose the component (.wasm file)';
  if (file.size === 0) return 'The file is empty';
  if (file.size > MAX_COMPONENT_BYTES) return `The component is larger than ${MAX_COMPONENT_BYTES / (1024 * 1024)} MiB`;
  if (head && head.length >= 4 && !WASM_MAGIC.every((b, i) => head[i] === b)) {
    return 'This is not a WebAssembly file (it does not start with \\0asm)';
  }
  return null;
}

/** Base64 of bytes, in chunks (a single String.fromCharCode(...bytes) overflows the stack). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** Reads a file's bytes, reporting progress (0–1) as it goes. */
export function readFileBytes(file: Blob, onProgress?: (fraction: number) => void): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    };
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.readAsArrayBuffer(file);
  });
}
