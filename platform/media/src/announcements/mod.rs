//! ann
