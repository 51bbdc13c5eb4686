import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../../../api/client';
import { NO_PLACED_ERRORS, placeErrors, type PlacedErrors } from '../../../api/fieldPaths';
import { routingApi, type Agent, type Queue, type Skill } from '../../../api/routing';
import { useSignedIn } from '../../../auth/AuthContext';
import { ConfirmDelete, TextInput } from '../../../components/form';
import { Banner, Spinner, SubmitButton } from '../../../components/ui';
import { nameIndex, withNames } from '../../../routing/names';
import { LoadError, Loading } from './common';
import { useLoad } from './useLoad';

interface SkillsData {
  skills: Skill[];
  queues: Queue[];
  agents: Agent[];
}

async function loadSkills(api: ApiClient): Promise<SkillsData> {
  const [skills, queues, agents] = await Promise.all([
    routingApi.listSkills(api),
    routingApi.listQueues(api),
    routingApi.listAgents(api),
  ]);
  return { skills, queues, agents };
}

/** Where a skill is used: queue names and agent names. */
export function skillUsage(skillId: string, queues: readonly Queue[], agents: readonly Agent[]) {
  return {
    queues: queues
      .filter(
        (q) =>
          q.required_skills.some((r) => r.skill === skillId) ||
          q.skill_rules.some((r) => r.requirement.skill === skillId),
      )
      .map((q) => q.name),
    agents: agents.filter((a) => a.skills.some((s) => s.skill === skillId)).map((a) => a.name || a.email),
  };
}

const FIELDS = new Set(['name', 'description']);
const hasInput = (p: string) => FIELDS.has(p);

export function SkillsPage() {
  const { api } = useSignedIn();
  const { data, setData, error, loading, reload } = useLoad(loadSkills);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string; detail?: string } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);

  async function remove(skill: Skill) {
    setNotice(null);
    setDeleting(skill.id);
    try {
      await routingApi.deleteSkill(api, skill.id);
      setData((d) => (d ? { ...d, skills: d.skills.filter((s) => s.id !== skill.id) } : d));
      setNotice({ kind: 'success', text: `Skill “${skill.name}” deleted.` });
    } catch (err) {
      const placed = placeErrors(err, () => false, (t) => withNames(t, nameIndex(data ?? {})));
      const usage = data ? skillUsage(skill.id, data.queues, data.agents) : { queues: [], agents: [] };
      const where = [
        ...usage.queues.map((n) => `queue “${n}”`),
        ...usage.agents.map((n) => `agent ${n}`),
      ];
      setNotice({
        kind: 'error',
        text: where.length
          ? `“${skill.name}” is still used by ${where.join(', ')}. Remove it there first.`
          : `Could not delete “${skill.name}”.`,
        detail: placed.banner ?? undefined,
      });
    } finally {
      setDeleting(null);
    }
  }

  return (
    <div className="page" data-testid="page-skills">
      <div className="page-header">
        <div>
          <h1>Skills</h1>
          <p className="page-subtitle">What calls need and agents know: languages, products, tiers of support.</p>
        </div>
      </div>

      <AddSkillForm
        onAdded={(skill) => {
          setData((d) => (d ? { ...d, skills: [...d.skills, skill] } : d));
          setNotice({ kind: 'success', text: `Skill “${skill.name}” added.` });
        }}
      />

      <section className="panel">
        <h2>Your skills</h2>
        {notice ? (
          <Banner kind={notice.kind} testId={notice.kind === 'success' ? 'skills-success' : 'skills-error'}>
            {notice.text}
            {notice.detail ? <div className="banner-detail">{notice.detail}</div> : null}
          </Banner>
        ) : null}
        {error ? <LoadError what="skills" error={error} onRetry={() => void reload()} testId="skills-load-error" /> : null}
        {loading && !data ? <Loading what="skills" /> : null}
        {data && data.skills.length === 0 ? <p className="empty">No skills yet. Add the first one above.</p> : null}
        {data && data.skills.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="skills-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  <th scope="col">Used by</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.skills.map((skill) =>
                  editing === skill.id ? (
                    <EditSkillRow
                      key={skill.id}
                      skill={skill}
                      onCancel={() => setEditing(null)}
                      onSaved={(saved) => {
                        setEditing(null);
                        setData((d) => (d ? { ...d, skills: d.skills.map((s) => (s.id === saved.id ? saved : s)) } : d));
                        setNotice({ kind: 'success', text: `Skill “${saved.name}” saved.` });
                      }}
                    />
                  ) : (
                    <tr key={skill.id} data-testid={`skill-row-${skill.name}`}>
                      <td className="cell-strong">{skill.name}</td>
                      <td className="cell-muted">{skill.description || '—'}</td>
                      <td className="cell-muted">
                        <UsageText usage={skillUsage(skill.id, data.queues, data.agents)} />
                      </td>
                      <td className="cell-actions">
                        {deleting === skill.id ? <Spinner label="Deleting" /> : null}
                        <button
                          type="button"
                          className="btn btn-secondary btn-small"
                          onClick={() => {
                            setNotice(null);
                            setEditing(skill.id);
                          }}
                          aria-label={`Rename ${skill.name}`}
                          data-testid={`skill-edit-${skill.name}`}
                        >
                          Rename
                        </button>{' '}
                        <ConfirmDelete
                          question={`Delete “${skill.name}”?`}
                          ariaLabel={`Delete ${skill.name}`}
                          busy={deleting === skill.id}
                          testId={`skill-delete-${skill.name}`}
                          onConfirm={() => remove(skill)}
                        />
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

function UsageText({ usage }: { usage: { queues: string[]; agents: string[] } }) {
  const parts: string[] = [];
  if (usage.queues.length) parts.push(`${usage.queues.length} queue${usage.queues.length === 1 ? '' : 's'}`);
  if (usage.agents.length) parts.push(`${usage.agents.length} agent${usage.agents.length === 1 ? '' : 's'}`);
  if (parts.length === 0) return <>Not used</>;
  return <span title={[...usage.queues, ...usage.agents].join(', ')}>{parts.join(', ')}</span>;
}

function AddSkillForm({ onAdded }: { onAdded(skill: Skill): void }) {
  const { api } = useSignedIn();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setErrors(NO_PLACED_ERRORS);
    if (!name.trim()) {
      setErrors({ fields: { name: 'Give the skill a name' }, banner: null });
      return;
    }
    setBusy(true);
    try {
      const skill = await routingApi.createSkill(api, { name: name.trim(), description: description.trim() });
      setName('');
      setDescription('');
      onAdded(skill);
    } catch (err) {
      setErrors(placeErrors(err, hasInput));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel">
      <h2>Add a skill</h2>
      {errors.banner ? <Banner testId="skill-add-error">{errors.banner}</Banner> : null}
      <form className="form-row" onSubmit={submit} noValidate aria-label="Add a skill" data-testid="skill-add-form">
        <TextInput label="Name" path="name" value={name} onChange={setName} error={errors.fields.name} disabled={busy} placeholder="Mandarin" />
        <TextInput
          label="Description (optional)"
          path="description"
          value={description}
          onChange={setDescription}
          error={errors.fields.description}
          disabled={busy}
          className="grow"
        />
        <div className="form-row-submit">
          <SubmitButton busy={busy} busyLabel="Adding…" data-testid="skill-add-submit">
            Add skill
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}

function EditSkillRow({ skill, onSaved, onCancel }: { skill: Skill; onSaved(skill: Skill): void; onCancel(): void }) {
  const { api } = useSignedIn();
  const [name, setName] = useState(skill.name);
  const [description, setDescription] = useState(skill.description ?? '');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_PLACED_ERRORS);
    try {
      // PATCH replaces the description too (an absent one is cleared), so always send both.
      onSaved(await routingApi.updateSkill(api, skill.id, { name: name.trim(), description: description.trim() }));
    } catch (err) {
      setErrors(placeErrors(err, hasInput));
    } finally {
      setBusy(false);
    }
  }

  return (
    <tr data-testid={`skill-edit-row-${skill.name}`}>
      <td colSpan={4}>
        <form className="form-row" onSubmit={save} noValidate aria-label={`Rename ${skill.name}`}>
          <TextInput label="Name" path="name" testId="edit-name" value={name} onChange={setName} error={errors.fields.name} disabled={busy} />
          <TextInput
            label="Description"
            path="description"
            testId="edit-description"
            value={description}
            onChange={setDescription}
            error={errors.fields.description}
            disabled={busy}
            className="grow"
          />
          <div className="form-row-submit">
            <SubmitButton busy={busy} busyLabel="Saving…" data-testid="skill-save">
              Save
            </SubmitButton>{' '}
            <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
        {errors.banner ? <Banner testId="skill-edit-error">{errors.banner}</Banner> : null}
      </td>
    </tr>
  );
}
