-- A decision may take the price the pricing rules allow when complying costs expected profit
-- (a recommendation's secondary choice): kind 'compliance'.
alter table pricing_decision drop constraint if exists pricing_decision_kind_check;
alter table pricing_decision add constraint pricing_decision_kind_check
    check (kind in ('recommendation', 'manual', 'compliance'));
