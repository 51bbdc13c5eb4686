import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../../../api/client';
import { NO_PLACED_ERRORS, placeErrors, type PlacedErrors } from '../../../api/fieldPaths';
import { routingApi, type Agent, type Skill } from '../../../api/routing';
import { useSignedIn } from '../../../auth/AuthContext';
import { ROLE_LABELS } from '../../../auth/roles';
import { ErrorSummary } from '../../../components/form';
import { SkillLevelRows, skillLevelPaths, type SkillLevelRow } from '../../../components/routing/SkillLevelRows';
import { Banner, SubmitButton } from '../../../components/ui';
import { nameIndex, withNames } from '../../../routing/names';
import { rowKey } from '../../../routing/queueForm';
import { LoadError, Loading, skillName } from './common';
import { useLoad } from './useLoad';

async function loadAgents(api: ApiClient) {
  const [agents, skills] = await Promise.all([routingApi.listAgents(api), routingApi.listSkills(api)]);
  return { agents, skills };
}

export function AgentsPage() {
  const { data, setData, error, loading, reload } = useLoad(loadAgents);
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  return (
    <div className="page" data-testid="page-agents">
      <div className="page-header">
        <div>
          <h1>Agents</h1>
          <p className="page-subtitle">
            Who takes calls, and how well they know each skill (1 = beginner, 10 = expert). Queues only offer a call to
            agents whose levels meet its requirements.
          </p>
        </div>
        <button type="button" className="btn btn-secondary" onClick={() => void reload()} disabled={loading}>
          Refresh
        </button>
      </div>
      <section className="panel">
        {saved ? (
          <Banner kind="success" testId="agents-success">
            {saved}
          </Banner>
        ) : null}
        {error ? <LoadError what="agents" error={error} onRetry={() => void reload()} testId="agents-load-error" /> : null}
        {loading && !data ? <Loading what="agents" /> : null}
        {data && data.agents.length === 0 ? (
          <p className="empty">No agents yet. Invite agents or supervisors on the Users page; they appear here.</p>
        ) : null}
        {data && data.agents.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="agents-table">
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Role</th>
                  <th scope="col">Skills</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.agents.map((agent) =>
                  editing === agent.user_id ? (
                    <tr key={agent.user_id} data-testid={`agent-edit-row-${agent.email}`}>
                      <td colSpan={4}>
                        <AgentSkillsEditor
                          agent={agent}
                          skills={data.skills}
                          onCancel={() => setEditing(null)}
                          onSaved={(updated) => {
                            setEditing(null);
                            setSaved(`Skills of ${updated.name || updated.email} saved.`);
                            setData((d) =>
                              d ? { ...d, agents: d.agents.map((a) => (a.user_id === updated.user_id ? updated : a)) } : d,
                            );
                          }}
                        />
                      </td>
                    </tr>
                  ) : (
                    <tr key={agent.user_id} data-testid={`agent-row-${agent.email}`}>
                      <td>
                        <div className="cell-strong">{agent.name || '—'}</div>
                        <div className="cell-muted">{agent.email}</div>
                      </td>
                      <td>{ROLE_LABELS[agent.role]}</td>
                      <td>
                        <SkillChips agent={agent} skills={data.skills} />
                      </td>
                      <td className="cell-actions">
                        <button
                          type="button"
                          className="btn btn-secondary btn-small"
                          onClick={() => {
                            setSaved(null);
                            setEditing(agent.user_id);
                          }}
                          aria-label={`Edit skills of ${agent.email}`}
                          data-testid={`agent-edit-${agent.email}`}
                        >
                          Edit skills
                        </button>
                      </td>
                    </tr>
                  ),
                )}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </div>
  );
}

function SkillChips({ agent, skills }: { agent: Agent; skills: Skill[] }) {
  if (agent.skills.length === 0) return <span className="cell-muted">No skills</span>;
  return (
    <ul className="chips" aria-label={`Skills of ${agent.email}`}>
      {agent.skills.map((s) => (
        <li key={s.skill} className="chip" data-testid={`agent-skill-${agent.email}-${skillName(skills, s.skill)}`}>
          {skillName(skills, s.skill)} <span className="chip-level">{s.level}</span>
        </li>
      ))}
    </ul>
  );
}

function AgentSkillsEditor({
  agent,
  skills,
  onSaved,
  onCancel,
}: {
  agent: Agent;
  skills: Skill[];
  onSaved(agent: Agent): void;
  onCancel(): void;
}) {
  const { api } = useSignedIn();
  const [rows, setRows] = useState<SkillLevelRow[]>(() =>
    agent.skills.map((s) => ({ key: rowKey(), skill: s.skill, level: String(s.level) })),
  );
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);

  async function save(e: FormEvent) {
    e.preventDefault();
    const fields: Record<string, string> = {};
    rows.forEach((r, i) => {
      if (!r.skill) fields[`skills[${i}].skill`] = 'Choose a skill';
      if (!/^\d+$/.test(r.level.trim())) fields[`skills[${i}].level`] = 'Enter a level from 1 to 10';
    });
    if (Object.keys(fields).length) {
      setErrors({ fields, banner: null });
      return;
    }
    setErrors(NO_PLACED_ERRORS);
    setBusy(true);
    try {
      onSaved(
        await routingApi.setAgentSkills(
          api,
          agent.user_id,
          rows.map((r) => ({ skill: r.skill, level: Number(r.level.trim()) })),
        ),
      );
    } catch (err) {
      const paths = new Set(skillLevelPaths('skills', 'level', rows.length));
      setErrors(placeErrors(err, (p) => paths.has(p), (t) => withNames(t, nameIndex({ skills }))));
    } finally {
      setBusy(false);
    }
  }

  // Offer each skill once: a row's own skill plus those no other row has taken.
  const free = (key: string) =>
    skills.filter((s) => !rows.some((r) => r.key !== key && r.skill === s.id));

  return (
    <form className="inline-editor" onSubmit={save} noValidate aria-label={`Skills of ${agent.email}`} data-testid="agent-skills-form">
      <div className="inline-editor-title">
        <span className="cell-strong">{agent.name || agent.email}</span> <span className="cell-muted">{agent.email}</span>
      </div>
      {errors.banner ? <Banner testId="agent-skills-error">{errors.banner}</Banner> : null}
      <ErrorSummary errors={errors.fields} testId="agent-skills-summary" />
      <SkillLevelRows
        base="skills"
        levelField="level"
        levelLabel="Level"
        rows={rows}
        skills={skills}
        errors={errors.fields}
        disabled={busy}
        onChange={(key, change) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...change } : r)))}
        onRemove={(key) => {
          setErrors(NO_PLACED_ERRORS);
          setRows((rs) => rs.filter((r) => r.key !== key));
        }}
        onAdd={() => {
          setErrors(NO_PLACED_ERRORS);
          setRows((rs) => [...rs, { key: rowKey(), skill: free('')[0]?.id ?? '', level: '5' }]);
        }}
        addLabel="Add a skill"
        emptyText="No skills: this agent gets calls only from queues that require none."
      />
      <div className="form-actions">
        <SubmitButton busy={busy} busyLabel="Saving…" data-testid="agent-skills-save">
          Save skills
        </SubmitButton>
        <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
