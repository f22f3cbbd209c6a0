//! Communications: campaigns and the five-step wizard, delivery through channel adapters with
//! consent checks, tracking and statistics, the news feed, appointments and online booking,
//! reminders, feedback, and the dialogue history with every client.
//!
//! - [`campaigns`]: the campaign model, the wizard, consent-filtered launch into the delivery
//!   queue, tracking and stats;
//! - [`delivery`]: the queue contract every outbound message goes through, the worker and the
//!   channel adapter port;
//! - [`news`]: posts, the Mini App feed, tracking and stats;
//! - [`dialogues`]: inbound and outbound messages, replies, group sends, the registry;
//! - [`appointments`]: appointments, status transitions, online booking and free slots;
//! - [`reminders`]: reminder rules and the exactly-once reminder run;
//! - [`feedback`]: ratings, complaints, suggestions, questions and their answers.
//!
//! The crate depends on nothing that does I/O.

pub mod appointments;
pub mod campaigns;
pub mod delivery;
pub mod dialogues;
pub mod feedback;
pub mod news;
pub mod reminders;
