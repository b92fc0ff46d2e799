-- Reward grants recorded.
SELECT count(*) FROM reward_grants
