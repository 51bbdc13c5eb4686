import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import type { User } from '../api/types';
import { useSignedIn } from '../auth/AuthContext';

export function useUsers() {
  const { api } = useSignedIn();
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const reload = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setUsers(await api.listUsers());
    } catch (err) {
      setError(err instanceof ApiError ? err.userMessage : String(err));
    } finally {
      setLoading(false);
    }
  }, [api]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { users, setUsers, error, loading, reload };
}
