import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { inputFor, parentPath, placeErrors, problemFields, stripFieldPrefix } from './fieldPaths';
import { nameIndex, withNames } from '../routing/names';

const SKILL = 'skl_01M81BRDY6WFGGNA244MN6Q3CK';
const Q1 = 'que_01M81BRE4MVNHCKBJQATWW3DJE';
const Q2 = 'que_01M81BRE6SRSBNMT9ZRVCWY27M';

function invalid(field: string, detail: string, errors?: { field: string; message: string }[]) {
  return new ApiError({
    type: 'https://kefu.dev/problems/invalid-field',
    title: 'A field is invalid',
    status: 422,
    detail,
    field,
    ...(errors ? { errors } : {}),
  });
}

const inputs = (...paths: string[]) => {
  const set = new Set(paths);
  return (p: string) => set.has(p);
};

describe('problem field paths → inputs', () => {
  it('walks up a path one segment at a time', () => {
    expect(parentPath('overflow[0].queue')).toBe('overflow[0]');
    expect(parentPath('overflow[0]')).toBe('overflow');
    expect(parentPath('skill_rules[1].requirement.min_level')).toBe('skill_rules[1].requirement');
    expect(parentPath('backup.agents[0]')).toBe('backup.agents');
    expect(parentPath('name')).toBeNull();
  });

  it('finds the nearest input for a path', () => {
    const has = inputs('overflow[0]', 'overflow[0].queue', 'backup.agents', 'name');
    expect(inputFor('overflow[0].queue', has)).toBe('overflow[0].queue');
    expect(inputFor('overflow[0].levels', has)).toBe('overflow[0]');
    expect(inputFor('backup.agents[3]', has)).toBe('backup.agents');
    expect(inputFor('colour', has)).toBeNull();
  });

  it('strips the path the server puts before its message, in both spellings', () => {
    expect(stripFieldPrefix('required_skills[0].min_level: level 11 is outside 1–10', 'required_skills[0].min_level')).toBe(
      'level 11 is outside 1–10',
    );
    expect(stripFieldPrefix('`weekly[0].close`: must be after `open`', 'weekly[0].close')).toBe('must be after `open`');
    expect(stripFieldPrefix('a queue named x already exists', 'name')).toBe('a queue named x already exists');
  });

  it('prefers the errors list and falls back to field + detail', () => {
    const many = invalid('required_skills[0].min_level', 'required_skills[0].min_level: level 11 is outside 1–10', [
      { field: 'required_skills[0].min_level', message: 'level 11 is outside 1–10' },
      { field: 'ring_timeout', message: 'must be greater than zero' },
    ]);
    expect(problemFields(many.problem).map((e) => e.field)).toEqual(['required_skills[0].min_level', 'ring_timeout']);
    const one = invalid('weekly[0].close', '`weekly[0].close`: must be after `open`');
    expect(problemFields(one.problem)).toEqual([{ field: 'weekly[0].close', message: 'must be after `open`' }]);
  });

  it('puts each error next to its input, capitalised, with no banner', () => {
    const err = invalid('required_skills[1].min_level', 'x', [
      { field: 'required_skills[1].min_level', message: 'level 11 is outside 1–10' },
      { field: 'overflow[0].levels', message: 'missing field `levels`' },
    ]);
    const placed = placeErrors(err, inputs('required_skills[1].min_level', 'overflow[0]'));
    expect(placed).toEqual({
      fields: {
        'required_skills[1].min_level': 'Level 11 is outside 1–10',
        'overflow[0]': 'Missing field “levels”',
      },
      banner: null,
    });
  });

  it('sends errors no input can show to the banner, naming the field', () => {
    const err = invalid('colour', 'colour: unknown field `colour`, expected one of …');
    expect(placeErrors(err, inputs('name'))).toEqual({
      fields: {},
      banner: 'colour: Unknown field “colour”, expected one of …',
    });
  });

  it('shows a conflict as a banner with its detail, and marks the field too', () => {
    const err = new ApiError({
      type: 'https://kefu.dev/problems/conflict',
      title: 'Conflict',
      status: 409,
      detail: 'a queue named support already exists',
      field: 'name',
    });
    expect(placeErrors(err, inputs('name'))).toEqual({
      fields: { name: 'A queue named support already exists' },
      banner: 'A queue named support already exists',
    });
    const inUse = new ApiError({ type: 'x', title: 'Queue in use', status: 409, detail: 'queue Support overflows into this queue', field: 'id' });
    expect(placeErrors(inUse, inputs('name'))).toEqual({ fields: {}, banner: 'Queue Support overflows into this queue' });
  });

  it('names ids in messages', () => {
    const names = nameIndex({ skills: [{ id: SKILL, name: 'Mandarin', description: '' }], queues: [{ id: Q1, name: 'Sales' }, { id: Q2, name: 'Support' }] });
    const err = invalid('overflow[0].queue', 'x', [{ field: 'overflow[0].queue', message: `overflow loop: ${Q1} → ${Q2} → ${Q1}` }]);
    const placed = placeErrors(err, inputs('overflow[0].queue'), (t) => withNames(t, names));
    expect(placed.fields['overflow[0].queue']).toBe('Overflow loop: “Sales” → “Support” → “Sales”');
    expect(withNames(`unknown skill ${SKILL} and que_01M81BRE6SRSBNMT9ZRVCWY27X`, names)).toBe(
      'unknown skill “Mandarin” and que_01M81BRE6SRSBNMT9ZRVCWY27X',
    );
  });

  it('reports other failures in the banner', () => {
    expect(placeErrors(new Error('boom'), inputs())).toEqual({ fields: {}, banner: 'Something went wrong: boom' });
  });
});
