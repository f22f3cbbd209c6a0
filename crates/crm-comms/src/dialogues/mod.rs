//! Dialogues: every message with every client — inbound messages from the Mini App, replies
//! from staff, group sends and answers to feedback — in one history per client, with the
//! "unanswered" mark of each conversation, the registry with its filters, replies through a
//! chosen channel (consent and contact checked) and group sends to a list of clients or a
//! segment, all outbound messages going through [`crate::delivery::DeliveryQueue`].

pub mod error;
pub mod model;
pub mod ports;
pub mod service;

pub use error::DialogueError;
pub use model::{
    ClientContact, Direction, GroupRecipients, GroupSend, GroupSendReport, Message, MessageFilter,
    MessageSource, MessageStatus, NewMessage, Reply,
};
pub use ports::DialogueRepository;
pub use service::Dialogues;
