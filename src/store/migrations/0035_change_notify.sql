-- Issue 13 item 2: every new config revision is announced to every node on the channel lgsp_changes (payload:
-- the revision), from the transaction that made it, so the listeners hear it at COMMIT and never before. Every
-- control-plane change bumps config_state.revision (src/control/audit.ts recordChange), so this one trigger
-- covers them all; the snapshot poll stays as the fallback for a node whose session was lost.
CREATE OR REPLACE FUNCTION lgsp_announce_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('lgsp_changes', NEW.revision::text);
  RETURN NEW;
END;
$$;

CREATE TRIGGER config_state_announce
  AFTER UPDATE OF revision ON config_state
  FOR EACH ROW WHEN (NEW.revision IS DISTINCT FROM OLD.revision)
  EXECUTE FUNCTION lgsp_announce_revision();
