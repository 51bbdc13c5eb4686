// Labels and small pieces the routing configuration pages share.

import type { LeaveDestination, OverflowActionName, Skill, Strategy } from '../../../api/routing';
import { Banner, Spinner } from '../../../components/ui';

export const STRATEGY_LABELS: Record<Strategy, string> = {
  longest_idle: 'Longest idle',
  most_skilled: 'Most skilled',
  least_occupied: 'Least occupied',
  round_robin: 'Round robin',
  ring_all: 'Ring all',
};

export const STRATEGY_HINTS: Record<Strategy, string> = {
  longest_idle: 'The agent who has been available the longest takes the call.',
  most_skilled: 'The highest level in the first required skill wins; longest idle breaks ties.',
  least_occupied: 'The agent with the least talk and wrap-up time since logging in; longest idle breaks ties.',
  round_robin: 'Agents take turns in a fixed order.',
  ring_all: 'Every able agent rings at once; the first to answer takes the call.',
};

export const OVERFLOW_LABELS: Record<OverflowActionName, string> = {
  relax_skills: 'Lower the skill levels',
  add_queue: 'Also offer to agents of another queue',
  use_backup_agents: 'Use the backup agents',
  leave_queue: 'Take the call out of the queue',
};

export const DESTINATION_LABELS: Record<LeaveDestination, string> = {
  voicemail: 'Voicemail',
  callback: 'Offer a call back',
  ivr: 'Back to the IVR',
};

export function skillName(skills: readonly Skill[] | null | undefined, id: string): string {
  return skills?.find((s) => s.id === id)?.name ?? 'Unknown skill';
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading-row">
      <Spinner label={`Loading ${what}`} /> Loading {what}…
    </div>
  );
}

export function LoadError({ what, error, onRetry, testId }: { what: string; error: string; onRetry(): void; testId: string }) {
  return (
    <Banner testId={testId}>
      Could not load {what}: {error}{' '}
      <button type="button" className="btn-link" onClick={onRetry}>
        Try again
      </button>
    </Banner>
  );
}
