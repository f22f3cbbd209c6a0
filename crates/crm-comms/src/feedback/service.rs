//! [`FeedbackBook`]: the feedback use cases — a client's rating (one per appointment, later
//! ones update it), complaints, suggestions and questions from the app or recorded by staff,
//! the admin list, the averages per product or service, and recording the business's answer
//! after the caller has sent it through the dialogue pipeline.

use crate::appointments::model::AppointmentStatus;
use crate::feedback::error::{AnswerFailure, FeedbackError};
use crate::feedback::model::{
    clean_text, Answer, Feedback, FeedbackAnswer, FeedbackDraft, FeedbackFilter, FeedbackKind,
    FeedbackSource, NewFeedback, Period, ProductRating, Saved,
};
use crate::feedback::ports::FeedbackRepository;
use crm_core::{ClientId, Clock, EmployeeId, FeedbackId, FieldError, MessageId, Page, PageRequest};

/// The feedback use cases over storage and a clock.
pub struct FeedbackBook<R, C> {
    repo: R,
    clock: C,
}

impl<R: FeedbackRepository, C: Clock> FeedbackBook<R, C> {
    /// The use cases over a repository and a clock.
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// Records feedback of a client: checks the fields (`text_field` names the text in the
    /// request), that the client, the product and the client's own appointment and operation
    /// exist (an appointment's service is the product when none is named) and, for a rating of
    /// an appointment, that it can be rated (completed, or scheduled and started), then stores it. A
    /// rating of an appointment the client rated before updates that rating (`created` is then
    /// `false`); everything else is a new entry.
    pub fn submit(
        &self,
        client_id: ClientId,
        draft: FeedbackDraft,
        text_field: &str,
        source: FeedbackSource,
        created_by: &str,
    ) -> Result<Saved, FeedbackError> {
        let checked = draft.check(text_field).map_err(FeedbackError::Validation)?;
        if !self.repo.client_exists(client_id)? {
            return Err(FeedbackError::ClientNotFound);
        }
        let mut product_id = draft.product_id;
        if let Some(id) = product_id {
            if !self.repo.product_exists(id)? {
                return Err(FeedbackError::ProductNotFound);
            }
        }
        let now = self.clock.now();
        if let Some(id) = draft.appointment_id {
            let appointment = self
                .repo
                .appointment(id)?
                .filter(|a| a.client_id == client_id)
                .ok_or(FeedbackError::AppointmentNotFound)?;
            if checked.kind == FeedbackKind::Rating && !appointment.rateable(now) {
                let status = match appointment.status {
                    AppointmentStatus::Scheduled | AppointmentStatus::Completed => "not_started",
                    other => other.code(),
                };
                return Err(FeedbackError::AppointmentNotRateable { status });
            }
            product_id = product_id.or(Some(appointment.service_id));
        }
        if let Some(id) = draft.operation_id {
            if self.repo.operation_client(id)? != Some(client_id) {
                return Err(FeedbackError::OperationNotFound);
            }
        }
        let record = NewFeedback {
            client_id,
            kind: checked.kind,
            product_id,
            appointment_id: draft.appointment_id,
            operation_id: draft.operation_id,
            rating: checked.rating,
            text: checked.text,
            source,
            created_by: created_by.to_owned(),
            at: now,
        };
        if record.kind == FeedbackKind::Rating && record.appointment_id.is_some() {
            Ok(self.repo.upsert_rating(&record)?)
        } else {
            Ok(Saved {
                feedback: self.repo.insert(&record)?,
                created: true,
            })
        }
    }

    /// One entry.
    pub fn get(&self, id: FeedbackId) -> Result<Feedback, FeedbackError> {
        self.repo.get(id)?.ok_or(FeedbackError::NotFound)
    }

    /// A page of entries matching the filters, newest first.
    pub fn list(
        &self,
        filter: &FeedbackFilter,
        page: PageRequest,
    ) -> Result<Page<Feedback>, FeedbackError> {
        filter.check().map_err(FeedbackError::Validation)?;
        Ok(self.repo.list(filter, page)?)
    }

    /// The average rating and the number of ratings per product or service in the period.
    pub fn ratings(&self, period: &Period) -> Result<Vec<ProductRating>, FeedbackError> {
        period
            .check()
            .map_err(|e| FeedbackError::Validation(vec![e]))?;
        Ok(self.repo.ratings(period)?)
    }

    /// Answers a feedback entry: checks the text (1–2000 characters) and that the entry exists,
    /// then `send`s the answer to the entry's client (the dialogue pipeline; it returns the
    /// stored message), and records the answer, replacing an earlier one. Nothing is recorded
    /// when sending fails; nothing is sent when the entry or the text is refused.
    pub fn answer<E>(
        &self,
        id: FeedbackId,
        answer: Answer,
        author: EmployeeId,
        send: impl FnOnce(&Feedback, &Answer) -> Result<MessageId, E>,
    ) -> Result<Feedback, AnswerFailure<E>> {
        let text = match clean_text("text", &answer.text) {
            Ok(Some(text)) => text,
            Ok(None) => {
                return Err(FeedbackError::Validation(vec![FieldError::new(
                    "text",
                    "must not be empty",
                )])
                .into())
            }
            Err(e) => return Err(FeedbackError::Validation(vec![e]).into()),
        };
        let feedback = self.get(id)?;
        let answer = Answer {
            text: text.clone(),
            channel: answer.channel,
        };
        let message_id = send(&feedback, &answer).map_err(AnswerFailure::Send)?;
        let recorded = FeedbackAnswer {
            text,
            answered_by: author,
            answered_at: self.clock.now(),
            message_id,
        };
        self.repo
            .record_answer(id, &recorded)
            .map_err(FeedbackError::from)?
            .ok_or(AnswerFailure::Feedback(FeedbackError::NotFound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feedback::model::AppointmentRef;
    use crate::feedback::ports::MockFeedbackRepository;
    use crm_core::{AppointmentId, Channel, FixedClock, OperationId, ProductId, Timestamp};
    use std::cell::Cell;

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_795_521_600).expect("time")
    }

    fn stored(record: &NewFeedback, id: i64) -> Feedback {
        Feedback {
            id: FeedbackId(id),
            client_id: record.client_id,
            client_name: "Anna".into(),
            kind: record.kind,
            product_id: record.product_id,
            product_name: Some("Haircut".into()),
            appointment_id: record.appointment_id,
            operation_id: record.operation_id,
            rating: record.rating,
            text: record.text.clone(),
            source: record.source,
            created_by: record.created_by.clone(),
            answer: None,
            created_at: record.at,
            updated_at: record.at,
        }
    }

    fn book(repo: MockFeedbackRepository) -> FeedbackBook<MockFeedbackRepository, FixedClock> {
        FeedbackBook::new(repo, FixedClock::new(now()))
    }

    fn existing_refs(repo: &mut MockFeedbackRepository) {
        repo.expect_client_exists().returning(|_| Ok(true));
        repo.expect_product_exists()
            .returning(|id| Ok(id == ProductId(10)));
        repo.expect_appointment().returning(|id| {
            Ok((id == AppointmentId(5)).then_some(AppointmentRef {
                client_id: ClientId(1),
                service_id: ProductId(10),
                status: AppointmentStatus::Completed,
                starts_at: Timestamp::from_unix_seconds(1_795_000_000).expect("time"),
            }))
        });
        repo.expect_operation_client()
            .returning(|id| Ok((id == OperationId(8)).then_some(ClientId(1))));
    }

    fn rating(score: i64) -> FeedbackDraft {
        FeedbackDraft {
            rating: Some(score),
            appointment_id: Some(AppointmentId(5)),
            text: Some(" lovely ".into()),
            ..FeedbackDraft::default()
        }
    }

    #[test]
    fn a_bad_score_writes_nothing() {
        let mut repo = MockFeedbackRepository::new();
        repo.expect_insert().never();
        repo.expect_upsert_rating().never();
        let book = book(repo);
        for score in [0, 6] {
            let err = book
                .submit(
                    ClientId(1),
                    rating(score),
                    "comment",
                    FeedbackSource::App,
                    "c",
                )
                .unwrap_err();
            assert!(
                matches!(&err, FeedbackError::Validation(e) if e[0].field == "rating"),
                "{err:?}"
            );
        }
    }

    #[test]
    fn an_appointment_rating_upserts_with_the_service_as_product() {
        let mut repo = MockFeedbackRepository::new();
        existing_refs(&mut repo);
        repo.expect_insert().never();
        repo.expect_upsert_rating()
            .withf(|r| {
                r.product_id == Some(ProductId(10))
                    && r.rating == Some(4)
                    && r.text.as_deref() == Some("lovely")
                    && r.at == now()
            })
            .times(1)
            .returning(|r| {
                Ok(Saved {
                    feedback: stored(r, 3),
                    created: false,
                })
            });
        let saved = book(repo)
            .submit(
                ClientId(1),
                rating(4),
                "comment",
                FeedbackSource::App,
                "client:1",
            )
            .unwrap();
        assert!(!saved.created);
        assert_eq!(saved.feedback.product_id, Some(ProductId(10)));
    }

    #[test]
    fn a_product_rating_without_appointment_is_always_new() {
        let mut repo = MockFeedbackRepository::new();
        existing_refs(&mut repo);
        repo.expect_upsert_rating().never();
        repo.expect_insert()
            .times(1)
            .returning(|r| Ok(stored(r, 4)));
        let draft = FeedbackDraft {
            rating: Some(5),
            product_id: Some(ProductId(10)),
            operation_id: Some(OperationId(8)),
            ..FeedbackDraft::default()
        };
        let saved = book(repo)
            .submit(
                ClientId(1),
                draft,
                "comment",
                FeedbackSource::App,
                "client:1",
            )
            .unwrap();
        assert!(saved.created);
    }

    #[test]
    fn only_a_completed_or_started_appointment_can_be_rated() {
        let hour = 3_600;
        let cases = [
            (AppointmentStatus::Completed, -hour, None),
            (AppointmentStatus::Completed, hour, None),
            (AppointmentStatus::Scheduled, -hour, None),
            (AppointmentStatus::Scheduled, 0, None),
            (AppointmentStatus::Scheduled, 1, Some("not_started")),
            (AppointmentStatus::Cancelled, -hour, Some("cancelled")),
            (AppointmentStatus::NoShow, -hour, Some("no_show")),
        ];
        for (status, starts_in, refused) in cases {
            let mut repo = MockFeedbackRepository::new();
            repo.expect_client_exists().returning(|_| Ok(true));
            repo.expect_appointment().returning(move |_| {
                Ok(Some(AppointmentRef {
                    client_id: ClientId(1),
                    service_id: ProductId(10),
                    status,
                    starts_at: now().plus_seconds(starts_in),
                }))
            });
            repo.expect_insert().never();
            repo.expect_upsert_rating()
                .times(usize::from(refused.is_none()))
                .returning(|r| {
                    Ok(Saved {
                        feedback: stored(r, 3),
                        created: true,
                    })
                });
            let result = book(repo).submit(
                ClientId(1),
                rating(5),
                "comment",
                FeedbackSource::App,
                "client:1",
            );
            match refused {
                None => assert!(result.is_ok(), "{status} {starts_in}: {result:?}"),
                Some(code) => assert_eq!(
                    result.map(|s| s.created),
                    Err(FeedbackError::AppointmentNotRateable { status: code }),
                    "{status} {starts_in}"
                ),
            }
        }
        // A complaint about a cancelled appointment is still recorded.
        let mut repo = MockFeedbackRepository::new();
        repo.expect_client_exists().returning(|_| Ok(true));
        repo.expect_appointment().returning(|_| {
            Ok(Some(AppointmentRef {
                client_id: ClientId(1),
                service_id: ProductId(10),
                status: AppointmentStatus::Cancelled,
                starts_at: now(),
            }))
        });
        repo.expect_insert()
            .times(1)
            .returning(|r| Ok(stored(r, 4)));
        let complaint = FeedbackDraft {
            kind: Some(FeedbackKind::Complaint),
            appointment_id: Some(AppointmentId(5)),
            text: Some("cancelled without notice".into()),
            ..FeedbackDraft::default()
        };
        assert!(book(repo)
            .submit(ClientId(1), complaint, "text", FeedbackSource::App, "c")
            .is_ok());
    }

    #[test]
    fn foreign_or_unknown_references_are_not_found() {
        let mut repo = MockFeedbackRepository::new();
        existing_refs(&mut repo);
        repo.expect_insert().never();
        repo.expect_upsert_rating().never();
        let book = book(repo);
        // Someone else's appointment.
        let err = book
            .submit(ClientId(2), rating(5), "comment", FeedbackSource::App, "c")
            .unwrap_err();
        assert_eq!(err, FeedbackError::AppointmentNotFound);
        let unknown_product = FeedbackDraft {
            rating: Some(5),
            product_id: Some(ProductId(99)),
            ..FeedbackDraft::default()
        };
        let err = book
            .submit(
                ClientId(1),
                unknown_product,
                "comment",
                FeedbackSource::App,
                "c",
            )
            .unwrap_err();
        assert_eq!(err, FeedbackError::ProductNotFound);
        let foreign_operation = FeedbackDraft {
            kind: Some(FeedbackKind::Complaint),
            text: Some("late".into()),
            operation_id: Some(OperationId(9)),
            ..FeedbackDraft::default()
        };
        let err = book
            .submit(
                ClientId(1),
                foreign_operation,
                "text",
                FeedbackSource::App,
                "c",
            )
            .unwrap_err();
        assert_eq!(err, FeedbackError::OperationNotFound);
    }

    #[test]
    fn an_unknown_client_is_refused() {
        let mut repo = MockFeedbackRepository::new();
        repo.expect_client_exists().returning(|_| Ok(false));
        repo.expect_insert().never();
        let draft = FeedbackDraft {
            kind: Some(FeedbackKind::Question),
            text: Some("open on Sunday?".into()),
            ..FeedbackDraft::default()
        };
        let err = book(repo)
            .submit(
                ClientId(77),
                draft,
                "text",
                FeedbackSource::Admin,
                "employee:1",
            )
            .unwrap_err();
        assert_eq!(err, FeedbackError::ClientNotFound);
    }

    fn question() -> Feedback {
        stored(
            &NewFeedback {
                client_id: ClientId(1),
                kind: FeedbackKind::Question,
                product_id: None,
                appointment_id: None,
                operation_id: None,
                rating: None,
                text: Some("open on Sunday?".into()),
                source: FeedbackSource::App,
                created_by: "client:1".into(),
                at: now(),
            },
            6,
        )
    }

    fn reply(text: &str) -> Answer {
        Answer {
            text: text.into(),
            channel: Channel::Telegram,
        }
    }

    #[test]
    fn an_answer_is_sent_then_recorded() {
        let mut repo = MockFeedbackRepository::new();
        repo.expect_get().returning(|_| Ok(Some(question())));
        repo.expect_record_answer()
            .withf(|id, a| {
                *id == FeedbackId(6)
                    && a.text == "Yes, 10 to 18"
                    && a.message_id == MessageId(42)
                    && a.answered_by == EmployeeId(3)
                    && a.answered_at == now()
            })
            .times(1)
            .returning(|_, a| {
                let mut f = question();
                f.answer = Some(a.clone());
                Ok(Some(f))
            });
        let sent = Cell::new(0);
        let answered = book(repo)
            .answer(
                FeedbackId(6),
                reply(" Yes, 10 to 18 "),
                EmployeeId(3),
                |f, a| {
                    sent.set(sent.get() + 1);
                    assert_eq!(f.client_id, ClientId(1));
                    assert_eq!(a.text, "Yes, 10 to 18");
                    Ok::<_, String>(MessageId(42))
                },
            )
            .unwrap();
        assert_eq!(sent.get(), 1);
        assert_eq!(answered.answer.map(|a| a.message_id), Some(MessageId(42)));
    }

    #[test]
    fn a_failed_send_records_nothing() {
        let mut repo = MockFeedbackRepository::new();
        repo.expect_get().returning(|_| Ok(Some(question())));
        repo.expect_record_answer().never();
        let err = book(repo)
            .answer(FeedbackId(6), reply("Yes"), EmployeeId(3), |_, _| {
                Err::<MessageId, _>("no consent".to_owned())
            })
            .unwrap_err();
        assert_eq!(err, AnswerFailure::Send("no consent".to_owned()));
    }

    #[test]
    fn unknown_feedback_or_blank_answer_sends_nothing() {
        let mut repo = MockFeedbackRepository::new();
        repo.expect_get().returning(|_| Ok(None));
        repo.expect_record_answer().never();
        let book = book(repo);
        let never =
            |_: &Feedback, _: &Answer| -> Result<MessageId, String> { panic!("must not send") };
        assert_eq!(
            book.answer(FeedbackId(9), reply("Yes"), EmployeeId(3), never)
                .unwrap_err(),
            AnswerFailure::Feedback(FeedbackError::NotFound)
        );
        assert!(matches!(
            book.answer(FeedbackId(6), reply("  "), EmployeeId(3), never),
            Err(AnswerFailure::Feedback(FeedbackError::Validation(_)))
        ));
    }
}
