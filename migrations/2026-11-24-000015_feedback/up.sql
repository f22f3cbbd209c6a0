-- Feedback from clients: ratings (1–5) of a product or service, complaints, suggestions and
-- questions, recorded from the Mini App (`source = 'app'`) or by staff (`source = 'admin'`),
-- and the latest answer the business sent back through the dialogue pipeline.
-- Times are BIGINT unix milliseconds. `answer_message_id` is the id of the dialogue message that
-- carried the answer (the `messages` row of the dialogues).
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id BIGINT NOT NULL REFERENCES clients (id),
    kind TEXT NOT NULL CHECK (kind IN ('rating', 'complaint', 'suggestion', 'question')),
    -- The product or service the feedback is about (for a rating tied to an appointment: the
    -- appointment's service).
    product_id BIGINT REFERENCES products (id),
    appointment_id BIGINT REFERENCES appointments (id),
    operation_id BIGINT REFERENCES operations (id),
    rating BIGINT CHECK (rating BETWEEN 1 AND 5),
    -- The rating's comment, or the text of a complaint, suggestion or question.
    text TEXT,
    source TEXT NOT NULL CHECK (source IN ('app', 'admin')),
    created_by TEXT NOT NULL,
    answer_text TEXT,
    answered_at BIGINT,
    answered_by BIGINT REFERENCES employees (id),
    answer_message_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- A rating has a score and a product; the other kinds have a text and no score.
    CHECK ((kind = 'rating') = (rating IS NOT NULL)),
    CHECK (kind <> 'rating' OR product_id IS NOT NULL),
    CHECK (kind = 'rating' OR text IS NOT NULL),
    -- An answer is recorded whole or not at all.
    CHECK ((answered_at IS NULL) = (answer_text IS NULL)
        AND (answered_at IS NULL) = (answered_by IS NULL)
        AND (answered_at IS NULL) = (answer_message_id IS NULL))
);

-- One rating per client per appointment: a later rating updates it.
CREATE UNIQUE INDEX feedback_one_rating_per_appointment
    ON feedback (client_id, appointment_id)
    WHERE kind = 'rating' AND appointment_id IS NOT NULL;

-- The admin list, newest first, and its filters (a score range is searched among the ratings
-- through the kind's index).
CREATE INDEX feedback_by_created ON feedback (created_at, id);
CREATE INDEX feedback_by_kind ON feedback (kind, created_at, id);
CREATE INDEX feedback_by_product ON feedback (product_id, created_at, id);
CREATE INDEX feedback_by_client ON feedback (client_id, created_at, id);
CREATE INDEX feedback_unanswered ON feedback (created_at, id) WHERE answered_at IS NULL;
CREATE INDEX feedback_answered ON feedback (created_at, id) WHERE answered_at IS NOT NULL;

-- The average rating per product or service (covering: no table look-ups).
CREATE INDEX feedback_ratings_by_product
    ON feedback (product_id, created_at, rating) WHERE kind = 'rating';
