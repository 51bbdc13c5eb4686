// Server messages name objects by id (`unknown skill skl_01…`, `overflow loop: que_01… → que_01…`);
// people know them by name.

import type { Agent, Queue, Skill } from '../api/routing';

const ID = /\b(?:skl|que|agt|usr|hrs)_[0-9A-HJKMNP-TV-Z]{26}\b/g;

/** Ids → names of what the page has loaded; agents are known by both their agent and user id. */
export function nameIndex({
  skills = [],
  queues = [],
  agents = [],
}: {
  skills?: readonly Skill[] | null;
  queues?: readonly Pick<Queue, 'id' | 'name'>[] | null;
  agents?: readonly Agent[] | null;
}): Map<string, string> {
  const names = new Map<string, string>();
  for (const s of skills ?? []) names.set(s.id, s.name);
  for (const q of queues ?? []) names.set(q.id, q.name);
  for (const a of agents ?? []) {
    names.set(a.agent_id, a.name || a.email);
    names.set(a.user_id, a.name || a.email);
  }
  return names;
}

/** Replaces every id the index knows with its name in quotes; unknown ids stay as they are. */
export function withNames(text: string, names: ReadonlyMap<string, string>): string {
  return text.replace(ID, (id) => {
    const name = names.get(id);
    return name !== undefined ? `“${name}”` : id;
  });
}
