//! The contact-center situations as hear-matrix changes.

use super::{Gain, MediaRoom, MemberId, RoomError};

impl MediaRoom {
    /// Two-party bridge: `a` and `b` hear each other.
    pub fn bridge(&mut self, a: MemberId, b: MemberId) -> Result<(), RoomError> {
        self.set_hears(a, b, Gain::UNITY)?;
        self.set_hears(b, a, Gain::UNITY)
    }

    /// Hold: the caller hears only the music, the agent hears nothing.
    pub fn hold(
        &mut self,
        caller: MemberId,
        agent: MemberId,
        music: MemberId,
    ) -> Result<(), RoomError> {
        self.index(caller)?;
        self.index(agent)?;
        self.index(music)?;
        self.matrix.clear_listener(caller);
        self.matrix.clear_listener(agent);
        self.set_hears(caller, music, Gain::UNITY)
    }

    /// Conference: every member listed hears every other (never itself).
    pub fn conference(&mut self, members: &[MemberId]) -> Result<(), RoomError> {
        for &m in members {
            self.index(m)?;
        }
        for &listener in members {
            for &speaker in members {
                if listener != speaker {
                    self.set_hears(listener, speaker, Gain::UNITY)?;
                }
            }
        }
        Ok(())
    }

    /// Listen-only: the supervisor hears each target, and nobody hears the supervisor.
    pub fn listen(&mut self, supervisor: MemberId, targets: &[MemberId]) -> Result<(), RoomError> {
        self.index(supervisor)?;
        for &t in targets {
            self.index(t)?;
        }
        self.matrix.clear_listener(supervisor);
        self.matrix.clear_speaker(supervisor);
        for &t in targets {
            self.set_hears(supervisor, t, Gain::UNITY)?;
        }
        Ok(())
    }

    /// Whisper: the supervisor hears agent and caller; the agent hears the supervisor; the
    /// caller does not.
    pub fn whisper(
        &mut self,
        supervisor: MemberId,
        agent: MemberId,
        caller: MemberId,
    ) -> Result<(), RoomError> {
        self.listen(supervisor, &[agent, caller])?;
        self.set_hears(agent, supervisor, Gain::UNITY)
    }

    /// Silences a member both ways (it hears nobody, nobody hears it).
    pub fn isolate(&mut self, member: MemberId) -> Result<(), RoomError> {
        self.index(member)?;
        self.matrix.clear_listener(member);
        self.matrix.clear_speaker(member);
        Ok(())
    }
}
