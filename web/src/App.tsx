import { Link, Navigate, Route, Routes } from 'react-router-dom';
import { RequireShell, RootRedirect } from './auth/RequireShell';
import { AcceptInvitePage } from './pages/AcceptInvitePage';
import { AdminShell } from './pages/admin/AdminShell';
import { CallsPage } from './pages/admin/calls/CallsPage';
import { VoicemailPage } from './pages/admin/calls/VoicemailPage';
import { InvocationDetailPage } from './pages/admin/plugins/InvocationDetailPage';
import { InvocationLogPage } from './pages/admin/plugins/InvocationLogPage';
import { LimitsPage } from './pages/admin/plugins/LimitsPage';
import { PluginsPage } from './pages/admin/plugins/PluginsPage';
import { TryItPage } from './pages/admin/plugins/TryItPage';
import { NumbersPage } from './pages/admin/telephony/NumbersPage';
import { TrunksPage } from './pages/admin/telephony/TrunksPage';
import { AgentsPage } from './pages/admin/routing/AgentsPage';
import { CalendarEditPage } from './pages/admin/routing/CalendarEditPage';
import { CalendarsPage } from './pages/admin/routing/CalendarsPage';
import { QueueEditPage } from './pages/admin/routing/QueueEditPage';
import { QueuesPage } from './pages/admin/routing/QueuesPage';
import { ReasonCodesPage } from './pages/admin/routing/ReasonCodesPage';
import { SkillsPage } from './pages/admin/routing/SkillsPage';
import { AuditPage } from './pages/admin/AuditPage';
import { UsersPage } from './pages/admin/UsersPage';
import { AgentShell } from './pages/agent/AgentShell';
import { DeveloperShell } from './pages/developer/DeveloperShell';
import { MyPluginsPage } from './pages/developer/MyPluginsPage';
import { PublishPage } from './pages/developer/PublishPage';
import { LoginPage } from './pages/LoginPage';
import { SignupPage } from './pages/SignupPage';
import { SupervisorShell, TeamPage, WallboardPage } from './pages/supervisor/SupervisorShell';

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/" element={<RootRedirect />} />
      <Route path="/login" element={<LoginPage />} />
      <Route path="/signup" element={<SignupPage />} />
      <Route path="/invite" element={<AcceptInvitePage />} />

      <Route
        path="/admin"
        element={
          <RequireShell shell="admin">
            <AdminShell />
          </RequireShell>
        }
      >
        <Route index element={<Navigate to="users" replace />} />
        <Route path="users" element={<UsersPage />} />
        <Route path="calls" element={<CallsPage />} />
        <Route path="voicemail" element={<VoicemailPage />} />
        <Route path="numbers" element={<NumbersPage />} />
        <Route path="trunks" element={<TrunksPage />} />
        <Route path="queues" element={<QueuesPage />} />
        <Route path="queues/new" element={<QueueEditPage />} />
        <Route path="queues/:queueId" element={<QueueEditPage />} />
        <Route path="skills" element={<SkillsPage />} />
        <Route path="agents" element={<AgentsPage />} />
        <Route path="reason-codes" element={<ReasonCodesPage />} />
        <Route path="hours" element={<CalendarsPage />} />
        <Route path="hours/new" element={<CalendarEditPage />} />
        <Route path="hours/:calendarId" element={<CalendarEditPage />} />
        <Route path="plugins" element={<PluginsPage />} />
        <Route path="plugins/installations/:installationId/try" element={<TryItPage />} />
        <Route path="plugin-log" element={<InvocationLogPage />} />
        <Route path="plugin-log/:invocationId" element={<InvocationDetailPage />} />
        <Route path="plugin-limits" element={<LimitsPage />} />
        <Route path="audit" element={<AuditPage />} />
      </Route>

      <Route
        path="/supervisor"
        element={
          <RequireShell shell="supervisor">
            <SupervisorShell />
          </RequireShell>
        }
      >
        <Route index element={<WallboardPage />} />
        <Route path="users" element={<TeamPage />} />
      </Route>

      <Route
        path="/agent/*"
        element={
          <RequireShell shell="agent">
            <AgentShell />
          </RequireShell>
        }
      />

      <Route
        path="/developer"
        element={
          <RequireShell shell="developer">
            <DeveloperShell />
          </RequireShell>
        }
      >
        <Route index element={<MyPluginsPage />} />
        <Route path="publish" element={<PublishPage />} />
      </Route>

      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function NotFound() {
  return (
    <div className="auth-page">
      <main className="auth-card" data-testid="not-found">
        <h1>Page not found</h1>
        <p>There is nothing at this address.</p>
        <p>
          <Link to="/">Go to your start page</Link>
        </p>
      </main>
    </div>
  );
}
