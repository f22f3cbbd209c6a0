//! Communications: campaigns and the five-step wizard, delivery through channel adapters with
//! consent checks, tracking and statistics, the news feed, appointments and online booking,
//! reminders, feedback, and the dialogue history with every client.
//!
//! This crate is a skeleton today: its models, ports and use cases arrive with the issue that
//! builds this part of the product. It already has the shape every domain crate shares —
//! `model`, `ports`, `service`, `error` — and depends on nothing that does I/O.

pub mod delivery;
pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::CommsError;
