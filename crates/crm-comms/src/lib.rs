//! Communications: campaigns and the five-step wizard, delivery through channel adapters with
//! consent checks, tracking and statistics, the news feed, appointments and online booking,
//! reminders, feedback, and the dialogue history with every client.
//!
//! Built so far: [`campaigns`] (the campaign model, the wizard, consent-filtered launch into the
//! delivery queue, tracking and stats) and [`delivery`] (the queue contract, the worker and the
//! channel adapter port); [`news`] (posts, the feed, tracking and stats); [`feedback`] (ratings, complaints,
//! suggestions, questions and their answers). Appointments, reminders and dialogues arrive with
//! their issues. The crate depends on nothing that does I/O.

pub mod appointments;
pub mod campaigns;
pub mod delivery;
pub mod reminders;
pub mod dialogues;
pub mod error;
pub mod feedback;
pub mod model;
pub mod news;
pub mod ports;
pub mod service;

pub use error::CommsError;
