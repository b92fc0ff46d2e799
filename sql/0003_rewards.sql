-- Rewards granted for completed goals, written by the goal.completed job handler.

CREATE TABLE reward_grants (
    user_id     text        NOT NULL,
    goal_id     text        NOT NULL,
    period_end  timestamptz NOT NULL,
    reward_type text        NOT NULL,
    item_id     text        NOT NULL,
    quantity    bigint      NOT NULL CHECK (quantity > 0),
    job_id      bigint,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, goal_id, period_end)
);
COMMENT ON TABLE reward_grants IS
    'One grant per player, goal and period: the handler inserts idempotently, so a job that runs '
    'twice (after a crash or a rescue) grants once.';
COMMENT ON COLUMN reward_grants.user_id IS 'Player.';
COMMENT ON COLUMN reward_grants.goal_id IS 'Completed goal.';
COMMENT ON COLUMN reward_grants.period_end IS 'End of the goal''s period (''infinity'' for goals that never rotate).';
COMMENT ON COLUMN reward_grants.reward_type IS 'Reward type from the catalog (currency, item, ...).';
COMMENT ON COLUMN reward_grants.item_id IS 'What is granted.';
COMMENT ON COLUMN reward_grants.quantity IS 'How many.';
COMMENT ON COLUMN reward_grants.job_id IS 'The goal.completed job that granted it.';
COMMENT ON COLUMN reward_grants.granted_at IS 'When it was granted.';
