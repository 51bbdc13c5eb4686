//! tts
