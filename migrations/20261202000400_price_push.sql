-- Price push-back: an accepted price sent to the connected shop by an explicit action, with the
-- platform's answer kept on the decision (who pushed it is in the audit log).
alter table pricing_decision
    add column pushed_at   timestamptz,
    add column push_result text;
