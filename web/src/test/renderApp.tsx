import { render } from '@testing-library/react';
import { MemoryRouter, useLocation } from 'react-router-dom';
import { ApiClient } from '../api/client';
import { AppRoutes } from '../App';
import { AuthProvider } from '../auth/AuthContext';
import { memoryStorage, mockFetch, type Handler } from './mockFetch';

function LocationProbe() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname}</div>;
}

/** Renders the whole app at `path` against a fake server. */
export function renderApp(path: string, handler: Handler, options: { refreshToken?: string } = {}) {
  const storage = memoryStorage();
  if (options.refreshToken) storage.setItem('kefu.refresh_token', options.refreshToken);
  const mock = mockFetch(handler);
  const api = new ApiClient({ fetch: mock.fetch, storage });
  const utils = render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider api={api}>
        <AppRoutes />
        <LocationProbe />
      </AuthProvider>
    </MemoryRouter>,
  );
  return { ...utils, api, storage, calls: mock.calls };
}
