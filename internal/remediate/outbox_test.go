package remediate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

func (f *fixture) outbox(t *testing.T) []message.Message {
	t.Helper()
	var out []message.Message
	if _, err := f.st.Outbox().FanOut(context.Background(), 100, func(n store.Notification) []store.Route {
		m, err := message.Decode(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRunMessages: a run in approve mode writes RUN_AWAITING_APPROVAL when
// it stops to wait, and RUN_ACTED (the new version, the diff link) with
// the version it publishes, once each; for both catalog kinds.
func TestRunMessages(t *testing.T) {
	for _, foreign := range []bool{false, true} {
		name := "embedded"
		if foreign {
			name = "foreign"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, storetest.OpenSQLite(t), strings.Replace(seedPolicy, "occurrences: 3", "occurrences: 1", 1)+"mode: approve\n")
			f.foreign = foreign
			e := f.engine(t, "w1")
			r := submit(t, e, cpuProblem("201"))
			drain(t, e)
			got := f.outbox(t)
			if len(got) != 1 || got[0].MessageType != message.RunAwaitingApproval {
				t.Fatalf("messages after waiting = %+v", got)
			}
			w := got[0].Run
			if w.RunId != r.RunIDs[0] || w.ApproveCommand != "tend runs approve "+w.RunId || w.CancelCommand != "tend runs cancel "+w.RunId ||
				w.Product != "workstation" || w.Change != "InstanceType t3.small → t3.medium" || got[0].MessageId != w.RunId+".RUN_AWAITING_APPROVAL" {
				t.Errorf("RUN_AWAITING_APPROVAL = %+v %+v", got[0], w)
			}
			if _, err := f.st.Runs().Approve(context.Background(), w.RunId, "alice", f.clock.Now()); err != nil {
				t.Fatal(err)
			}
			f.clock.Add(time.Second)
			drain(t, e)
			got = f.outbox(t)
			if len(got) != 1 || got[0].MessageType != message.RunActed {
				t.Fatalf("messages after acting = %+v", got)
			}
			a := got[0].Run
			if a.Version != "v2" || a.PreviousVersion != "v1" || a.Product != "workstation" || a.Change != "InstanceType t3.small → t3.medium" ||
				a.DiffUrl != "http://tend.test/v1/catalog/workstation/diff?from=v1&to=v2" || a.RunUrl != "http://tend.test/ui/runs/"+a.RunId ||
				got[0].ProblemType != "CPU_SATURATION" {
				t.Errorf("RUN_ACTED = %+v %+v", got[0], a)
			}
		})
	}
}
