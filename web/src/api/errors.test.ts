import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { formErrors } from './errors';

const err = (field?: string, detail = 'Already taken') =>
  new ApiError({ type: 'https://kefu.dev/problems/conflict', title: 'Conflict', status: 409, detail, field });

describe('formErrors', () => {
  it('puts a message next to the field the server named', () => {
    expect(formErrors(err('email'), ['email', 'password'])).toEqual({
      fields: { email: 'Already taken' },
      banner: null,
    });
  });

  it('uses a banner when the field is not on this form or none was named', () => {
    expect(formErrors(err('tenant'), ['email'])).toEqual({ fields: {}, banner: 'Already taken' });
    expect(formErrors(err(undefined), ['email'])).toEqual({ fields: {}, banner: 'Already taken' });
  });

  it('falls back to the title when there is no detail, and handles non-API errors', () => {
    const noDetail = new ApiError({ type: 'about:blank', title: 'Server error', status: 500 });
    expect(formErrors(noDetail, []).banner).toBe('Server error');
    expect(formErrors(new Error('boom'), []).banner).toBe('Something went wrong: boom');
  });
});
